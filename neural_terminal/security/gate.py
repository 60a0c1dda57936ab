"""The access gate: an ASGI middleware in front of every route, Reflex's websocket included.

In order, for each request: the ``Host`` must name this server (DNS rebinding), the
``Origin`` when present must be one of the app's own (and a websocket must send one), a
request without ``Origin`` must not come from another site's page (``Sec-Fetch-Site``), and
then the admission (admission.py) must let it in: local mode's token cookie, or hosted
mode's session (or, on a path given a bearer token, such as ``/metrics`` for a scraper,
``Authorization: Bearer <token>``). ``/ping``, ``/_health`` and the built-in simulator need
no admission: they hold no user data and spend nothing. The app behind learns who was let
in from one header the gate sets (and strips from what clients send). Every HTTP response
gets the security headers (headers.py).
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping, Sequence

from starlette.requests import HTTPConnection
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from neural_terminal.domain.viewer import VIEWER_HEADER, Viewer
from neural_terminal.security.admission import Admission
from neural_terminal.security.policy import AccessPolicy
from neural_terminal.security.refusals import RefusalLog

OPEN_PATHS = ("/ping", "/_health")
VIEWER_KEY = VIEWER_HEADER.encode()
# RFC 6455 leaves 4000-4999 to applications: 4403 reads as "forbidden", 4401 "signed out".
WEBSOCKET_REFUSED = 4403
WEBSOCKET_SIGNED_OUT = 4401


class AccessGate:
    """Refuses every request that is not from the app's own pages and let in."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        policy: AccessPolicy,
        admission: Admission,
        headers: Sequence[tuple[bytes, bytes]],
        open_prefixes: Sequence[str] = (),
        refusals: RefusalLog | None = None,
        bearer_paths: Mapping[str, str] | None = None,
    ) -> None:
        self._app = app
        self._policy = policy
        self._admission = admission
        self._headers = list(headers)
        # Exact paths (a prefix would also open "/login-anything"), and whole folders.
        self._open_paths = frozenset((*OPEN_PATHS, *admission.open_paths))
        self._open_prefixes = tuple(open_prefixes)
        self._refusals = refusals or RefusalLog()
        # Exact paths a request may also reach with a bearer token instead of a cookie.
        self._bearer_paths = {path: token for path, token in (bearer_paths or {}).items() if token}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self._app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        refusal = self._refusal(connection)
        if refusal is not None:
            reason, source = refusal
            self._refusals.refused(reason, source, connection.url.path)
            await self._deny(scope, receive, send, PlainTextResponse(f"Refused: {reason}.", 403))
            return
        viewer: Viewer | None = None
        path = connection.url.path
        opened = path in self._open_paths or path.startswith(self._open_prefixes)
        if not opened and not self._bears_token(connection, path):
            viewer = await self._admission.admit(connection)
            if viewer is None:
                await self._deny(scope, receive, send, self._admission.refuse(connection))
                return
        scope = _with_viewer(scope, viewer)
        if scope["type"] == "http":
            send = self._with_headers(send)
        elif viewer is not None and self._admission.rechecks_sockets:
            receive = self._rechecking(HTTPConnection(scope), receive, send)
        await self._app(scope, receive, send)

    def _bears_token(self, connection: HTTPConnection, path: str) -> bool:
        """True for a plain request to a bearer path that carries its token."""
        token = self._bearer_paths.get(path)
        header = connection.headers.get("authorization", "")
        if token is None or connection.scope["type"] != "http" or not header.startswith("Bearer "):
            return False
        return hmac.compare_digest(header.removeprefix("Bearer ").encode(), token.encode())

    def _refusal(self, connection: HTTPConnection) -> tuple[str, str] | None:
        """``(reason, source)`` when the request is not from the app's own pages, else None."""
        headers = connection.headers
        host = headers.get("host", "")
        if not self._policy.allows_host(host):
            return "the Host header does not name this server (DNS rebinding?)", host or "no Host"
        origin = headers.get("origin")
        site = headers.get("sec-fetch-site", "")
        if origin is not None:
            # Under Referrer-Policy: no-referrer a browser sends "Origin: null" with the app's
            # own form posts (login, logout); Sec-Fetch-Site, which no page can set, tells.
            own_form = origin == "null" and site == "same-origin"
            if not own_form and not self._policy.allows_origin(origin):
                return "another site's page (its Origin is not this app's)", origin
            return None
        if connection.scope["type"] == "websocket":
            return "a websocket without an Origin header", _client(connection)
        if site in ("cross-site", "same-site") and headers.get("sec-fetch-mode") != "navigate":
            return f"a request from another site's page (Sec-Fetch-Site: {site})", site
        return None

    def _rechecking(self, connection: HTTPConnection, receive: Receive, send: Send) -> Receive:
        """Every message on the socket is admitted again; a lost session closes it."""

        async def receive_admitted() -> Message:
            message = await receive()
            admitted = message["type"] != "websocket.receive" or (
                await self._admission.admit(connection) is not None
            )
            if not admitted:
                await send({"type": "websocket.close", "code": WEBSOCKET_SIGNED_OUT})
                return {"type": "websocket.disconnect", "code": WEBSOCKET_SIGNED_OUT}
            return message

        return receive_admitted

    async def _deny(self, scope: Scope, receive: Receive, send: Send, response: Response) -> None:
        if scope["type"] == "websocket":
            await receive()  # websocket.connect; closing before accepting answers 403
            await send({"type": "websocket.close", "code": WEBSOCKET_REFUSED})
            return
        await response(scope, receive, self._with_headers(send))

    def _with_headers(self, send: Send) -> Send:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower(): value for name, value in headers}
                extra = [(n, v) for n, v in self._headers if n not in present]
                # A page is asked for again every time (a 304 when unchanged), so a browser
                # that logged out never gets it from its cache past the gate.
                is_page = present.get(b"content-type", b"").startswith(b"text/html")
                if is_page and b"cache-control" not in present:
                    extra.append((b"cache-control", b"no-cache"))
                message = {**message, "headers": [*headers, *extra]}
            await send(message)

        return send_with_headers


def _with_viewer(scope: Scope, viewer: Viewer | None) -> Scope:
    """The scope with the gate's own viewer header, and never a client's."""
    headers = [(name, value) for name, value in scope["headers"] if name.lower() != VIEWER_KEY]
    if viewer is not None:
        headers.append((VIEWER_KEY, viewer.to_header().encode()))
    return {**scope, "headers": headers}


def _client(connection: HTTPConnection) -> str:
    return connection.client.host if connection.client else "unknown client"
