"""Reading the inputs: curated YAML files, and source documents split into sections, glossary,
tables, references, citations and mentions."""
