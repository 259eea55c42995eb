"""Every helper against a live galleyd, with what it returns asserted."""

import pytest

from galley_client import Client, NotFoundError, new_id, ops


@pytest.fixture
def recorded(monkeypatch):
    """Records the API method of every request the clients send."""
    seen = set()
    original = Client._exchange

    def exchange(self, method, params):
        seen.add(method)
        return original(self, method, params)

    monkeypatch.setattr(Client, "_exchange", exchange)
    original_request = Client._request

    def request(self, method, params):
        seen.add(method)
        return original_request(self, method, params)

    monkeypatch.setattr(Client, "_request", request)
    return seen


def test_every_helper_against_a_live_server(galleyd, make_client, recorded):
    admin = make_client().connect()
    assert admin.identity == {"principal": "admin", "role": "admin"}

    # server and auth
    assert set(admin.discover()["methods"][0]) >= {"name", "params"}
    info = admin.server_info()
    assert (info["name"], info["head"], info["storage"]) == ("galleyd", 0, "sqlite")
    assert admin.ping() == {}
    assert admin.whoami() == {"principal": "admin", "role": "admin"}
    samples = admin.server_metrics()["samples"]
    assert any(s["name"] == "galley_requests_total" and s["labels"].get("method") == "server.ping" for s in samples)

    # tokens
    created = admin.token_create(name="desk-tool", role="editor")
    assert created["name"] == "desk-tool" and created["role"] == "editor" and len(created["token"]) > 20
    assert "desk-tool" in {token["name"] for token in admin.token_list()["items"]}
    editor = make_client(token=None)
    assert editor.authenticate(token=created["token"]) == {"principal": "desk-tool", "role": "editor"}
    assert editor.token == created["token"]

    # media
    photo = editor.media_create(
        message="Add the Istanbul photo",
        data={"uri": "https://example.org/istanbul.jpg", "credit": {"creator": "A.Savin", "source": "Wikimedia Commons"}},
    )
    assert photo["changeset"]["seq"] == 1 and photo["changeset"]["author"] == "desk-tool"
    media_id = photo["entity"]["id"]
    assert editor.media_get(id=media_id)["credit"]["creditLine"] == "A.Savin / Wikimedia Commons"
    updated = editor.media_update(message="Credit the licence", id=media_id, baseVersion=1, set={"credit.license": "CC BY-SA 4.0"})
    assert updated["entity"]["version"] == 2 and updated["entity"]["credit"]["license"] == "CC BY-SA 4.0"
    assert editor.media_get(id=media_id, version=1)["credit"].get("license") is None
    assert [m["id"] for m in editor.media_list(q="Wikimedia")["items"]] == [media_id]
    assert editor.media_list(kind="video")["items"] == []

    # articles
    story = editor.article_create(
        message="File the story",
        data={"headline": "Talks in Istanbul", "section": "world", "leadMediaId": media_id,
              "body": [{"type": "paragraph", "text": "Delegations met."}]},
    )["entity"]
    assert story["slug"] == "talks-in-istanbul" and story["leadMedia"]["id"] == media_id
    follow = editor.article_create(message="File the follow-up", data={"headline": "Talks resume"}, id=new_id())["entity"]
    assert editor.article_get(slug="talks-in-istanbul")["id"] == story["id"]
    published = editor.article_update(message="Publish", id=story["id"], baseVersion=1, set={"status": "published"})["entity"]
    assert published["status"] == "published" and published["publishedAt"]
    assert editor.article_get(id=story["id"], version=1)["status"] == "draft"
    assert [a["slug"] for a in editor.article_list(status="published")["items"]] == ["talks-in-istanbul"]
    assert {a["slug"] for a in editor.article_list(section="world", q="delegations")["items"]} == {"talks-in-istanbul"}
    history = editor.article_history(slug="talks-in-istanbul")["items"]
    assert [(v["version"], v["message"]) for v in history] == [(2, "Publish"), (1, "File the story")]
    assert editor.media_usage(id=media_id)["items"] == [
        {"id": story["id"], "slug": "talks-in-istanbul", "headline": "Talks in Istanbul", "status": "published", "role": "lead"}
    ]

    # links, through a changeset
    linked = editor.commit("Relate the follow-up", [ops.create("link", {"fromId": story["id"], "toId": follow["id"]})])
    assert linked["replayed"] is False and linked["results"][0]["type"] == "link"
    assert [item["article"]["slug"] for item in editor.link_list(articleId=story["id"])["items"]] == ["talks-resume"]
    assert [item["article"]["slug"] for item in editor.link_list(articleId=follow["id"], direction="in")["items"]] == ["talks-in-istanbul"]

    # changesets
    assert editor.changeset_get(seq=linked["seq"])["id"] == linked["id"]
    assert editor.changeset_get(id=linked["id"])["seq"] == linked["seq"]
    assert [c["seq"] for c in editor.changeset_list(entityId=story["id"])["items"]] == [v["seq"] for v in history]
    listed = [c["seq"] for c in editor.changeset_list(after=1, limit=2)["items"]]
    assert listed == sorted(listed, reverse=True) and all(seq > 1 for seq in listed) and len(listed) == 2
    dry = editor.changeset_revert(seq=linked["seq"], dryRun=True)
    assert dry["dryRun"] is True and dry["seq"] is None
    reverted = editor.changeset_revert(seq=linked["seq"], message="Not related after all")
    assert reverted["results"][0]["op"] == "delete"
    assert editor.link_list(articleId=story["id"])["items"] == []

    # deletes
    deleted = editor.article_delete(message="Spiked", id=follow["id"])
    assert deleted["entity"] is None
    with pytest.raises(NotFoundError):
        editor.article_get(id=follow["id"])
    assert editor.article_get(id=follow["id"], includeDeleted=True)["deleted"] is True
    spare = editor.media_create(message="Spare", data={"uri": "https://example.org/spare.jpg"})["entity"]
    assert editor.media_delete(message="Unused", id=spare["id"], baseVersion=1)["entity"] is None

    # sync
    page = editor.sync_pull(limit=100)
    assert page["hasMore"] is False and page["consistentAt"] == page["head"]
    assert {(item["type"], item["id"]) for item in page["items"]} == {("article", story["id"]), ("media", media_id)}
    pushed = editor.sync_push(changesets=[
        {"id": new_id(), "message": "Offline edit", "ops": [ops.update("article", story["id"], set={"tags": ["diplomacy"]})]},
    ])
    assert [r["status"] for r in pushed["results"]] == ["applied"]
    heads = editor.subscribe(idle_timeout=0.2)
    assert next(heads) == pushed["results"][0]["seq"]
    assert list(heads) == []  # nothing committed meanwhile: ends after the idle timeout
    assert editor.unsubscribe() == {}

    # token revoke, last: the editor's connection loses access
    assert admin.token_revoke(name="desk-tool")["name"] == "desk-tool"

    assert recorded == set(Client.api_helpers()), sorted(set(Client.api_helpers()) - recorded)


def test_paginate_follows_cursors(client):
    client.commit("Five stories", [ops.create("article", {"headline": f"Story {n}"}) for n in range(5)])
    assert sorted(a["headline"] for a in client.paginate("article.list", limit=2)) == [f"Story {n}" for n in range(5)]
    pages = []
    page = client.article_list(limit=2)
    while True:
        pages.append(len(page["items"]))
        if not page["nextCursor"]:
            break
        page = client.article_list(limit=2, cursor=page["nextCursor"])
    assert pages == [2, 2, 1]


def test_write_helpers_send_a_changeset_id_and_replay_it(client):
    changeset_id = new_id()
    first = client.article_create(message="Once", data={"headline": "Only once"}, changesetId=changeset_id)
    again = client.article_create(message="Once", data={"headline": "Only once"}, changesetId=changeset_id)
    assert first["changeset"]["id"] == again["changeset"]["id"] == changeset_id
    assert (first["changeset"]["replayed"], again["changeset"]["replayed"]) == (False, True)
    assert again["entity"]["id"] == first["entity"]["id"]
    assert len(client.article_list()["items"]) == 1


def test_dry_runs_commit_nothing(client):
    result = client.commit("Try", [ops.create("article", {"headline": "Dry"})], dry_run=True)
    assert result["dryRun"] is True and result["seq"] is None
    assert client.article_create(message="Try", data={"headline": "Dry"}, dryRun=True)["entity"] is None
    assert client.server_info()["head"] == 0


def test_ops_builders():
    assert ops.create("article", {"headline": "H"}) == {"op": "create", "type": "article", "data": {"headline": "H"}}
    assert ops.create("link", {"fromId": "a", "toId": "b"}, id="x")["id"] == "x"
    assert ops.update("media", "m", set={"credit.source": "AP"}, unset=("caption",), base_version=2) == {
        "op": "update", "type": "media", "id": "m", "set": {"credit.source": "AP"}, "unset": ["caption"], "baseVersion": 2,
    }
    assert ops.update("article", "a", set={"headline": "H"}) == {"op": "update", "type": "article", "id": "a", "set": {"headline": "H"}}
    assert ops.delete("article", "a") == {"op": "delete", "type": "article", "id": "a"}
    assert ops.delete("article", "a", base_version=4)["baseVersion"] == 4


def test_context_manager_connects_and_closes(galleyd):
    with Client(galleyd.host, galleyd.port, token=galleyd.admin_token, timeout=10) as galley:
        assert galley.connected and galley.identity["role"] == "admin"
    assert not galley.connected
    lazy = Client(galleyd.host, galleyd.port, token=galleyd.admin_token, timeout=10)
    assert not lazy.connected
    assert lazy.ping() == {}
    assert lazy.connected
    lazy.reconnect()
    assert lazy.whoami()["principal"] == "admin"
    lazy.close()


def test_from_env(galleyd, monkeypatch, tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text(galleyd.admin_token + "\n")
    monkeypatch.setenv("GALLEY_SERVER", f"{galleyd.host}:{galleyd.port}")
    monkeypatch.delenv("GALLEY_TOKEN", raising=False)
    monkeypatch.setenv("GALLEY_TOKEN_FILE", str(token_file))
    with Client.from_env(timeout=10) as galley:
        assert galley.whoami()["role"] == "admin"
