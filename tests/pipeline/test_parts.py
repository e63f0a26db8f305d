"""A build reads claims.yaml in several processes at once: the same graph, the same problems."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from contextlib import nullcontext
from pathlib import Path

import psutil
import pytest

import graph.sources.files
from graph.children import forked
from graph.errors import CacheError, LoadError, Problem
from graph.pipeline.bulk import write_data_nt, write_graph_nt
from graph.sources.files import NotSplittable, iter_yaml_entries
from graph.sources.load import load_records, stream_records

from editing import replace

ROOT = Path(__file__).resolve().parents[2]


def _read(path: Path, part=(0, 1)):
    """(entries as (line, data, key lines), the LoadError raised or None): what one part reads."""
    entries, error = [], None
    try:
        for entry in iter_yaml_entries(path, "list.yaml", part=part):
            entries.append((entry.line, repr(entry.data), entry.key_lines))
    except (LoadError, NotSplittable) as raised:
        error = raised
    return entries, error


def test_the_parts_of_a_list_are_its_entries_each_read_once(tmp_path, monkeypatch):
    """Every entry is in exactly one part, with its lines, and the parts together find the
    problems one reader finds; or, where a chunk cannot be read alone (an alias to an earlier
    entry, a document marker, a byte that is not UTF-8, a quoted value going on at column 0 with
    ``- ``, which the chunks split as if it began an entry), a part says so."""
    rng = random.Random(5)
    pieces = [b"- id: a\n  k: 1\n", b"- id: b\n  n:\n    x: y\n", b"- id: c\n  l:\n  - p\n  - q\n",
              b"# note\n", b"- &anchor\n  id: d\n", b"- *anchor\n", b"- just text\n", b"---\n",
              b"- id: \xff\n", b"- id: 'quoted'\n", b"- id: e\n  k: [1, 2]\n", b'- id: f\n  q: "older\n- men"\n']
    weights = [20, 10, 10, 3, 1, 1, 1, 1, 1, 5, 3, 2]
    path = tmp_path / "list.yaml"
    split = 0
    for _ in range(150):
        path.write_bytes(b"".join(rng.choices(pieces, weights, k=rng.randrange(1, 25))))
        for size in (1, 2, 5):
            monkeypatch.setattr(graph.sources.files, "CHUNK_ENTRIES", size)
            whole, error = _read(path)
            whole_problems = error.problems if error else ()
            for n in (2, 3):
                parts = [_read(path, (k, n)) for k in range(n)]
                if any(isinstance(error, NotSplittable) for _, error in parts):
                    continue
                split += 1
                found = {p for _, error in parts if error for p in error.problems}
                assert found == set(whole_problems), path.read_bytes()
                if not found:
                    entries = sorted(e for part, _ in parts for e in part)
                    assert entries == sorted(whole), path.read_bytes()  # an alias has its anchor's line
    assert split > 300  # most files are read in parts


def test_a_value_that_goes_on_like_an_entry_is_read_as_one_reader_reads_it(tmp_path, monkeypatch):
    """A ``- `` that goes on a quoted value inside a chunk makes the chunk one entry short of what
    its cuts counted; when a later chunk must be read from the whole file, it goes on from the
    entries actually read, none skipped."""
    monkeypatch.setattr(graph.sources.files, "CHUNK_ENTRIES", 3)
    path = tmp_path / "list.yaml"
    # cut as: [e0, e1, "- men"], [e2, e3, e4], [e5, an alias to e0's id: read from the whole file]
    path.write_bytes(b"- id: &a e0\n" + b'- id: e1\n  q: "older\n- men"\n'
                     + b"".join(b"- id: e%d\n" % i for i in range(2, 6)) + b"- id: *a\n")
    entries, error = _read(path)
    assert error is None
    assert [e[1] for e in entries] == [repr({"id": "e0"}), repr({"id": "e1", "q": "older - men"})] + \
        [repr({"id": f"e{i}"}) for i in range(2, 6)] + [repr({"id": "e0"})]


def _more_claims(project: Path, copies: int) -> None:
    """Repeat the claims of a project under new ids, so that claims.yaml holds many chunks."""
    claims = project / "data" / "claims.yaml"
    text = claims.read_text(encoding="utf-8")
    claims.write_text(text + "".join(text.replace("- id: ", f"- id: copy{n}-") for n in range(copies)),
                      encoding="utf-8")


@pytest.mark.parametrize("parts", [2, 3])
def test_a_graph_written_in_parts_is_the_graph_of_one_process(mini_project, tmp_path, monkeypatch, parts):
    _more_claims(mini_project, 6)
    sources = mini_project / "data" / "sources"
    for name in ("another", "third"):  # documents are read in parts too
        (sources / f"{name}.txt").write_text((sources / "mini.txt").read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(graph.sources.files, "CHUNK_ENTRIES", 4)
    data = mini_project / "data"
    expected = write_graph_nt(load_records(data), tmp_path / "one.nt")
    kb, claims, triples = write_data_nt(data, tmp_path / "parts.nt", parts=parts)
    assert (claims, triples) == (42, expected)
    assert kb.claims == () and len(kb.entities) == 8
    assert (tmp_path / "parts.nt").read_bytes() == (tmp_path / "one.nt").read_bytes()


def test_the_curated_data_in_parts(tmp_path, monkeypatch):
    monkeypatch.setattr(graph.sources.files, "CHUNK_ENTRIES", 7)
    expected = write_graph_nt(load_records(ROOT / "data"), tmp_path / "one.nt")
    _, _, triples = write_data_nt(ROOT / "data", tmp_path / "parts.nt", parts=2)
    assert triples == expected
    assert (tmp_path / "parts.nt").read_bytes() == (tmp_path / "one.nt").read_bytes()


def _problems(load) -> tuple[Problem, ...]:
    with pytest.raises(LoadError) as caught:
        load()
    return caught.value.problems


def test_problems_found_in_parts_are_those_of_one_process(mini_project, monkeypatch):
    """Bad claims in every part, and one id in two parts: the same problems, lines and all."""
    _more_claims(mini_project, 3)
    monkeypatch.setattr(graph.sources.files, "CHUNK_ENTRIES", 2)
    claims = mini_project / "data" / "claims.yaml"
    replace(claims, "- id: copy0-insulin-increases-visceral-fat", "- id: testosterone-decreases-visceral-fat")
    replace(claims, "- id: copy2-", "- id: copy1-")  # duplicates within and across parts
    text = claims.read_text(encoding="utf-8")
    claims.write_text(text.replace("sign: 1", "sign: 2", 2).replace("subject: tnf-alpha", "subject: tnf-alfa"),
                      encoding="utf-8")
    (mini_project / "data" / "sources" / "zz-empty.txt").write_text("\n")  # a document read by another part
    data = mini_project / "data"
    one = _problems(lambda: load_records(data))
    assert any("duplicate id 'testosterone-decreases-visceral-fat'" in p.message for p in one)
    assert any(p.file == "data/sources/zz-empty.txt" for p in one)
    assert any("sign 2" in p.message for p in one) and any("tnf-alfa" in p.message for p in one)
    for parts in (2, 3):
        assert _problems(_in_parts(data, parts)) == one


def _in_parts(data: Path, parts: int):
    return lambda: stream_records(data, lambda k: nullcontext(lambda claim: None), parts)


def test_an_id_three_times_in_two_parts_is_reported_against_its_first(mini_project, monkeypatch):
    """The first in one part, two more in another (which never sees the first): both repeats
    name the first line, and a repeat is checked as fully as any claim, under its own id."""
    _more_claims(mini_project, 3)  # chunks of two: copy0 … sit in parts 1, 0, 1 …
    monkeypatch.setattr(graph.sources.files, "CHUNK_ENTRIES", 2)
    claims = mini_project / "data" / "claims.yaml"
    for old in ("- id: copy0-testosterone-decreases-visceral-fat", "- id: copy1-insulin-increases-visceral-fat",
                "- id: copy1-testosterone-decreases-homa-ir"):
        replace(claims, old, "- id: dup")
    replace(claims, "- id: copy2-testosterone-decreases-visceral-fat\n  subject: testosterone",
            "- id: copy1-testosterone-decreases-visceral-fat\n  subject: nosuch")
    data = mini_project / "data"
    one = _problems(lambda: load_records(data))
    dup = [p for p in one if "duplicate id 'dup'" in p.message]
    first = claims.read_text(encoding="utf-8").splitlines().index("- id: dup") + 1
    assert len(dup) == 2 and all(p.message.endswith(f"(first at line {first})") for p in dup)
    assert any("claim 'copy1-testosterone-decreases-visceral-fat': unknown subject entity 'nosuch'" in p.message
               for p in one)
    for parts in (2, 3):
        assert _problems(_in_parts(data, parts)) == one


def test_a_file_the_parts_cannot_split_is_read_in_one(mini_project, tmp_path, monkeypatch):
    """A quoted value that goes on at column 0 with ``- `` (valid YAML) right at a cut: the part
    of the chunk before it cannot read it, the other parts' chunks are shifted by one; the file
    is read again in one part, and the graph is one process's."""
    _more_claims(mini_project, 3)
    monkeypatch.setattr(graph.sources.files, "CHUNK_ENTRIES", 2)
    claims = mini_project / "data" / "claims.yaml"  # the second entry: the cut after it falls in its value
    # what goes on inside the quotes reads as a whole claim to a part that starts there: the part
    # must not have handed it on
    replace(claims, "- id: testosterone-decreases-homa-ir\n",
            '- id: testosterone-decreases-homa-ir\n  context:\n    population: "older\n- id: fakeclaim\n'
            '  subject: insulin\n  object: visceral-fat\n  sign: 1\n  document: mini\n'
            '  quote: High insulin drives visceral fat accumulation.\n  population: men"\n')
    data = mini_project / "data"
    expected = write_graph_nt(load_records(data), tmp_path / "one.nt")
    assert b"older - id: fakeclaim" in (tmp_path / "one.nt").read_bytes()
    for parts in (2, 3):
        _, claims_made, triples = write_data_nt(data, tmp_path / "parts.nt", parts=parts)
        assert (claims_made, triples) == (24, expected)
        assert (tmp_path / "parts.nt").read_bytes() == (tmp_path / "one.nt").read_bytes()


def test_an_unreadable_claims_file_read_in_parts_is_one_problem(mini_project, monkeypatch):
    _more_claims(mini_project, 3)
    monkeypatch.setattr(graph.sources.files, "CHUNK_ENTRIES", 2)
    claims = mini_project / "data" / "claims.yaml"
    raw = claims.read_bytes()
    last = raw.rindex(b"- id: ")
    claims.write_bytes(raw[:last] + b"- id: \xff\n" + raw[last:])  # in the last chunk
    data = mini_project / "data"
    one = _problems(lambda: load_records(data))
    assert [p.message for p in one] == ["not UTF-8 (byte %d)" % (last + len(b"- id: "))]
    assert _problems(_in_parts(data, 2)) == one


def test_a_worker_gives_back_its_value_or_its_error():
    def work(n):
        if n == 2:
            raise LoadError([Problem("data/claims.yaml", 7, "bad")])
        return n * 10

    with forked(work, [1, 3]) as results:
        assert results() == [10, 30]
    with forked(work, [1, 2]) as results, pytest.raises(LoadError) as caught:
        results()
    assert caught.value.problems == (Problem("data/claims.yaml", 7, "bad"),)


class _Holding(Exception):
    """An error that holds what does not pickle."""

    def __init__(self, message):
        super().__init__(message)
        self.lock = threading.Lock()


class _TwoArguments(Exception):
    """An error that pickles but cannot be made again from its pickle."""

    def __init__(self, what, where):
        super().__init__(f"{what} at {where}")


def test_a_worker_error_that_does_not_travel_is_said_in_one_line():
    def work(n):
        raise (_Holding("the lock is held") if n else _TwoArguments("bad", "line 3"))

    for argument, said in ((1, "_Holding: the lock is held"), (0, "_TwoArguments: bad at line 3")):
        with forked(work, [argument]) as results, pytest.raises(RuntimeError) as caught:
            results()
        assert str(caught.value) == f"a worker process failed: {said}"


def test_a_worker_leaves_ctrl_c_to_the_process_that_forked_it():
    """Ctrl-C reaches every process of the group: a worker neither stops nor prints a traceback
    (the one that forked it gets KeyboardInterrupt and stops its workers)."""
    def work(n):
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.2)
        return n

    with forked(work, [1, 2]) as results:
        assert results() == [1, 2]


def test_a_worker_that_dies_is_one_line_and_a_failing_caller_stops_its_workers(tmp_path):
    with forked(lambda n: os._exit(3), [0]) as results, pytest.raises(CacheError, match="exit code 3"):
        results()
    marker = tmp_path / "late"

    def slow(n):
        import time

        time.sleep(5)
        marker.write_text("still ran")

    with pytest.raises(RuntimeError, match="caller"):
        with forked(slow, [0]):
            raise RuntimeError("caller failed")
    assert not marker.exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the kernel's parent-death signal is Linux's")
def test_workers_of_a_killed_process_die_with_it(tmp_path):
    """A build killed with SIGKILL leaves no worker writing on and holding its build lock."""
    code = ("import os, sys, time\nfrom graph.children import forked\n"
            "def work(n):\n    print(os.getpid(), flush=True)\n    time.sleep(30)\n"
            "with forked(work, [0, 1]) as results:\n    results()\n")
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, cwd=ROOT, text=True)
    workers = [int(parent.stdout.readline()) for _ in range(2)]
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 5
    while any(psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE for pid in workers):
        assert time.monotonic() < deadline, "a worker outlived the process that forked it"
        time.sleep(0.05)
