"""Shared helpers for the reliability harness: start real galleyd processes, talk JSON-RPC."""

import json
import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def galleyd_binary() -> Path:
    explicit = os.environ.get("GALLEYD")
    if explicit:
        return Path(explicit)
    return REPO / ".build" / "debug" / "galleyd"


class Server:
    """A galleyd process on a free loopback port over `data_dir`."""

    def __init__(self, data_dir, env=None, extra_args=()):
        self.data_dir = Path(data_dir)
        environment = dict(os.environ)
        environment.update(env or {})
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            [str(galleyd_binary()), "--listen", "127.0.0.1:0", "--data", str(self.data_dir), *extra_args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=environment,
        )
        self.port = None
        deadline = time.monotonic() + 60
        log = []
        while time.monotonic() < deadline:
            line = self.process.stderr.readline()
            if not line:
                break
            log.append(line)
            match = re.search(r"address=127\.0\.0\.1:(\d+)", line)
            if match and "listening" in line:
                self.port = int(match.group(1))
                break
        if self.port is None:
            self.process.kill()
            raise RuntimeError("galleyd did not start:\n" + "".join(log))
        self.ready_seconds = time.monotonic() - self.started
        # Keep draining stderr so the pipe never fills and blocks the server.
        import threading

        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self):
        for _ in self.process.stderr:
            pass

    @property
    def token(self) -> str:
        return (self.data_dir / "admin.token").read_text().strip()

    def kill9(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=60)


class Connection:
    """One newline-framed JSON-RPC connection, authenticated with `token`."""

    def __init__(self, port, token=None, timeout=10.0, host="127.0.0.1"):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.reader = self.sock.makefile("r", encoding="utf-8")
        self.next_id = 0
        if token:
            self.call("auth.authenticate", token=token)

    def call(self, method, **params):
        self.next_id += 1
        message = {"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params}
        self.sock.sendall((json.dumps(message) + "\n").encode())
        line = self.reader.readline()
        if not line:
            raise ConnectionError("connection closed")
        reply = json.loads(line)
        if "error" in reply:
            raise RpcError(reply["error"])
        return reply["result"]

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class RpcError(Exception):
    def __init__(self, error):
        super().__init__(f"{error.get('code')} {error.get('message')}")
        self.code = error.get("code")
        self.data = error.get("data") or {}


def all_changesets(conn):
    """Every committed changeset as {seq: {id, ...}} via changeset.list pages."""
    found = {}
    cursor = None
    while True:
        params = {"limit": 500}
        if cursor:
            params["cursor"] = cursor
        page = conn.call("changeset.list", **params)
        for item in page["items"]:
            found[item["seq"]] = item
        cursor = page.get("nextCursor")
        if not cursor:
            return found
