"""A curator's tools: ingest a new document into drafts, review them, lint the YAML, verify identifiers."""
