"""Pathway questions on the signed view: routes, feedback loops, conflicts, neighbours."""
