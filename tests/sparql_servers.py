"""Real SPARQL servers for the tests: the Oxigraph server from PyPI and ``hkg serve``.

Each starts on a free loopback port, waits until it answers, and is stopped (and its folder
removed) when the ``with`` block ends. Test modules wrap these in fixtures.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def oxigraph_binary() -> str:
    """Return the Oxigraph server executable, or skip when it is not installed."""
    candidate = Path(sys.executable).parent / "oxigraph"
    found = str(candidate) if candidate.exists() else shutil.which("oxigraph")
    if not found:
        pytest.skip("the Oxigraph server is not installed: pip install -e '.[test]'")
    return found


def _wait(url: str, process: subprocess.Popen, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers, even if with an error
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    raise RuntimeError(f"no answer from {url} within {seconds:g} s")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@contextlib.contextmanager
def oxigraph_server(folder: Path, data: Path | None = None) -> Iterator[str]:
    """Run ``oxigraph serve`` on a free port (after ``oxigraph load`` of ``data``); yield its base URL.

    The query endpoint is ``URL/query``, the graph store ``URL/store``.
    """
    binary = oxigraph_binary()
    folder.mkdir(parents=True, exist_ok=True)
    if data is not None:
        subprocess.run([binary, "load", "--location", str(folder), "--file", str(data)],
                       check=True, capture_output=True, timeout=120)
    port = free_port()
    log = (folder.parent / f"{folder.name}.log").open("wb")
    process = subprocess.Popen([binary, "serve", "--location", str(folder), "--bind", f"127.0.0.1:{port}"],
                               stdout=log, stderr=log)
    try:
        url = f"http://127.0.0.1:{port}"
        _wait(url + "/query?query=ASK%7B%7D", process)
        yield url
    finally:
        _stop(process)
        log.close()


@contextlib.contextmanager
def hkg_server(project: Path, *options: str) -> Iterator[str]:
    """Run ``hkg serve --port 0`` for a built project; yield the endpoint URL it prints."""
    command = [sys.executable, "-c", "from graph.cli.commands import main; main()", "--project", str(project),
               "serve", "--port", "0", *options]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
    try:
        line = process.stdout.readline().decode("utf-8")
        if "http://" not in line:
            raise RuntimeError(f"hkg serve did not start: {line!r}")
        url = line.split("at ", 1)[1].split(" ", 1)[0]
        _wait(url, process)
        yield url
    finally:
        _stop(process)
        process.stdout.close()
