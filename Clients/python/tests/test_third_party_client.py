"""galleyd answers a JSON-RPC client library we did not write (jsonrpcclient), and plain sockets."""

import json

from jsonrpcclient import Error, Ok, parse, request


def exchange(sock, message):
    """Sends one newline-framed message and reads one reply line."""
    sock.sendall((json.dumps(message) + "\n").encode())
    reader = sock.makefile("r", encoding="utf-8")
    return json.loads(reader.readline())


def test_server_info_through_jsonrpcclient(galleyd):
    with galleyd.connect() as sock:
        reply = parse(exchange(sock, request("server.info")))
        assert isinstance(reply, Ok)
        assert reply.result["name"] == "galleyd"
        assert reply.result["head"] == 0
        assert reply.result["storage"] == "sqlite"


def test_authentication_and_errors_through_jsonrpcclient(galleyd):
    with galleyd.connect() as sock:
        denied = parse(exchange(sock, request("server.ping")))
        assert isinstance(denied, Error)
        assert denied.code == -32001
        assert denied.data["kind"] == "unauthenticated"

        who = parse(exchange(sock, request("auth.authenticate", params={"token": galleyd.admin_token})))
        assert isinstance(who, Ok)
        assert who.result == {"principal": "admin", "role": "admin"}

        pong = parse(exchange(sock, request("server.ping")))
        assert isinstance(pong, Ok) and pong.result == {}

        bad = parse(exchange(sock, request("token.create", params={"name": "x"})))
        assert isinstance(bad, Error)
        assert bad.code == -32602
        assert {"path": "role", "message": "is required"} in bad.data["errors"]


def test_batch_through_jsonrpcclient(galleyd):
    with galleyd.connect() as sock:
        replies = list(parse(exchange(sock, [request("server.info"), request("no.such.method")])))
        assert len(replies) == 2
        kinds = sorted(type(r).__name__ for r in replies)
        assert kinds == ["Error", "Ok"]
