"""call_many() pipelines calls on one connection and returns results in the order of the input."""

import pytest

from galley_client import Client, NotFoundError, ops


@pytest.fixture
def stories(client):
    result = client.commit("Seed", [ops.create("article", {"headline": f"Story {n}", "slug": f"story-{n}"}) for n in range(40)])
    return [r["id"] for r in result["results"]]


def test_results_come_back_in_input_order(client, stories, monkeypatch):
    sends = []
    original = Client._send_bytes

    def counting(self, data):
        sends.append(data.count(b"\n"))
        return original(self, data)

    monkeypatch.setattr(Client, "_send_bytes", counting)
    calls = []
    for n in range(40):
        calls.append(("article.get", {"slug": f"story-{n}"}))
        calls.append(("server.info", None) if n % 2 else "server.ping")
    results = client.call_many(calls, window=16)
    assert len(results) == 80
    assert [r["slug"] for r in results[0::2]] == [f"story-{n}" for n in range(40)]
    assert [r["id"] for r in results[0::2]] == stories
    assert all(r == {} for r in results[1::4]) and all(r["name"] == "galleyd" for r in results[3::4])
    # pipelined: never more than the window in flight, and far fewer writes than calls
    assert max(sends) <= 16 and len(sends) < 80


def test_errors_take_their_place_or_are_raised(client, stories):
    calls = [("article.get", {"slug": "story-1"}), ("article.get", {"slug": "missing"}), ("server.ping", None)]
    results = client.call_many(calls, raise_on_error=False)
    assert results[0]["slug"] == "story-1" and results[2] == {}
    assert isinstance(results[1], NotFoundError) and results[1].data["slug"] == "missing"
    with pytest.raises(NotFoundError):
        client.call_many(calls)
    assert client.ping() == {}  # the connection is still in step


def test_empty_and_large_windows(client):
    assert client.call_many([]) == []
    assert client.call_many([("server.ping", None)] * 100, window=1000) == [{}] * 100
