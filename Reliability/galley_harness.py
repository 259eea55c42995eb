"""Shared helpers for the reliability harness: start real galleyd processes, talk JSON-RPC."""

import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def galleyd_binary() -> Path:
    explicit = os.environ.get("GALLEYD")
    if explicit:
        return Path(explicit)
    return REPO / ".build" / "debug" / "galleyd"


def galley_binary() -> Path:
    """The `galley` CLI: `$GALLEY`, else the debug build."""
    explicit = os.environ.get("GALLEY")
    if explicit:
        return Path(explicit)
    return REPO / ".build" / "debug" / "galley"


def free_port() -> int:
    """A loopback port that was free a moment ago (for a server that must keep its port across restarts)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """A galleyd process over `data_dir` on loopback: on `port`, or a free port when it is 0."""

    def __init__(self, data_dir, env=None, extra_args=(), port=0):
        self.data_dir = Path(data_dir)
        environment = dict(os.environ)
        environment.update(env or {})
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            [str(galleyd_binary()), "--listen", f"127.0.0.1:{port}", "--data", str(self.data_dir), *extra_args],
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


class FaultProxy:
    """A TCP proxy on a free loopback port in front of `target_port`, which a test can cut.

    `cut("reset")` closes every proxied connection and refuses new ones (a network that
    answers with resets); `cut("blackhole")` keeps the connections open but forwards nothing
    either way and holds new ones unanswered (a partition: requests may or may not have reached
    the server, replies are lost); `cut("lose_replies")` forwards everything until a client
    sends `sync.push` or `changeset.commit`, and from then on drops what the server sends back
    on that connection (the write arrives and commits, its answer never does). `heal()` closes
    what the cut broke and forwards again. Nothing
    is lost in the proxy while healed: it relays bytes in order, so partitions are the only
    faults it adds.
    """

    def __init__(self, target_port):
        self.target_port = target_port
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.mode = "pass"
        self.lock = threading.Lock()
        self.pairs = []  # [client, upstream, frozen-flag list]
        self.held = []
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                mode = self.mode
                if mode == "blackhole":
                    self.held.append(client)
                    continue
            if mode == "reset":
                _close(client)
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
                upstream.settimeout(None)
            except OSError:
                _close(client)  # the server is down: the client sees a closed connection
                continue
            pair = [client, upstream, [False]]  # the sockets, and whether the pair is frozen
            with self.lock:
                self.pairs.append(pair)
            threading.Thread(target=self._pump, args=(client, upstream, pair, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, pair, False), daemon=True).start()

    def _pump(self, source, destination, pair, to_server):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if pair[2][0]:
                    continue  # frozen: the bytes are lost in the partition
                if to_server and self.mode == "lose_replies" and (b'"sync.push"' in data or b'"changeset.commit"' in data):
                    pair[2][0] = True  # before sending: the answer may come back at once
                destination.sendall(data)
        except OSError:
            pass
        if not pair[2][0]:
            _close(pair[0])
            _close(pair[1])
            with self.lock:
                if pair in self.pairs:
                    self.pairs.remove(pair)

    def cut(self, kind):
        with self.lock:
            self.mode = kind
            pairs = list(self.pairs)
            for pair in pairs:
                pair[2][0] = kind == "blackhole"
        if kind == "reset":
            for pair in pairs:
                _close(pair[0])
                _close(pair[1])

    def heal(self):
        with self.lock:
            self.mode = "pass"
            broken = [pair for pair in self.pairs if pair[2][0]]
            self.pairs = [pair for pair in self.pairs if not pair[2][0]]
            held, self.held = self.held, []
        for pair in broken:
            _close(pair[0])
            _close(pair[1])
        for client in held:
            _close(client)

    def close(self):
        self.closed = True
        _close(self.listener)
        self.heal()
        with self.lock:
            pairs, self.pairs = self.pairs, []
        for pair in pairs:
            _close(pair[0])
            _close(pair[1])


def _close(sock):
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass
