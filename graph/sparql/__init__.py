"""SPARQL over a build: the embedded store, the query library, parameters, answers, remote servers."""
