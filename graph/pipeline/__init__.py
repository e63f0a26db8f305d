"""Compiling ``data/`` into a build: records → RDF → checks → cache (store + lookup index) → exports,
every file written atomically."""
