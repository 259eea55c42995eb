"""Builders for changeset operations, as ``changeset.commit`` and ``sync.push`` take them.

>>> from galley_client import ops
>>> ops.create("article", {"headline": "Ferry strike ends"}, id="0190a0b0-0000-7000-8000-000000000001")
{'op': 'create', 'type': 'article', 'data': {'headline': 'Ferry strike ends'}, 'id': '0190a0b0-0000-7000-8000-000000000001'}
>>> ops.update("media", "0190a0b0-0000-7000-8000-000000000002", set={"credit.source": "Reuters"}, base_version=3)
{'op': 'update', 'type': 'media', 'id': '0190a0b0-0000-7000-8000-000000000002', 'set': {'credit.source': 'Reuters'}, 'baseVersion': 3}

Members left as ``None`` are omitted. The server checks every op (unknown fields, types, which
members belong to which op) and names every problem at once in a -32022 ``ValidationError``.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, Mapping, Optional

Op = Dict[str, Any]

ENTITY_TYPES = ("article", "media", "link")


def create(type: str, data: Mapping[str, Any], id: Optional[str] = None) -> Op:
    """A ``create`` op for an ``article``, ``media`` or ``link``.

    ``id`` (a UUID) may be given so that later ops of the same changeset, or an offline editor,
    can refer to the new entity; the server generates one (UUIDv7) otherwise.
    """
    op: Op = {"op": "create", "type": type, "data": dict(data)}
    if id is not None:
        op["id"] = id
    return op


def update(
    type: str,
    id: str,
    set: Optional[Mapping[str, Any]] = None,
    unset: Optional[Iterable[str]] = None,
    base_version: Optional[int] = None,
) -> Op:
    """An ``update`` op: ``set`` fields (``credit.creator``-style paths reach into a media credit),
    ``unset`` fields.

    With ``base_version`` (the version you read) the update is checked field by field: it still
    applies when nobody changed the fields it touches since (``rebased: true`` in the result),
    and fails the whole changeset with a ``ConflictError`` when someone did. Without it the
    update is last-writer-wins.
    """
    op: Op = {"op": "update", "type": type, "id": id}
    if set is not None:
        op["set"] = dict(set)
    if unset is not None:
        op["unset"] = list(unset)
    if base_version is not None:
        op["baseVersion"] = base_version
    return op


def delete(type: str, id: str, base_version: Optional[int] = None) -> Op:
    """A ``delete`` op. With ``base_version``, a delete of an entity changed since is a conflict.

    Deleting an article also deletes its inbound and outbound links in the same changeset;
    deleting media that a live article uses fails with ``IntegrityError`` (``media_in_use``).
    """
    op: Op = {"op": "delete", "type": type, "id": id}
    if base_version is not None:
        op["baseVersion"] = base_version
    return op
