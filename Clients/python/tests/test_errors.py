"""Errors from the server arrive as GalleyError subclasses chosen by code, with their details."""

import pytest
from conftest import running_galleyd

from galley_client import (
    AuthError,
    Client,
    ConflictError,
    GalleyError,
    IntegrityError,
    InvalidParamsError,
    NotFoundError,
    OverloadedError,
    ValidationError,
    error_from_wire,
    new_id,
    ops,
)


@pytest.mark.parametrize(
    "code, cls",
    [
        (-32602, InvalidParamsError),
        (-32001, AuthError),
        (-32003, AuthError),
        (-32004, NotFoundError),
        (-32009, ConflictError),
        (-32010, IntegrityError),
        (-32022, ValidationError),
        (-32029, OverloadedError),
        (-32603, GalleyError),
        (-32601, GalleyError),
    ],
)
def test_codes_map_to_subclasses(code, cls):
    error = error_from_wire({"code": code, "message": "m", "data": {"kind": "k"}})
    assert type(error) is cls
    assert isinstance(error, GalleyError)
    assert (error.code, error.message, error.data, error.kind) == (code, "m", {"kind": "k"}, "k")


def test_details_of_the_subclasses():
    overloaded = error_from_wire({"code": -32029, "message": "busy", "data": {"kind": "overloaded", "limit": 3, "retryAfterMs": 1000}})
    assert overloaded.retry_after_ms == 1000
    without_data = error_from_wire({"code": -32004, "message": "gone"})
    assert without_data.data == {} and without_data.kind is None
    assert "-32004" in str(without_data)


def test_unauthenticated_and_forbidden(galleyd, make_client):
    anonymous = make_client(token=None)
    assert anonymous.server_info()["name"] == "galleyd"
    with pytest.raises(AuthError) as unauthenticated:
        anonymous.ping()
    assert unauthenticated.value.code == -32001 and unauthenticated.value.kind == "unauthenticated"

    with pytest.raises(AuthError) as bad_token:
        make_client(token="not-a-token").connect()
    assert bad_token.value.kind == "invalid_token"

    admin = make_client()
    reader_token = admin.token_create(name="reader-tool", role="reader")["token"]
    reader = make_client(token=reader_token)
    assert reader.whoami() == {"principal": "reader-tool", "role": "reader"}
    with pytest.raises(AuthError) as forbidden:
        reader.article_create(message="no", data={"headline": "No"})
    assert forbidden.value.code == -32003 and forbidden.value.data["required"] == "editor"


def test_invalid_params_lists_every_problem(client):
    with pytest.raises(InvalidParamsError) as caught:
        client.call("token.create", name=7)
    assert caught.value.kind == "invalid_params"
    paths = {error["path"] for error in caught.value.errors}
    assert {"name", "role"} <= paths


def test_validation_error_names_every_bad_field(client):
    with pytest.raises(ValidationError) as caught:
        client.commit("bad", [ops.create("article", {"headline": "", "status": "gone", "wordCount": 3})])
    assert caught.value.code == -32022 and caught.value.kind == "validation_failed"
    paths = {error["path"] for error in caught.value.errors}
    assert {"ops[0].data.headline", "ops[0].data.status", "ops[0].data.wordCount"} <= paths


def test_not_found(client):
    with pytest.raises(NotFoundError) as caught:
        client.article_get(slug="no-such-story")
    assert caught.value.code == -32004 and caught.value.kind == "not_found"


def test_conflict_error_carries_both_sides(client, make_client):
    story = client.article_create(message="new", data={"headline": "First"})["entity"]
    other = make_client()
    other.article_update(message="theirs", id=story["id"], baseVersion=1, set={"headline": "Theirs"})
    with pytest.raises(ConflictError) as caught:
        client.commit("mine", [ops.update("article", story["id"], set={"headline": "Mine"}, base_version=1)])
    error = caught.value
    assert error.code == -32009 and error.kind == "version_conflict"
    [conflict] = error.conflicts
    assert (conflict["id"], conflict["baseVersion"], conflict["currentVersion"]) == (story["id"], 1, 2)
    assert conflict["fields"] == [{"field": "headline", "base": "First", "theirs": "Theirs", "mine": "Mine"}]


def test_integrity_errors_carry_their_kind(client):
    client.article_create(message="one", data={"headline": "Same", "slug": "same"})
    with pytest.raises(IntegrityError) as duplicate:
        client.article_create(message="two", data={"headline": "Same again", "slug": "same"})
    assert duplicate.value.code == -32010 and duplicate.value.kind == "duplicate_slug"

    changeset_id = new_id()
    client.commit("first", [ops.create("article", {"headline": "Reused id"})], id=changeset_id)
    with pytest.raises(IntegrityError) as reused:
        client.commit("other content", [ops.create("article", {"headline": "Other"})], id=changeset_id)
    assert reused.value.kind == "changeset_id_reused"


def test_overloaded_when_the_server_is_full():
    """Past --max-connections galleyd answers -32029 (id null) and closes; the client raises it."""
    with running_galleyd("--max-connections", "1") as server:
        with Client(server.host, server.port, timeout=10) as first:
            assert first.server_info()["name"] == "galleyd"
            second = Client(server.host, server.port, timeout=10, retries=0)
            with pytest.raises(OverloadedError) as caught:
                second.server_info()
            assert caught.value.kind == "overloaded" and caught.value.retry_after_ms == 1000
            assert not second.connected
