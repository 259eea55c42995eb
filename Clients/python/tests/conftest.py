"""Fixtures that run a real galleyd (the binary `swift build` produced) on a free loopback port,
and galley_client clients connected to it.

The tests import galley_client from this checkout (src/ comes first on sys.path), so they test the
code beside them whether or not the package is installed; test_packaging.py checks the install.
"""

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
CLIENT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(CLIENT_DIR / "src"))

from galley_client import Client  # noqa: E402


def galleyd_binary() -> Path:
    """The galleyd to test: $GALLEYD, else the debug build in .build."""
    explicit = os.environ.get("GALLEYD")
    if explicit:
        return Path(explicit)
    return REPO / ".build" / "debug" / "galleyd"


class RunningServer:
    def __init__(self, process, host, port, data_dir):
        self.process = process
        self.host = host
        self.port = port
        self.data_dir = Path(data_dir)

    @property
    def admin_token(self) -> str:
        return (self.data_dir / "admin.token").read_text().strip()

    def connect(self) -> socket.socket:
        return socket.create_connection((self.host, self.port), timeout=10)


@contextlib.contextmanager
def running_galleyd(*extra_args):
    """Starts galleyd on a free loopback port with a fresh data directory (and `extra_args`, such
    as `--max-connections 1`); stops it afterwards."""
    binary = galleyd_binary()
    if not binary.exists():
        pytest.skip(f"{binary} is missing: run `swift build` first")
    data_dir = tempfile.mkdtemp(prefix="galley-pytest-")
    process = subprocess.Popen(
        [str(binary), "--listen", "127.0.0.1:0", "--data", data_dir, *extra_args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    port = None
    deadline = time.monotonic() + 60
    log = []
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        log.append(line)
        match = re.search(r"address=127\.0\.0\.1:(\d+)", line)
        if match and "listening" in line:
            port = int(match.group(1))
            break
    if port is None:
        process.kill()
        raise RuntimeError("galleyd did not start listening:\n" + "".join(log))
    # Keep reading the log so that galleyd never blocks on a full stderr pipe.
    threading.Thread(target=process.stderr.read, daemon=True).start()
    server = RunningServer(process, "127.0.0.1", port, data_dir)
    try:
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=20)
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture
def galleyd():
    with running_galleyd() as server:
        yield server


@pytest.fixture
def make_client(galleyd):
    """Opens galley_client Clients to the fixture's galleyd (admin token unless told otherwise)
    and closes them after the test."""
    clients = []

    def make(token=..., **options):
        options.setdefault("timeout", 10.0)
        client = Client(galleyd.host, galleyd.port, token=galleyd.admin_token if token is ... else token, **options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def client(make_client):
    """An admin Client, connected."""
    return make_client().connect()
