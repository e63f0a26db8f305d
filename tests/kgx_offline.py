"""Run kgx 2.6 offline, against the Biolink model the ``biolink-model`` wheel ships.

kgx and bmt download the Biolink model (schema, predicate map, JSON-LD context) when they start,
which fails here. Before kgx is imported this points each of them at the wheel: bmt's
``Toolkit.__init__`` defaults (schema → ``schema/biolink_model.yaml``, predicate map → empty),
``kgx.config.jsonld_context_map["biolink"]`` → ``prefixmaps/biolink_model_prefix_map.json`` and
``kgx.config.get_biolink_model_schema`` → the same YAML. Every socket connection is refused, so
anything that still reached for the network fails instead of passing quietly.

Run as a script (the tests do, in a child process, so the patches stay out of the test session)::

    python tests/kgx_offline.py validate jsonl NODES EDGES [--prefix NAME=IRI ...]
    python tests/kgx_offline.py load jsonl NODES EDGES
    python tests/kgx_offline.py stream jsonl NODES EDGES OUTPUT_PREFIX

``validate`` prints kgx's validation report (JSON: level → error type → message → ids);
``load`` loads the files into kgx's graph store and prints its nodes and edges (JSON);
``stream`` runs a streamed ``kgx transform`` into KGX JSON Lines at ``OUTPUT_PREFIX`` and prints
the edges it wrote.
``--prefix`` declares a prefix to the validator beside Biolink's context.
"""

from __future__ import annotations

import json
import socket
import sys
from importlib import resources


def _refuse(*args, **kwargs):
    raise OSError("network access is disabled for kgx")


def offline() -> None:
    """Cut the network and point bmt and kgx at the biolink-model wheel."""
    socket.socket.connect = _refuse
    socket.socket.connect_ex = _refuse
    socket.create_connection = _refuse
    socket.getaddrinfo = _refuse
    schema = str(resources.files("biolink_model").joinpath("schema/biolink_model.yaml"))
    prefix_map = resources.files("biolink_model").joinpath("prefixmaps/biolink_model_prefix_map.json")
    import bmt

    defaults = list(bmt.Toolkit.__init__.__defaults__)
    defaults[0], defaults[1] = schema, {"predicate mappings": []}
    bmt.Toolkit.__init__.__defaults__ = tuple(defaults)
    import kgx.config

    kgx.config.jsonld_context_map["biolink"] = json.loads(prefix_map.read_text(encoding="utf-8"))
    kgx.config.get_biolink_model_schema = lambda biolink_release=None: schema


def validate(input_format: str, files: list[str], declared: dict[str, str]) -> dict:
    """Return kgx's validation report of ``files``."""
    import kgx.config

    kgx.config.jsonld_context_map["biolink"].update(declared)
    from kgx.transformer import Transformer
    from kgx.validator import Validator

    Validator.set_biolink_model(None)
    validator = Validator()
    Transformer(stream=True).transform(input_args={"filename": files, "format": input_format},
                                       output_args={"format": "null"}, inspector=validator)
    # (write_report writes to stderr whatever stream it is given: read the errors directly)
    return json.loads(json.dumps(validator.get_errors(), default=sorted))


def load(input_format: str, files: list[str]) -> dict:
    """Return the nodes and edges kgx's graph store holds after loading ``files``."""
    from kgx.transformer import Transformer

    transformer = Transformer()
    transformer.transform(input_args={"filename": files, "format": input_format})
    graph = transformer.store.graph
    return {
        "nodes": sorted(graph.nodes()),
        "edges": sorted([u, v, k, data.get("id")] for u, v, k, data in graph.edges(keys=True, data=True)),
    }


def stream(input_format: str, files: list[str], output: str) -> dict:
    """Return the edges a streamed kgx transform of ``files`` into JSON Lines writes."""
    from pathlib import Path

    from kgx.transformer import Transformer

    Transformer(stream=True).transform(input_args={"filename": files, "format": input_format},
                                       output_args={"filename": output, "format": "jsonl"})
    lines = Path(f"{output}_edges.jsonl").read_text(encoding="utf-8").splitlines()
    return {"edges": sorted(json.loads(line)["id"] for line in lines if line.strip())}


def main(argv: list[str]) -> int:
    command, input_format, *rest = argv
    files = [a for a in rest if not a.startswith("--prefix") and "=" not in a]
    declared = dict(a.split("=", 1) for a in rest if "=" in a)
    offline()
    if command == "validate":
        result = validate(input_format, files, declared)
    elif command == "stream":
        result = stream(input_format, files[:-1], files[-1])
    else:
        result = load(input_format, files)
    print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
