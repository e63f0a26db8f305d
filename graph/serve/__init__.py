"""``hkg serve``: the read-only SPARQL endpoint and the worker processes that run its queries."""
