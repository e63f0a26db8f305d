"""Answers read from the lookup index: an entity and its counts, a claim and its evidence."""

from __future__ import annotations

from typing import Any

from graph.cache.index import Index
from graph.sources.quotes import table_columns

__all__ = ["STEP_KEYS", "describe_claim", "describe_entity", "step_of"]

#: the stable public shape of a claim as a step of a path
STEP_KEYS = ("claim", "subject", "object", "predicate", "sign", "quote", "document", "section",
             "context", "certainty", "citations", "knowledge_level")


def describe_entity(index: Index, name: str) -> dict[str, Any]:
    """Return an entity's record with its claim counts (``claims_in``, ``claims_out``).

    :raises UnknownEntityError: if ``name`` denotes no entity, with the nearest names.
    """
    record = index.entity(index.resolve(name))
    record["claims_in"], record["claims_out"] = index.count_claims(record["id"])
    return record


def step_of(claim: dict[str, Any]) -> dict[str, Any]:
    """Return the stable public shape of a claim (a step of a path); ``citations`` are
    ``{study, basis, relation, rationale}`` objects."""
    return {key: claim.get(key) for key in STEP_KEYS}


def describe_claim(index: Index, claim_id: str) -> dict[str, Any]:
    """Return a claim with everything behind it: quote, place, context and full study records.

    :raises UnknownEntityError: (kind "claim") if there is no such claim.
    """
    claim = index.claim(claim_id)
    record = {**claim, **step_of(claim)}
    record["subject_label"] = index.entity(claim["subject"])["label"]
    record["object_label"] = index.entity(claim["object"])["label"]
    record["studies"] = [{**(index.study(link["study"]) or {"id": link["study"]}),
                          "basis": link["basis"], "relation": link["relation"], "rationale": link.get("rationale")}
                         for link in claim.get("citations") or []]
    record["table_columns"] = table_columns(index, claim)
    return record
