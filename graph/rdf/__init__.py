"""Records become THE graph (RDF triples), checked against the SHACL shapes; outside RDF merged in."""
