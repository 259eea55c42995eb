"""Fixtures that run a real galleyd (the binary `swift build` produced) on a free loopback port."""

import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


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


@pytest.fixture
def galleyd():
    binary = galleyd_binary()
    if not binary.exists():
        pytest.skip(f"{binary} is missing: run `swift build` first")
    data_dir = tempfile.mkdtemp(prefix="galley-pytest-")
    process = subprocess.Popen(
        [str(binary), "--listen", "127.0.0.1:0", "--data", data_dir],
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
    server = RunningServer(process, "127.0.0.1", port, data_dir)
    try:
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(data_dir, ignore_errors=True)
