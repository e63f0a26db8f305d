"""A curator's loop over a draft: show each entry beside its sentence, accept, edit or reject it.

``hkg review DOC`` lists the entries of ``data/drafts/DOC.yaml`` (new entities with their
identifiers, new synonyms, studies, claims with their quote and line). ``--accept ID``,
``--edit ID KEY=VALUE`` and ``--reject ID`` (repeatable; ``--accept-all``) move entries:

- an accepted entity goes to ``data/entities.yaml`` and its identifiers to ``data/xrefs.yaml``;
  an accepted synonym entry adds the synonyms to the known entity; a study to ``studies.yaml``;
  a claim to ``claims.yaml`` — each file rewritten in canonical form (:mod:`graph.curation.lint`);
- the accepted and rejected entries leave the draft; the others stay for later.

Then the curated data is loaded and checked exactly as ``hkg build`` does (every quote against
its document, every entity, study and context) and the identifiers re-checked against their
offline sources; when anything fails, every file is put back as it was and the problems are
reported, one line each, so a draft can never leave the curated data broken.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graph.atomic import write_atomic
from graph.curation.xrefs import verify_xrefs
from graph.errors import LoadError, Problem
from graph.model.names import slugify
from graph.render import to_json, to_table

__all__ = ["DraftEntry", "ReviewResult", "apply_review", "draft_entries", "read_draft", "render_review"]

_SECTIONS = (("entities", "entities.yaml"), ("studies", "studies.yaml"), ("claims", "claims.yaml"))


@dataclass(frozen=True)
class DraftEntry:
    """One entry of a draft: its kind, id, the entry itself and the text it came from."""

    kind: str  # entity, synonyms, study, claim
    id: str
    entry: dict[str, Any]
    source: str  # the quote, definition or reference it was drafted from


@dataclass(frozen=True)
class ReviewResult:
    """What a review did: ids accepted, edited and rejected, files written, entries left."""

    accepted: tuple[str, ...]
    rejected: tuple[str, ...]
    written: tuple[str, ...]
    remaining: tuple[DraftEntry, ...]


def _draft_path(data: Path, document: str) -> tuple[Path, str]:
    doc_id = slugify(Path(document).stem) if document.endswith((".yaml", ".txt")) else document
    label = f"data/drafts/{doc_id}.yaml"
    path = data / "drafts" / f"{doc_id}.yaml"
    if not path.is_file():
        raise LoadError([Problem(label, 0, f"no draft for {doc_id!r}; run `hkg ingest` on the document first")])
    return path, label


def _read_draft(path: Path, label: str) -> dict[str, Any]:
    from graph.sources.files import read_yaml_mapping

    draft = read_yaml_mapping(path, label)
    if not isinstance(draft.get("document"), str):
        raise LoadError([Problem(label, 0, "not a draft of `hkg ingest` (no document)")])
    return draft


def read_draft(data: str | Path, document: str) -> list[DraftEntry]:
    """Return the entries of a document's draft (``data/drafts/<id>.yaml``)."""
    path, label = _draft_path(Path(data), document)
    return draft_entries(_read_draft(path, label))


def draft_entries(draft: dict[str, Any]) -> list[DraftEntry]:
    """Return the entries of a draft in review order: entities, synonyms, studies, claims."""
    entries = []
    xrefs = draft.get("xrefs") or {}
    for entity in draft.get("entities") or []:
        ids = ", ".join(f"{c} ({lab})" for c, lab in (xrefs.get(entity.get("id")) or {}).items())
        entries.append(DraftEntry("entity", str(entity.get("id")), entity, ids or "no identifier"))
    for item in draft.get("synonyms") or []:
        entries.append(DraftEntry("synonyms", f"{item.get('entity')}-synonyms", item,
                                  f"line {item.get('line')}: {', '.join(item.get('synonyms') or [])}"))
    for study in draft.get("studies") or []:
        entries.append(DraftEntry("study", str(study.get("id")), study,
                                  f"{study.get('first_author')} {study.get('year')}"))
    for claim in draft.get("claims") or []:
        entries.append(DraftEntry("claim", str(claim.get("id")), claim, str(claim.get("quote", ""))))
    return entries


def _parse_value(text: str):
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def apply_review(data: str | Path, document: str, accept: tuple[str, ...] = (), reject: tuple[str, ...] = (),
                 edits: tuple[str, ...] = (), accept_all: bool = False) -> ReviewResult:
    """Accept, edit and reject entries of a document's draft (see the module docstring).

    Parameters
    ----------
    data
        The project's ``data/`` folder.
    document
        The document id (or its file name).
    accept, reject
        Entry ids.
    edits
        ``ID KEY=VALUE`` as ``"ID:KEY=VALUE"``; an edited entry is accepted. The value is read as
        YAML (``sign=-1``, ``context={population: men}``).
    accept_all
        Accept every entry not rejected.

    Raises
    ------
    LoadError
        An unknown id, a malformed edit, or accepted entries that fail the build's checks (then
        nothing is changed).
    """
    import yaml

    from graph.curation.lint import canonical_text
    from graph.sources.load import load_records

    data = Path(data)
    path, label = _draft_path(data, document)
    draft = _read_draft(path, label)
    entries = {e.id: e for e in draft_entries(draft)}
    problems = [Problem(label, 0, f"no entry {i!r} in the draft") for i in (*accept, *reject) if i not in entries]
    changes: dict[str, dict[str, Any]] = {}
    for edit in edits:
        target, _, assignment = edit.partition(":")
        key, eq, value = assignment.partition("=")
        if target not in entries or not eq or not key:
            problems.append(Problem(label, 0, f"edit {edit!r}: write ID:KEY=VALUE with an id of the draft"))
            continue
        changes.setdefault(target, {})[key.strip()] = _parse_value(value)
    if problems:
        raise LoadError(problems)
    chosen = set(accept) | set(changes) | ({i for i in entries if i not in reject} if accept_all else set())
    chosen -= set(reject)

    originals: dict[Path, str | None] = {}

    def load(name: str):
        target = data / name
        if target not in originals:
            originals[target] = target.read_text(encoding="utf-8") if target.exists() else None
        return yaml.safe_load(originals[target] or "") or ([] if name != "xrefs.yaml" else {})

    files: dict[str, Any] = {}
    for entry_id in sorted(chosen, key=lambda i: ("entity", "synonyms", "study", "claim").index(entries[i].kind)):
        item = entries[entry_id]
        entry = {**item.entry, **changes.get(entry_id, {})}
        if item.kind == "synonyms":
            entities = files.setdefault("entities.yaml", load("entities.yaml"))
            owner = next((e for e in entities if e.get("id") == entry.get("entity")), None)
            if owner is None:
                raise LoadError([Problem(label, 0, f"{entry_id}: no entity {entry.get('entity')!r} in data/entities.yaml")])
            owner["synonyms"] = list(dict.fromkeys([*(owner.get("synonyms") or []), *(entry.get("synonyms") or [])]))
            continue
        name = {"entity": "entities.yaml", "study": "studies.yaml", "claim": "claims.yaml"}[item.kind]
        files.setdefault(name, load(name)).append(entry)
        if item.kind == "entity" and (draft.get("xrefs") or {}).get(entry_id) and (data / "xrefs.yaml").exists():
            xrefs = files.setdefault("xrefs.yaml", load("xrefs.yaml"))
            xrefs.setdefault("entities", {})[entry.get("id", entry_id)] = dict(draft["xrefs"][entry_id])
    written = []
    try:
        for name, content in files.items():
            target = data / name
            write_atomic(target, yaml.safe_dump(content, allow_unicode=True, sort_keys=False))
            write_atomic(target, canonical_text(target))
            written.append(f"data/{name}")
        if files:
            load_records(data)
            if "xrefs.yaml" in files:
                found = verify_xrefs(data / "xrefs.yaml", data / "entities.yaml", data / "designs.yaml")
                if found:
                    raise LoadError([Problem("data/xrefs.yaml", 0, p) for p in found])
    except LoadError as error:
        for target, text in originals.items():
            if text is None:
                target.unlink(missing_ok=True)
            else:
                write_atomic(target, text)
        # the files are back as they were: the problems are the draft's, said without a line
        # number that no longer exists
        raise LoadError([Problem(label, 0, f"not accepted, nothing changed: {p.message} (in {p.file})")
                         for p in error.problems]) from None
    done = chosen | set(reject)
    remaining = tuple(e for e in entries.values() if e.id not in done)
    if done:
        kept = {key: [e for e in draft.get(key) or [] if str(e.get("id")) not in done]
                for key in ("entities", "studies", "claims")}
        draft.update(kept)
        draft["synonyms"] = [s for s in draft.get("synonyms") or [] if f"{s.get('entity')}-synonyms" not in done]
        draft["xrefs"] = {k: v for k, v in (draft.get("xrefs") or {}).items() if k not in done}
        write_atomic(path, "# Draft from `hkg ingest`, partly reviewed (`hkg review`). Nothing here enters the graph.\n"
                     + yaml.safe_dump(draft, allow_unicode=True, sort_keys=False, width=100))
        written.append(label)
    return ReviewResult(tuple(sorted(chosen)), tuple(sorted(reject)), tuple(written), remaining)


def render_review(entries: list[DraftEntry] | tuple[DraftEntry, ...], fmt: str, result: ReviewResult | None = None) -> str:
    """Render draft entries (and what a review did): ``json`` or ``table``."""

    rows = []
    for e in entries:
        if e.kind == "claim":
            what = f"{e.entry.get('subject')} → {e.entry.get('object')} ({e.entry.get('sign'):+d})" \
                if isinstance(e.entry.get("sign"), int) else str(e.entry)
        elif e.kind == "entity":
            what = f"{e.entry.get('label')} ({e.entry.get('category')})"
        else:
            what = ", ".join(f"{k}={v}" for k, v in e.entry.items() if k in ("entity", "synonyms", "first_author", "year", "design"))
        rows.append([e.kind, e.id, what, e.source])
    if fmt == "json":
        out = {"entries": [{"kind": e.kind, "id": e.id, "entry": e.entry, "source": e.source} for e in entries]}
        if result:
            out.update(accepted=list(result.accepted), rejected=list(result.rejected), written=list(result.written))
        return to_json(out)
    parts = []
    if result:
        parts += [f"accepted {len(result.accepted)}, rejected {len(result.rejected)}"]
        parts += [f"wrote {w}" for w in result.written]
    parts.append(to_table(f"draft entries to review ({len(rows)})", ["kind", "id", "proposal", "from"], rows))
    return "\n".join(parts)
