"""The Galley client: one TCP connection to galleyd speaking newline-delimited JSON-RPC 2.0."""

from __future__ import annotations

import collections
import hashlib
import inspect
import json
import os
import random
import socket
import ssl
import threading
import time
import uuid
from typing import (
    Any,
    Callable,
    Deque,
    Dict,
    Iterable,
    Iterator,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Union,
)

from .errors import (
    GalleyConnectionError,
    GalleyError,
    GalleyTimeoutError,
    GalleyTLSError,
    IntegrityError,
    OverloadedError,
    error_from_wire,
)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7420

JSON = Any
Call = Union[str, Tuple[str], Tuple[str, Optional[Mapping[str, Any]]]]


def _api(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Marks a method as the helper for the API method ``name`` (see ``Client.api_helpers``)."""

    def mark(function: Callable[..., Any]) -> Callable[..., Any]:
        function.api_method = name  # type: ignore[attr-defined]
        return function

    return mark


def _args(values: Dict[str, Any]) -> Dict[str, Any]:
    """The params of a helper call: its keyword arguments without ``self`` and without ``None``s."""
    return {key: value for key, value in values.items() if key != "self" and value is not None}


def _parse_pin(text: str) -> str:
    """``sha256:<64 hex digits>`` in lower case (``:`` between byte pairs allowed)."""
    prefix, _, digits = text.partition(":")
    digits = digits.replace(":", "").lower()
    if prefix.lower() != "sha256" or len(digits) != 64 or any(c not in "0123456789abcdef" for c in digits):
        raise ValueError(f"pin must be sha256: followed by 64 hex digits, not {text!r}")
    return "sha256:" + digits


def new_id() -> str:
    """A fresh random UUID, as changeset ids (idempotency keys) and client-chosen entity ids."""
    return str(uuid.uuid4())


class Page(dict):
    """One ``sync.pull`` page (``items, cursor, hasMore, head, consistentAt``) as the server sent it.

    ``restarted`` is True on the first page of a snapshot that :meth:`Client.pull` started by
    itself because the server could not serve the cursor (``cursor_expired``, as after a server
    was restored from a backup): a mirror must then replace its content with that snapshot,
    because entities deleted meanwhile do not come as tombstones.
    """

    restarted: bool = False


class Client:
    """A connection to galleyd.

    >>> with Client("127.0.0.1", 7420, token=open("galley-data/admin.token").read().strip()) as galley:
    ...     print(galley.server_info()["head"])

    The connection opens on ``with`` (or lazily on the first call), and authenticates with
    ``token`` when one is given. After the connection fails (``GalleyConnectionError``), the next
    call opens a new one and authenticates again; :meth:`reconnect` does that on demand. Writes
    that carry a changeset id (:meth:`commit`, the ``*_create``/``*_update``/``*_delete``
    helpers, :meth:`sync_push`) are resent by themselves after a connection failure, up to
    ``retries`` times: the server applies a changeset id at most once and replays it after.
    ``timeout`` (seconds, ``None`` for none) bounds connecting and the wait for each reply; a
    reply that does not come in time closes the connection and raises ``GalleyTimeoutError``.

    TLS: ``tls=True`` speaks TLS (1.2 or newer) and trusts the system's certificate authorities;
    ``cafile`` trusts the CAs in that PEM file instead; ``pin="sha256:<hex>"`` trusts exactly the
    server certificate whose DER has that SHA-256 (galleyd logs it at startup as
    ``certificatePin``), with no CA or host name check. ``cafile`` and ``pin`` imply ``tls``.
    ``certfile``/``keyfile`` present a client certificate (galleyd ``--tls-client-ca``). A
    certificate that is not trusted raises :class:`GalleyTLSError` before the token is sent.

    Threads: a Client is one connection and is meant for one thread at a time (open one per
    thread). A lock serializes calls, so a stray call from another thread waits instead of
    corrupting the stream, but a thread blocked in :meth:`subscribe` holds it while it waits.
    """

    def __init__(
        self,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        token: Optional[str] = None,
        timeout: Optional[float] = 30.0,
        *,
        retries: int = 3,
        retry_delay: float = 0.1,
        tls: bool = False,
        cafile: Optional[str] = None,
        pin: Optional[str] = None,
        certfile: Optional[str] = None,
        keyfile: Optional[str] = None,
    ):
        if cafile is not None and pin is not None:
            raise ValueError("give cafile or pin, not both")
        self.pin = _parse_pin(pin) if pin is not None else None
        self.tls = bool(tls or cafile is not None or pin is not None)
        self.cafile = cafile
        self.certfile = certfile
        self.keyfile = keyfile
        self._ssl_context: Optional[ssl.SSLContext] = None
        self.host = host
        self.port = int(port)
        self.token = token
        self.timeout = timeout
        self.retries = retries
        self.retry_delay = retry_delay
        #: ``{principal, role}`` from the last ``auth.authenticate``, or None.
        self.identity: Optional[Dict[str, Any]] = None
        self._sock: Optional[socket.socket] = None
        self._buffer = bytearray()
        self._last_id = 0
        self._outstanding: set = set()
        self._replies: Dict[int, Dict[str, Any]] = {}
        self._notifications: Deque[Dict[str, Any]] = collections.deque(maxlen=10000)
        self._lock = threading.RLock()

    @classmethod
    def from_env(cls, **overrides: Any) -> "Client":
        """A Client configured like the ``galley`` CLI: ``GALLEY_SERVER`` (``HOST:PORT``, default
        ``127.0.0.1:7420``), and the token from ``GALLEY_TOKEN`` or the file named by
        ``GALLEY_TOKEN_FILE``; TLS from ``GALLEY_TLS=1``, ``GALLEY_TLS_CA`` (a CA file) or
        ``GALLEY_TLS_PIN`` (``sha256:<hex>``). Keyword arguments override them."""
        server = os.environ.get("GALLEY_SERVER") or f"{DEFAULT_HOST}:{DEFAULT_PORT}"
        host, _, port = server.rpartition(":")
        if not host:
            host, port = server, str(DEFAULT_PORT)
        token = os.environ.get("GALLEY_TOKEN")
        token_file = os.environ.get("GALLEY_TOKEN_FILE")
        if not token and token_file:
            with open(token_file, encoding="utf-8") as handle:
                token = handle.read().strip()
        settings: Dict[str, Any] = {"host": host.strip("[]"), "port": int(port), "token": token}
        if (os.environ.get("GALLEY_TLS") or "").lower() in ("1", "true", "yes", "on"):
            settings["tls"] = True
        if os.environ.get("GALLEY_TLS_CA"):
            settings["cafile"] = os.environ["GALLEY_TLS_CA"]
        elif os.environ.get("GALLEY_TLS_PIN"):
            settings["pin"] = os.environ["GALLEY_TLS_PIN"]
        settings.update(overrides)
        return cls(**settings)

    # ------------------------------------------------------------------ connection

    def __enter__(self) -> "Client":
        self.connect()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "open" if self._sock is not None else "closed"
        return f"<galley_client.Client {self.host}:{self.port} {state}>"

    @property
    def connected(self) -> bool:
        """True while a connection is open (it may still turn out to be broken on the next call)."""
        return self._sock is not None

    def connect(self) -> "Client":
        """Opens the connection (and authenticates) unless it is open already."""
        with self._lock:
            if self._sock is None:
                self._open()
        return self

    def reconnect(self) -> "Client":
        """Closes the connection and opens a new one, authenticating again with ``token``.

        Subscriptions belong to a connection: call :meth:`subscribe` again afterwards (the
        :meth:`subscribe` generator does that by itself).
        """
        with self._lock:
            self.close()
            self._open()
        return self

    def close(self) -> None:
        """Closes the connection; the next call opens a new one."""
        with self._lock:
            sock, self._sock = self._sock, None
            self._buffer.clear()
            self._outstanding.clear()
            self._replies.clear()
            if sock is not None:
                try:
                    sock.close()
                except OSError:
                    pass

    def _open(self) -> None:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        except OSError as error:
            raise GalleyConnectionError(f"cannot connect to galleyd at {self.host}:{self.port}: {error}") from error
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        if self.tls:
            sock = self._wrap_tls(sock)
        self._sock = sock
        self._buffer.clear()
        self._outstanding.clear()
        self._replies.clear()
        self._notifications.clear()
        self.identity = None
        if self.token is not None:
            try:
                self.identity = self._exchange("auth.authenticate", {"token": self.token})
            except BaseException:
                self.close()
                raise

    def _tls_context(self) -> ssl.SSLContext:
        if self._ssl_context is None:
            if self.pin is not None:
                # The pin is the whole check: it names one certificate, whoever signed it.
                context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            else:
                context = ssl.create_default_context(cafile=self.cafile)
            context.minimum_version = ssl.TLSVersion.TLSv1_2
            if self.certfile is not None:
                context.load_cert_chain(self.certfile, self.keyfile)
            self._ssl_context = context
        return self._ssl_context

    def _wrap_tls(self, sock: socket.socket) -> socket.socket:
        """The TLS handshake on a fresh socket, and the pin check, before anything is sent."""
        where = f"{self.host}:{self.port}"
        try:
            wrapped = self._tls_context().wrap_socket(sock, server_hostname=self.host)
        except (ssl.SSLError, ssl.CertificateError) as error:
            sock.close()
            raise GalleyTLSError(f"the TLS handshake with galleyd at {where} failed: {error}") from error
        except OSError as error:
            sock.close()
            raise GalleyTLSError(f"the TLS handshake with galleyd at {where} failed (does it speak TLS?): {error}") from error
        if self.pin is not None:
            der = wrapped.getpeercert(binary_form=True) or b""
            presented = "sha256:" + hashlib.sha256(der).hexdigest()
            if presented != self.pin:
                wrapped.close()
                raise GalleyTLSError(
                    f"the certificate of galleyd at {where} is not the pinned one: expected {self.pin}, "
                    f"the server presented {presented}"
                )
        return wrapped

    # ------------------------------------------------------------------ wire

    def _send_bytes(self, data: bytes) -> None:
        """Writes bytes to the socket (the one place that does: tests wrap it to inject faults)."""
        assert self._sock is not None
        try:
            self._sock.settimeout(self.timeout)
            self._sock.sendall(data)
        except OSError as error:
            self.close()
            raise GalleyConnectionError(f"sending to galleyd failed: {error}") from error

    def _request(self, method: str, params: Optional[Mapping[str, Any]]) -> Tuple[int, bytes]:
        self._last_id += 1
        message: Dict[str, Any] = {"jsonrpc": "2.0", "id": self._last_id, "method": method}
        if params:
            message["params"] = dict(params)
        text = json.dumps(message, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        return self._last_id, text.encode("utf-8") + b"\n"

    def _read_line(self, deadline: Optional[float], idle_ok: bool) -> Optional[bytes]:
        """One non-blank line, or None when ``deadline`` passes and ``idle_ok``."""
        while True:
            end = self._buffer.find(b"\n")
            if end >= 0:
                line = bytes(self._buffer[:end])
                del self._buffer[: end + 1]
                if line.strip():
                    return line
                continue
            if self._sock is None:
                raise GalleyConnectionError("the connection is closed")
            remaining = None if deadline is None else deadline - time.monotonic()
            try:
                if remaining is not None and remaining <= 0:
                    raise socket.timeout()
                self._sock.settimeout(remaining)
                chunk = self._sock.recv(1 << 16)
            except socket.timeout:
                if idle_ok:
                    return None
                self.close()
                raise GalleyTimeoutError(f"no reply from galleyd within {self.timeout} s; the connection was closed") from None
            except OSError as error:
                self.close()
                raise GalleyConnectionError(f"reading from galleyd failed: {error}") from error
            if not chunk:
                self.close()
                raise GalleyConnectionError("galleyd closed the connection")
            self._buffer += chunk

    def _read_message(self, deadline: Optional[float], idle_ok: bool = False) -> bool:
        """Reads one message and routes it: replies to ``_replies``, notifications to the queue.
        False when the deadline passed first (only with ``idle_ok``)."""
        line = self._read_line(deadline, idle_ok)
        if line is None:
            return False
        try:
            message = json.loads(line.decode("utf-8"))
        except ValueError as error:
            self.close()
            raise GalleyConnectionError(f"galleyd sent something that is not JSON: {line[:200]!r}") from error
        self._route(message)
        return True

    def _route(self, message: JSON) -> None:
        if isinstance(message, list):
            for element in message:
                self._route(element)
            return
        if not isinstance(message, dict):
            return
        if "method" in message and "id" not in message:
            self._notifications.append(message)
            return
        if "result" not in message and "error" not in message:
            return
        reply_id = message.get("id")
        if reply_id is None:
            # An error about the connection rather than one request (parse error, overloaded,
            # message too large): the server may close the connection after it.
            error = error_from_wire(message.get("error") or {})
            if error.code in (-32029, -32600):
                self.close()
            raise error
        if reply_id in self._outstanding:
            self._outstanding.discard(reply_id)
            self._replies[reply_id] = message

    def _deadline(self) -> Optional[float]:
        return None if self.timeout is None else time.monotonic() + self.timeout

    def _await_reply(self, reply_id: int) -> Dict[str, Any]:
        deadline = self._deadline()
        while reply_id not in self._replies:
            self._read_message(deadline)
        return self._replies.pop(reply_id)

    @staticmethod
    def _unwrap(reply: Dict[str, Any]) -> Any:
        if "error" in reply:
            raise error_from_wire(reply["error"] if isinstance(reply["error"], dict) else {})
        return reply.get("result")

    def _exchange(self, method: str, params: Optional[Mapping[str, Any]]) -> Any:
        """Sends one request on the open connection and returns its result."""
        reply_id, data = self._request(method, params)
        self._outstanding.add(reply_id)
        self._send_bytes(data)
        return self._unwrap(self._await_reply(reply_id))

    def _call(self, method: str, params: Optional[Mapping[str, Any]] = None) -> Any:
        with self._lock:
            if self._sock is None:
                self._open()
            return self._exchange(method, params)

    def _call_retrying(self, method: str, params: Mapping[str, Any]) -> Any:
        """``_call`` for requests that are safe to send again (idempotent by a changeset id, or
        reads): after a connection failure or an overloaded server it waits, reconnects and
        resends the same request, at most ``retries`` times."""
        attempt = 0
        while True:
            try:
                return self._call(method, params)
            except GalleyTLSError:
                raise
            except GalleyConnectionError as error:
                failure: Exception = error
                delay = self.retry_delay * (2**attempt)
            except OverloadedError as error:
                failure = error
                delay = (error.retry_after_ms or 1000) / 1000.0
                self.close()
            if attempt >= self.retries:
                raise failure
            attempt += 1
            time.sleep(min(delay, 5.0) * random.uniform(0.5, 1.0))

    # ------------------------------------------------------------------ generic calls

    def call(self, method: str, **params: Any) -> Any:
        """Calls ``method`` with named ``params`` and returns its result.

        Raises the matching :class:`GalleyError` subclass for an error reply and
        :class:`GalleyConnectionError` when the connection fails (it is not resent: use the
        helpers, which know which methods are safe to resend).
        """
        return self._call(method, params)

    def call_many(
        self,
        calls: Iterable[Call],
        *,
        raise_on_error: bool = True,
        window: int = 32,
    ) -> List[Any]:
        """Pipelines many calls on the one connection: sends them without waiting for each reply
        (at most ``window`` in flight, below the server's 64 per connection), collects the
        replies by id, and returns the results in the order of ``calls``.

        ``calls`` holds ``(method, params)`` pairs (``params`` a dict or None) or bare method
        names. The server runs pipelined requests concurrently, so writes among them are not
        ordered relative to each other: put writes that depend on each other in one changeset.
        With ``raise_on_error`` (the default) the first error (in input order) is raised after
        every reply has arrived; without it, errors take their call's place in the list as
        :class:`GalleyError` instances. A connection failure raises
        :class:`GalleyConnectionError` and nothing is resent.
        """
        requests: List[Tuple[str, Optional[Mapping[str, Any]]]] = []
        for entry in calls:
            if isinstance(entry, str):
                requests.append((entry, None))
            elif len(entry) == 1:
                requests.append((entry[0], None))
            else:
                requests.append((entry[0], entry[1]))  # type: ignore[misc]
        window = max(1, min(window, 64))
        results: List[Any] = [None] * len(requests)
        with self._lock:
            if self._sock is None:
                self._open()
            ids: List[int] = []
            received = 0
            while received < len(requests):
                batch = bytearray()
                while len(ids) < len(requests) and len(ids) - received < window:
                    method, params = requests[len(ids)]
                    reply_id, data = self._request(method, params)
                    self._outstanding.add(reply_id)
                    ids.append(reply_id)
                    batch += data
                if batch:
                    self._send_bytes(bytes(batch))
                deadline = self._deadline()
                while ids[received] not in self._replies:
                    self._read_message(deadline)
                while received < len(ids) and ids[received] in self._replies:
                    reply = self._replies.pop(ids[received])
                    try:
                        results[received] = self._unwrap(reply)
                    except GalleyError as error:
                        results[received] = error
                    received += 1
        if raise_on_error:
            for result in results:
                if isinstance(result, GalleyError):
                    raise result
        return results

    def paginate(self, method: str, **params: Any) -> Iterator[Dict[str, Any]]:
        """Yields every item of a list method (``article.list``, ``media.list``,
        ``article.history``, ``changeset.list``), following ``nextCursor`` page by page.
        Params that are None are left out, so optional filters can be passed through as they are."""
        params = {key: value for key, value in params.items() if value is not None}
        while True:
            page = self._call(method, params)
            for item in page.get("items", []):
                yield item
            cursor = page.get("nextCursor")
            if not cursor:
                return
            params = dict(params, cursor=cursor)

    @classmethod
    def api_helpers(cls) -> Dict[str, str]:
        """``{API method name: helper name}`` for every helper this class has."""
        helpers = {}
        for name, member in inspect.getmembers(cls, predicate=inspect.isfunction):
            method = getattr(member, "api_method", None)
            if method:
                helpers[method] = name
        return helpers

    # ------------------------------------------------------------------ server and auth

    @_api("rpc.discover")
    def discover(self) -> Dict[str, Any]:
        """The server's OpenRPC document: every method with its params, result and errors."""
        return self._call("rpc.discover")

    @_api("server.info")
    def server_info(self) -> Dict[str, Any]:
        """``{name, version, protocolVersion, head, storage, uptimeSeconds}``; works without a token."""
        return self._call("server.info")

    @_api("server.ping")
    def ping(self) -> Dict[str, Any]:
        """``{}``: the cheapest authenticated round trip."""
        return self._call("server.ping")

    @_api("server.metrics")
    def server_metrics(self) -> Dict[str, Any]:
        """``{samples: [{name, labels, value}]}``: the figures of the Prometheus endpoint (admin only)."""
        return self._call("server.metrics")

    @_api("auth.authenticate")
    def authenticate(self, *, token: str) -> Dict[str, Any]:
        """Authenticates this connection and remembers ``token`` for reconnects.
        Returns ``{principal, role}``; a bad token raises :class:`AuthError` (``invalid_token``)."""
        result = self._call("auth.authenticate", {"token": token})
        self.token = token
        self.identity = result
        return result

    @_api("auth.whoami")
    def whoami(self) -> Dict[str, Any]:
        """``{principal, role}`` of this connection."""
        return self._call("auth.whoami")

    @_api("token.create")
    def token_create(self, *, name: str, role: str, expires: Optional[str] = None) -> Dict[str, Any]:
        """Creates a token (admin only). The secret is in the result and is shown only this once.
        ``role`` is ``reader``, ``editor`` or ``admin``; ``expires`` is an optional lifetime such as
        ``"30d"``, ``"12h"`` or ``"90m"`` (``expiresAt`` in the result). A live token with the same
        name raises :class:`IntegrityError` (``token_name_taken``)."""
        return self._call("token.create", _args(locals()))

    @_api("token.list")
    def token_list(self) -> Dict[str, Any]:
        """The live tokens, without their secrets (admin only)."""
        return self._call("token.list")

    @_api("token.revoke")
    def token_revoke(self, *, name: str) -> Dict[str, Any]:
        """Revokes a token by name (admin only); connections using it lose access."""
        return self._call("token.revoke", _args(locals()))

    # ------------------------------------------------------------------ changesets

    @_api("changeset.commit")
    def commit(
        self,
        message: str,
        ops: Sequence[Mapping[str, Any]],
        id: Optional[str] = None,
        dry_run: bool = False,
    ) -> Dict[str, Any]:
        """Commits ``ops`` (see :mod:`galley_client.ops`) as one atomic changeset and returns
        ``{seq, id, committedAt, author, replayed, dryRun, results}``.

        Safe to retry: ``id`` is the idempotency key, generated (a random UUID) when not given.
        When the connection fails before the reply arrives, the client reconnects and resends
        the same id, at most ``retries`` times; the server applies an id once and answers a
        resend with the original result and ``replayed: True``. Call it again yourself with the
        returned or chosen id for the same guarantee. Reusing an id for different content raises
        :class:`IntegrityError` (``changeset_id_reused``).

        ``dry_run=True`` runs every check (validation, conflicts, integrity) and commits nothing.
        Errors: :class:`ValidationError`, :class:`ConflictError`, :class:`IntegrityError`,
        :class:`NotFoundError`; none of them applies anything.
        """
        params: Dict[str, Any] = {"id": id or new_id(), "message": message, "ops": [dict(op) for op in ops]}
        if dry_run:
            params["dryRun"] = True
        return self._call_retrying("changeset.commit", params)

    @_api("changeset.revert")
    def changeset_revert(
        self,
        *,
        seq: int,
        id: Optional[str] = None,
        message: Optional[str] = None,
        force: Optional[bool] = None,
        dryRun: Optional[bool] = None,
    ) -> Dict[str, Any]:
        """Commits a new changeset (id ``id``, generated when None) that returns everything
        changeset ``seq`` touched to its state before it: created entities are deleted, deleted
        ones restored, updated fields set back. When a later changeset changed the same fields it
        raises :class:`ConflictError`, unless ``force``. Not resent by itself after a connection
        failure: check ``changeset_get(id=...)`` before trying again."""
        params = _args(locals())
        params.setdefault("id", new_id())
        return self._call("changeset.revert", params)

    @_api("changeset.get")
    def changeset_get(self, *, seq: Optional[int] = None, id: Optional[str] = None) -> Dict[str, Any]:
        """One changeset by ``seq`` or ``id`` (exactly one), with its ops as committed and the
        versions they produced; :class:`NotFoundError` when there is none."""
        return self._call("changeset.get", _args(locals()))

    @_api("changeset.list")
    def changeset_list(
        self,
        *,
        after: Optional[int] = None,
        before: Optional[int] = None,
        author: Optional[str] = None,
        entityId: Optional[str] = None,
        limit: Optional[int] = None,
        cursor: Optional[str] = None,
    ) -> Dict[str, Any]:
        """``{items, nextCursor}``: changeset summaries, newest first, filtered by seq range,
        author or the entity they touched."""
        return self._call("changeset.list", _args(locals()))

    # ------------------------------------------------------------------ articles

    @_api("article.get")
    def article_get(
        self,
        *,
        id: Optional[str] = None,
        slug: Optional[str] = None,
        version: Optional[int] = None,
        includeDeleted: Optional[bool] = None,
    ) -> Dict[str, Any]:
        """An article by ``id`` or ``slug`` (exactly one), with its ``leadMedia``; at ``version``
        it is the article as it was then. A deleted article raises :class:`NotFoundError` unless
        ``includeDeleted``."""
        return self._call("article.get", _args(locals()))

    @_api("article.list")
    def article_list(
        self,
        *,
        section: Optional[str] = None,
        status: Optional[str] = None,
        tag: Optional[str] = None,
        q: Optional[str] = None,
        updatedAfter: Optional[str] = None,
        limit: Optional[int] = None,
        cursor: Optional[str] = None,
    ) -> Dict[str, Any]:
        """``{items, nextCursor}``: live article summaries (no body), most recently changed first.
        ``q`` searches headline, subheadline and body; ``updatedAfter`` is an RFC 3339 time.
        Cursors stay valid while others write. :meth:`paginate` walks every page."""
        return self._call("article.list", _args(locals()))

    @_api("article.history")
    def article_history(
        self,
        *,
        id: Optional[str] = None,
        slug: Optional[str] = None,
        limit: Optional[int] = None,
        cursor: Optional[str] = None,
    ) -> Dict[str, Any]:
        """``{items, nextCursor}``: the article's versions, newest first, each with its changeset
        (``seq``, ``changesetId``, ``author``, ``message``, ``committedAt``) and changed fields."""
        return self._call("article.history", _args(locals()))

    @_api("article.create")
    def article_create(
        self,
        *,
        message: str,
        data: Mapping[str, Any],
        id: Optional[str] = None,
        changesetId: Optional[str] = None,
        dryRun: Optional[bool] = None,
    ) -> Dict[str, Any]:
        """Creates an article in a one-op changeset; returns ``{changeset, entity}``.
        Safe to retry: the client sends a ``changesetId`` (generated when None) and resends it
        after a connection failure, so it is created once."""
        params = _args(locals())
        params.setdefault("changesetId", new_id())
        return self._call_retrying("article.create", params)

    @_api("article.update")
    def article_update(
        self,
        *,
        message: str,
        id: str,
        baseVersion: Optional[int] = None,
        set: Optional[Mapping[str, Any]] = None,
        unset: Optional[Sequence[str]] = None,
        changesetId: Optional[str] = None,
        dryRun: Optional[bool] = None,
    ) -> Dict[str, Any]:
        """Updates an article in a one-op changeset; returns ``{changeset, entity}``. With
        ``baseVersion`` it is checked field by field (:class:`ConflictError` when a field it sets
        changed since). Safe to retry, as :meth:`article_create`."""
        params = _args(locals())
        params.setdefault("changesetId", new_id())
        return self._call_retrying("article.update", params)

    @_api("article.delete")
    def article_delete(
        self,
        *,
        message: str,
        id: str,
        baseVersion: Optional[int] = None,
        changesetId: Optional[str] = None,
        dryRun: Optional[bool] = None,
    ) -> Dict[str, Any]:
        """Deletes an article and, in the same changeset, every link from or to it; returns
        ``{changeset, entity: None}``. Safe to retry, as :meth:`article_create`."""
        params = _args(locals())
        params.setdefault("changesetId", new_id())
        return self._call_retrying("article.delete", params)

    # ------------------------------------------------------------------ media and links

    @_api("media.get")
    def media_get(
        self, *, id: str, version: Optional[int] = None, includeDeleted: Optional[bool] = None
    ) -> Dict[str, Any]:
        """One media item (with its derived ``credit.creditLine``), now or at ``version``."""
        return self._call("media.get", _args(locals()))

    @_api("media.list")
    def media_list(
        self,
        *,
        q: Optional[str] = None,
        kind: Optional[str] = None,
        limit: Optional[int] = None,
        cursor: Optional[str] = None,
    ) -> Dict[str, Any]:
        """``{items, nextCursor}``: live media, most recently changed first; ``q`` searches
        caption, creator and source (word prefixes, not exact matches)."""
        return self._call("media.list", _args(locals()))

    @_api("media.usage")
    def media_usage(self, *, id: str) -> Dict[str, Any]:
        """``{items: [{id, slug, headline, status, role}]}``: the live articles that use the media
        as lead (``role: lead``) or in their body (``role: body``)."""
        return self._call("media.usage", _args(locals()))

    @_api("media.create")
    def media_create(
        self,
        *,
        message: str,
        data: Mapping[str, Any],
        id: Optional[str] = None,
        changesetId: Optional[str] = None,
        dryRun: Optional[bool] = None,
    ) -> Dict[str, Any]:
        """Creates a media item in a one-op changeset; returns ``{changeset, entity}``.
        Safe to retry, as :meth:`article_create`."""
        params = _args(locals())
        params.setdefault("changesetId", new_id())
        return self._call_retrying("media.create", params)

    @_api("media.update")
    def media_update(
        self,
        *,
        message: str,
        id: str,
        baseVersion: Optional[int] = None,
        set: Optional[Mapping[str, Any]] = None,
        unset: Optional[Sequence[str]] = None,
        changesetId: Optional[str] = None,
        dryRun: Optional[bool] = None,
    ) -> Dict[str, Any]:
        """Updates a media item (``set`` may name ``credit.creator``-style paths); returns
        ``{changeset, entity}``. Safe to retry, as :meth:`article_create`."""
        params = _args(locals())
        params.setdefault("changesetId", new_id())
        return self._call_retrying("media.update", params)

    @_api("media.delete")
    def media_delete(
        self,
        *,
        message: str,
        id: str,
        baseVersion: Optional[int] = None,
        changesetId: Optional[str] = None,
        dryRun: Optional[bool] = None,
    ) -> Dict[str, Any]:
        """Deletes a media item; :class:`IntegrityError` (``media_in_use``, naming the articles)
        while a live article uses it. Safe to retry, as :meth:`article_create`."""
        params = _args(locals())
        params.setdefault("changesetId", new_id())
        return self._call_retrying("media.delete", params)

    @_api("link.list")
    def link_list(self, *, articleId: str, direction: Optional[str] = None) -> Dict[str, Any]:
        """``{items}``: the article's related-story links ordered by ``position``, ``direction``
        ``out`` (default: links from it) or ``in`` (links to it), each with a summary of the
        other article."""
        return self._call("link.list", _args(locals()))

    # ------------------------------------------------------------------ sync

    @_api("sync.pull")
    def sync_pull(self, *, cursor: Optional[str] = None, limit: Optional[int] = None) -> Dict[str, Any]:
        """One ``sync.pull`` page ``{items, cursor, hasMore, head, consistentAt}``; see :meth:`pull`,
        which follows the cursor and restarts expired ones."""
        return self._call("sync.pull", _args(locals()))

    def pull(self, cursor: Optional[str] = None, limit: Optional[int] = None) -> Iterator[Page]:
        """Yields ``sync.pull`` pages from ``cursor`` (None: a new snapshot) until one has
        ``hasMore: false``. Always yields at least one page.

        Store each page's ``cursor`` together with what you made of its items (in one
        transaction): a page's items are the server's state at ``consistentAt``, and the cursor
        is where the next pull starts. A snapshot comes first (every live entity, tombstones left
        out), then the log (changed entities, deleted ones as ``deleted: True, data: None``).

        Reads are resent after a connection failure (bounded by ``retries``). When the server
        cannot serve ``cursor`` (``cursor_expired``: its history is older than the cursor, as
        after a restore from a backup), the generator starts a new snapshot by itself; the first
        page of it has ``page.restarted == True``, and the consumer should rebuild its copy from
        the snapshot that follows.
        """
        restarted = False
        while True:
            params: Dict[str, Any] = {}
            if cursor is not None:
                params["cursor"] = cursor
            if limit is not None:
                params["limit"] = limit
            try:
                result = self._call_retrying("sync.pull", params)
            except IntegrityError as error:
                if error.kind == "cursor_expired" and cursor is not None:
                    cursor = None
                    restarted = True
                    continue
                raise
            page = Page(result)
            page.restarted = restarted
            restarted = False
            yield page
            cursor = result["cursor"]
            if not result.get("hasMore"):
                return

    @_api("sync.push")
    def sync_push(self, *, changesets: Sequence[Mapping[str, Any]]) -> Dict[str, Any]:
        """Commits changesets ``[{id, message, ops}]`` in order, each atomically on its own;
        returns ``{results}`` with one ``{id, status}`` per changeset: ``applied`` or
        ``replayed`` (with ``seq``), ``conflict`` or ``rejected`` (with ``error``; turn it into an
        exception with :func:`galley_client.error_from_wire`). One failing does not stop the
        others. Resent after a connection failure: every changeset carries its id, so nothing
        applies twice."""
        return self._call_retrying("sync.push", {"changesets": [dict(c) for c in changesets]})

    @_api("sync.subscribe")
    def subscribe(self, idle_timeout: Optional[float] = None, *, reconnect: bool = True) -> Iterator[int]:
        """Subscribes this connection to ``sync.changed`` and yields heads (changeset numbers):
        first the head at the moment of subscribing, then the head of every notification.

        Pull whenever a yielded head is newer than what you have: since the first head is read
        after the subscription starts, nothing committed in between is missed. Notifications are
        coalesced by the server (at most one per 50 ms, the newest head always sent), so heads may
        skip numbers. Other calls may be made on this client between two heads: notifications that
        arrive while they wait for their replies are kept and yielded next.

        ``idle_timeout``: seconds to wait for a notification; when none arrives in that time the
        generator ends (None waits forever). With ``reconnect`` (the default), a failed connection
        is reopened (bounded by ``retries``), subscribed again, and the new head is yielded, so
        commits made while it was down are not missed. Closing the generator (or leaving the loop)
        sends ``sync.unsubscribe``.
        """
        try:
            yield self._call_retrying("sync.subscribe", {})["head"]
            while True:
                try:
                    note = self._next_notification("sync.changed", idle_timeout)
                except GalleyConnectionError:
                    if not reconnect:
                        raise
                    head = self._call_retrying("sync.subscribe", {})["head"]
                    yield head
                    continue
                if note is None:
                    return
                params = note.get("params") or {}
                if isinstance(params.get("head"), int):
                    yield params["head"]
        finally:
            if self._sock is not None:
                try:
                    self.unsubscribe()
                except (GalleyError, GalleyConnectionError):
                    pass

    @_api("sync.unsubscribe")
    def unsubscribe(self) -> Dict[str, Any]:
        """Stops ``sync.changed`` notifications on this connection and drops queued ones."""
        result = self._call("sync.unsubscribe")
        with self._lock:
            self._drop_notifications("sync.changed")
        return result

    def _drop_notifications(self, method: str) -> None:
        kept = [note for note in self._notifications if note.get("method") != method]
        self._notifications.clear()
        self._notifications.extend(kept)

    def _next_notification(self, method: str, timeout: Optional[float]) -> Optional[Dict[str, Any]]:
        """The next queued or arriving notification named ``method``; None after ``timeout``."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            while True:
                for index, note in enumerate(self._notifications):
                    if note.get("method") == method:
                        del self._notifications[index]
                        return note
                if self._sock is None:
                    raise GalleyConnectionError("the connection is closed")
                if not self._read_message(deadline, idle_ok=True):
                    return None
