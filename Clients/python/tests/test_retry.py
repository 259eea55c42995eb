"""commit() is safe to retry: a reply lost with its connection is recovered by resending the same
changeset id, which the server applies once and replays after."""

import json
import socket
import threading
import time

import pytest

from conftest import running_galleyd
from galley_client import Client, GalleyConnectionError, GalleyTimeoutError, new_id, ops


def wait_for_changeset(client, changeset_id, seconds=5.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            return client.changeset_get(id=changeset_id)
        except Exception:
            time.sleep(0.02)
    raise AssertionError(f"changeset {changeset_id} did not land within {seconds} s")


def test_reply_lost_with_the_connection_then_committed_again_is_replayed(galleyd, client):
    """A tool sends a commit and its connection dies before the reply: committing again with the
    same id gives the original result (replayed) and the story exists once."""
    changeset_id = new_id()
    story = [ops.create("article", {"headline": "Ferry strike ends"})]
    with galleyd.connect() as raw:
        reader = raw.makefile("rb")
        raw.sendall((json.dumps({"jsonrpc": "2.0", "id": 1, "method": "auth.authenticate", "params": {"token": galleyd.admin_token}}) + "\n").encode())
        assert "result" in json.loads(reader.readline())
        request = {"jsonrpc": "2.0", "id": 2, "method": "changeset.commit",
                   "params": {"id": changeset_id, "message": "File the story", "ops": story}}
        raw.sendall((json.dumps(request) + "\n").encode())
        reader.close()
    # The socket is closed right after sending: the reply is lost. The server still commits it.
    first = wait_for_changeset(client, changeset_id)

    again = client.commit("File the story", story, id=changeset_id)
    assert again["replayed"] is True
    assert (again["id"], again["seq"]) == (changeset_id, first["seq"])
    assert [a["headline"] for a in client.article_list()["items"]] == ["Ferry strike ends"]
    assert client.server_info()["head"] == 1


class LosesTheFirstCommitReply(Client):
    """Drops its connection right after sending the first changeset.commit, once the server has
    committed it (checked through another connection), as when a network path dies mid-call."""

    observer = None
    connections = 0
    dropped = False

    def _open(self):
        type(self).connections += 1
        super()._open()

    def _send_bytes(self, data):
        super()._send_bytes(data)
        if b'"changeset.commit"' in data and not self.dropped:
            self.dropped = True
            changeset_id = json.loads(data)["params"]["id"]
            wait_for_changeset(self.observer, changeset_id)
            self._sock.close()  # the reply, maybe already received, is lost with the socket


def test_commit_reconnects_and_resends_the_same_id(galleyd, client):
    LosesTheFirstCommitReply.observer = client
    LosesTheFirstCommitReply.connections = 0
    flaky = LosesTheFirstCommitReply(galleyd.host, galleyd.port, token=galleyd.admin_token, timeout=10)
    try:
        result = flaky.commit("File the story", [ops.create("article", {"headline": "Bridge reopens"})])
    finally:
        flaky.close()
    assert flaky.dropped and LosesTheFirstCommitReply.connections == 2
    assert result["replayed"] is True and result["seq"] == 1
    assert client.changeset_get(seq=1)["id"] == result["id"]
    assert [a["headline"] for a in client.article_list()["items"]] == ["Bridge reopens"]
    assert client.server_info()["head"] == 1


class FakeServer:
    """A loopback server that records requests and answers from a script, to test the client's
    timeouts and resends without depending on galleyd's timing."""

    def __init__(self, script):
        self.script = script  # one function per accepted connection: (request) -> reply or None
        self.requests = []
        self.held = []
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen()
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        for answer in self.script:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.held.append(connection)
            for line in connection.makefile("rb"):
                request = json.loads(line)
                self.requests.append(request)
                reply = answer(request)
                if reply is None:
                    break  # never answers (the connection stays open): the client gives up
                connection.sendall((json.dumps(reply) + "\n").encode())

    def close(self):
        self.listener.close()
        for connection in self.held:
            connection.close()


def test_a_reply_that_never_comes_times_out_and_the_commit_is_resent_with_its_id():
    def silent(request):
        return None

    def answers(request):
        return {"jsonrpc": "2.0", "id": request["id"], "result": {"seq": 7, "id": request["params"]["id"], "replayed": True}}

    server = FakeServer([silent, answers])
    try:
        client = Client("127.0.0.1", server.port, timeout=0.3, retry_delay=0.01)
        started = time.monotonic()
        result = client.commit("Why", [ops.delete("article", new_id())])
        assert time.monotonic() - started < 3
        assert [r["method"] for r in server.requests] == ["changeset.commit", "changeset.commit"]
        first, second = (r["params"] for r in server.requests)
        assert first == second and result["id"] == first["id"]
        client.close()
    finally:
        server.close()


def test_plain_calls_are_not_resent_and_time_out():
    server = FakeServer([lambda request: None])
    try:
        client = Client("127.0.0.1", server.port, timeout=0.3)
        started = time.monotonic()
        with pytest.raises(GalleyTimeoutError):
            client.call("article.update", message="m", id=new_id(), set={"headline": "H"})
        assert time.monotonic() - started < 2
        assert not client.connected
        assert len(server.requests) == 1
    finally:
        server.close()


def test_retries_are_bounded_when_the_server_is_gone():
    with running_galleyd() as server:
        client = Client(server.host, server.port, token=server.admin_token, timeout=5, retries=2, retry_delay=0.05)
        assert client.ping() == {}
        server.process.terminate()
        server.process.wait(timeout=20)
        started = time.monotonic()
        with pytest.raises(GalleyConnectionError):
            client.commit("Nobody is listening", [ops.create("article", {"headline": "Lost"})])
        assert time.monotonic() - started < 5
        client.close()
