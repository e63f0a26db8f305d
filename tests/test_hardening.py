"""Issue 15, hardening round two: what an attacker and a careless user found, through the real
command line (:func:`graph.cli.main`), one test per hole; each fails on the code before the fix.
The endpoint's share is in tests/test_endpoint.py."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from test_errors import built_template, check_refused, hkg, project, state  # noqa: F401 - fixtures

# --- 2. writers never replace what is not a regular file ------------------------------------------


def special_files(folder: Path) -> dict[str, Path]:
    """A FIFO, a symbolic link and a character device (a /dev/null of our own) in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    fifo, link, device = folder / "pipe.html", folder / "link.html", folder / "null.html"
    os.mkfifo(fifo)
    (folder / "real.html").write_text("keep me", encoding="utf-8")
    link.symlink_to("real.html")
    made = {"a FIFO": fifo, "a symbolic link": link}
    try:
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        made["a character device"] = device
    except PermissionError:  # not root: no device nodes
        pass
    return made


def test_html_output_refuses_special_files_and_dash_is_stdout(project, tmp_path, capsys):
    for kind, path in special_files(tmp_path / "out").items():
        before = os.lstat(path)
        check_refused(project, ["html", "-o", str(path)],
                      f"error: refusing to write {path}: it is {kind}, not a regular file "
                      "\\(use `-o -` for standard output where a command offers it\\)\n?", 2, capsys)
        after = os.lstat(path)
        assert (after.st_mode, after.st_ino) == (before.st_mode, before.st_ino), f"{kind} was replaced"
    assert (tmp_path / "out" / "real.html").read_text(encoding="utf-8") == "keep me"
    os.chdir(tmp_path)
    code, out, err = hkg(project, "html", "-o", "-", capsys=capsys)
    assert code == 0 and err == "" and out.startswith("<!DOCTYPE html>") and out.rstrip().endswith("</html>")
    assert not (tmp_path / "-").exists()


def test_export_refuses_a_symlinked_target_and_an_unwritable_folder(project, tmp_path, capsys):
    out = tmp_path / "exp"
    out.mkdir()
    (out / "elsewhere.ttl").write_text("keep", encoding="utf-8")
    (out / "hormone-kg.ttl").symlink_to("elsewhere.ttl")
    check_refused(project, ["export", "--format", "turtle", "-o", str(out)],
                  f"error: refusing to write {out / 'hormone-kg.ttl'}: it is a symbolic link, .*\n?", 2, capsys)
    assert (out / "hormone-kg.ttl").is_symlink() and (out / "elsewhere.ttl").read_text() == "keep"
    check_refused(project, ["export", "--format", "turtle", "-o", "/proc/self"],
                  "error: cannot write /proc/self/hormone-kg.ttl: .*\n?", 2, capsys)
