"""What a build publishes: the export formats (RDF, KGX, GraphML ...) and the HTML explorer."""
