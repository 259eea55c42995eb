"""pull() pages through a snapshot and the log; subscribe() yields heads from sync.changed."""

import socket
import time

from galley_client import ops


def seed(client, count, prefix="Story"):
    return client.commit("Seed", [ops.create("article", {"headline": f"{prefix} {n}"}) for n in range(count)])


def test_pull_pages_through_the_snapshot_then_the_log(client):
    created = seed(client, 7)
    ids = {r["id"] for r in created["results"]}

    pages = list(client.pull(limit=3))
    assert [len(p["items"]) for p in pages][:3] == [3, 3, 1]
    assert all(p["hasMore"] for p in pages[:-1]) and pages[-1]["hasMore"] is False
    assert all(p["consistentAt"] is None for p in pages[:-1]) and pages[-1]["consistentAt"] == 1
    assert {item["id"] for p in pages for item in p["items"]} == ids
    assert not any(p.restarted for p in pages)
    cursor = pages[-1]["cursor"]

    first, second = sorted(ids)[:2]
    client.commit("Edit and spike", [ops.update("article", first, set={"headline": "Edited"}), ops.delete("article", second)])
    seed(client, 1, prefix="Later")
    log = list(client.pull(cursor=cursor, limit=1))
    # a page never splits a changeset: the two-op changeset comes whole, then the next one
    assert [p["consistentAt"] for p in log] == [2, 3]
    by_id = {item["id"]: item for item in log[0]["items"]}
    assert by_id[first]["data"]["headline"] == "Edited" and by_id[first]["version"] == 2
    assert by_id[second]["deleted"] is True and by_id[second]["data"] is None

    caught_up = list(client.pull(cursor=log[-1]["cursor"]))
    assert len(caught_up) == 1 and caught_up[0]["items"] == [] and caught_up[0]["hasMore"] is False


def test_pull_restarts_a_snapshot_when_the_cursor_expired(client):
    """A cursor from a newer history (as after the server was restored from a backup) gets
    cursor_expired; pull() starts a new snapshot and flags its first page."""
    seed(client, 2)
    pages = list(client.pull(cursor="l.999"))
    assert pages[0].restarted is True
    assert not any(p.restarted for p in pages[1:])
    assert sorted(item["data"]["headline"] for p in pages for item in p["items"]) == ["Story 0", "Story 1"]
    assert pages[-1]["consistentAt"] == 1


def test_subscribe_sees_another_clients_commit_within_a_second(client, make_client):
    heads = client.subscribe(idle_timeout=5)
    assert next(heads) == 0
    other = make_client()
    started = time.monotonic()
    other.article_create(message="Breaking", data={"headline": "Breaking news"})
    assert next(heads) == 1
    assert time.monotonic() - started < 1.0
    heads.close()


def test_notifications_interleaved_with_replies_are_routed(client, make_client):
    heads = client.subscribe(idle_timeout=5)
    assert next(heads) == 0
    other = make_client()
    other.commit("One", [ops.create("article", {"headline": "One"})])
    time.sleep(0.3)  # the notification now waits in our socket, ahead of the next reply
    assert client.ping() == {}
    assert client.call_many([("server.ping", None), ("auth.whoami", None)]) == [{}, {"principal": "admin", "role": "admin"}]
    started = time.monotonic()
    assert next(heads) == 1  # kept while the calls read their replies, yielded now
    assert time.monotonic() - started < 0.1
    heads.close()


def test_closing_the_generator_unsubscribes(client, make_client):
    heads = client.subscribe(idle_timeout=5)
    next(heads)
    heads.close()
    make_client().commit("After", [ops.create("article", {"headline": "After"})])
    time.sleep(0.3)
    assert client.ping() == {}
    assert list(client._notifications) == []


def test_idle_timeout_ends_the_generator(client):
    started = time.monotonic()
    assert list(client.subscribe(idle_timeout=0.3)) == [0]
    assert 0.25 < time.monotonic() - started < 2


def test_subscribe_resubscribes_after_the_connection_drops(client, make_client):
    heads = client.subscribe(idle_timeout=5)
    assert next(heads) == 0
    other = make_client()
    other.commit("While connected", [ops.create("article", {"headline": "A"})])
    assert next(heads) == 1
    client._sock.shutdown(socket.SHUT_RDWR)  # the network drops the connection
    other.commit("While down", [ops.create("article", {"headline": "B"})])
    assert next(heads) == 2  # reconnected, subscribed again: the head it missed
    other.commit("After", [ops.create("article", {"headline": "C"})])
    assert next(heads) == 3
    heads.close()
