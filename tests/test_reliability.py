"""Nothing lost: a build killed at any point leaves the previous cache and exports whole."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from graph.project import Project
from graph.pipeline.build import build

ROOT = Path(__file__).resolve().parent.parent
BUILD = [sys.executable, "-m", "graph.cli.commands", "--project"]


def snapshot(project: Path) -> dict[str, bytes]:
    """The published exports: a killed build's hidden staging folder (exports/.tmp-exports-*,
    removed by the next build, ignored by git) holds no published file."""
    return {p.name: p.read_bytes() for p in sorted((project / "exports").iterdir())
            if not (p.is_dir() and p.name.startswith(".tmp-exports-"))}


def change_data(project: Path) -> None:
    claims = project / "data" / "claims.yaml"
    text = claims.read_text(encoding="utf-8")
    claims.write_text(text.replace("certainty: medium", "certainty: low", 1), encoding="utf-8")


@pytest.fixture
def real_copy(tmp_path) -> Path:
    target = tmp_path / "project"
    shutil.copytree(ROOT / "data", target / "data")
    return target


def test_build_killed_at_any_point_leaves_old_or_new_state_whole(real_copy, tmp_path):
    project = Project(real_copy)
    build(project)
    old_exports, old_build = snapshot(real_copy), project.current_build()
    # What a completed build of the changed data writes, measured on a separate copy.
    reference = tmp_path / "reference"
    shutil.copytree(real_copy / "data", reference / "data")
    change_data(reference)
    started = time.monotonic()
    subprocess.run([*BUILD, str(reference), "build"], check=True, capture_output=True)
    duration = time.monotonic() - started
    new_exports = snapshot(reference)
    assert new_exports != old_exports

    change_data(real_copy)
    for fraction in (0.15, 0.35, 0.55, 0.75, 0.9):
        process = subprocess.Popen([*BUILD, str(real_copy), "build"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(duration * fraction)
        process.send_signal(signal.SIGKILL)
        process.wait()
        for name, content in snapshot(real_copy).items():
            assert content in (old_exports[name], new_exports[name]), f"{name} torn at {fraction:.0%}"
        current = project.current_build()
        index = project.index()
        assert index.entity(index.resolve("testosterone"))["label"] == "testosterone"
        index.close()
        assert current == old_build or current.name == (reference / ".hkg" / "current").resolve().name


def test_readers_never_see_a_half_written_cache(real_copy):
    project = Project(real_copy)
    build(project)
    change_data(real_copy)
    code = ("import sys\nfrom graph.pipeline.build import Project, build\n"
            "for _ in range(3): build(Project(sys.argv[1]))\n")
    writer = subprocess.Popen([sys.executable, "-c", code, str(real_copy)])
    failures, reads = [], 0
    try:
        while writer.poll() is None:
            try:
                index = project.index()
                assert index.entity(index.resolve("TNF-alpha"))["id"] == "tnf-alpha"
                index.close()
                reads += 1
            except Exception as error:  # noqa: BLE001 - any failure is what we look for
                failures.append(repr(error))
    finally:
        writer.wait()
    assert writer.returncode == 0
    assert reads > 0 and not failures, failures[:3]
