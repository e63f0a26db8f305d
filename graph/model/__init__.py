"""The model: the record schema, its vocabulary (Biolink, RO, PROV terms), name folding and prefixes."""
