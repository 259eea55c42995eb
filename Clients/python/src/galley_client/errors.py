"""Errors raised by the Galley client.

Every error the server answers with becomes a :class:`GalleyError` (or one of its subclasses,
chosen by the JSON-RPC error code); problems with the connection itself become
:class:`GalleyConnectionError`, a :class:`ConnectionError`.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Type


class GalleyError(Exception):
    """An error reply from galleyd: ``code``, ``message`` and ``data`` as sent.

    ``kind`` is ``data["kind"]``, the stable snake_case word to branch on (``None`` when the server
    sent no data).
    """

    code: int
    message: str
    data: Dict[str, Any]

    def __init__(self, code: int, message: str, data: Optional[Dict[str, Any]] = None):
        super().__init__(code, message, data)
        self.code = code
        self.message = message
        self.data = data if isinstance(data, dict) else {}

    @property
    def kind(self) -> Optional[str]:
        """``data.kind``: which error this is, e.g. ``duplicate_slug`` or ``version_conflict``."""
        kind = self.data.get("kind")
        return kind if isinstance(kind, str) else None

    def __str__(self) -> str:
        kind = f" [{self.kind}]" if self.kind else ""
        return f"{self.code}{kind}: {self.message}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r}, data={self.data!r})"


class InvalidParamsError(GalleyError):
    """-32602: the params do not fit the method's schema. ``errors`` is ``[{path, message}]``."""

    @property
    def errors(self) -> List[Dict[str, str]]:
        return list(self.data.get("errors") or [])


class AuthError(GalleyError):
    """-32001 (not authenticated, bad token) or -32003 (the token's role may not call this)."""


class NotFoundError(GalleyError):
    """-32004: the entity, version, changeset or token does not exist."""


class ConflictError(GalleyError):
    """-32009: the changeset was based on versions others changed since.

    ``conflicts`` is ``[{type, id, baseVersion, currentVersion, reason, fields: [{field, base,
    theirs, mine}]}]``: both sides of every conflicting field, enough to show them to an editor.
    Nothing of the changeset was applied.
    """

    @property
    def conflicts(self) -> List[Dict[str, Any]]:
        return list(self.data.get("conflicts") or [])


class IntegrityError(GalleyError):
    """-32010: a rule of the content would break (``kind`` says which: ``duplicate_slug``,
    ``media_in_use``, ``changeset_id_reused``, ``cursor_expired``, ...). Nothing was applied."""


class ValidationError(GalleyError):
    """-32022: the content is invalid. ``errors`` is ``[{path, message}]`` naming every bad field
    at once (paths such as ``ops[3].data.headline``). Nothing was applied."""

    @property
    def errors(self) -> List[Dict[str, str]]:
        return list(self.data.get("errors") or [])


class OverloadedError(GalleyError):
    """-32029: the server has too many connections (or is rate limiting); try again after
    ``retry_after_ms`` milliseconds."""

    @property
    def retry_after_ms(self) -> Optional[int]:
        value = self.data.get("retryAfterMs")
        return value if isinstance(value, int) else None


class GalleyConnectionError(ConnectionError):
    """The connection failed, was closed, or a reply did not come in time.

    Whether a request sent before the failure was applied is unknown; the client's retry-safe
    writes (:meth:`Client.commit` and the write helpers) resend the same changeset id, so the
    server applies them at most once.
    """


class GalleyTimeoutError(GalleyConnectionError, TimeoutError):
    """No reply within the client's ``timeout``; the connection was closed."""


class GalleyTLSError(GalleyConnectionError):
    """The TLS handshake failed: the server's certificate is not trusted (not signed by the CA,
    wrong host name) or is not the pinned one, or the server does not speak TLS. It is not
    retried: trying again would meet the same certificate."""


ERROR_CLASSES: Dict[int, Type[GalleyError]] = {
    -32602: InvalidParamsError,
    -32001: AuthError,
    -32003: AuthError,
    -32004: NotFoundError,
    -32009: ConflictError,
    -32010: IntegrityError,
    -32022: ValidationError,
    -32029: OverloadedError,
}


def error_from_wire(error: Dict[str, Any]) -> GalleyError:
    """Turns a JSON-RPC error object (``{code, message, data}``) into the matching exception.

    Useful for the ``error`` of a ``sync.push`` result, which is not raised.
    """
    code = error.get("code")
    if not isinstance(code, int):
        code = -32603
    message = error.get("message")
    cls = ERROR_CLASSES.get(code, GalleyError)
    return cls(code, message if isinstance(message, str) else "", error.get("data"))
