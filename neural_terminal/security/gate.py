"""The access gate: an ASGI middleware in front of every route, Reflex's websocket included.

In order, for each request: the ``Host`` must name this server (DNS rebinding), the
``Origin`` when present must be one of the app's own (and a websocket must send one), a
request without ``Origin`` must not come from another site's page (``Sec-Fetch-Site``), and
then the browser must hold local mode's cookie (local_secret.py). ``/ping``, ``/_health``
and the built-in simulator need no cookie: they hold no user data and spend nothing.
Every HTTP response gets the security headers (headers.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from starlette.requests import HTTPConnection
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from neural_terminal.security import local_secret
from neural_terminal.security.pages import locked_page
from neural_terminal.security.policy import AccessPolicy
from neural_terminal.security.refusals import RefusalLog

OPEN_PATHS = ("/ping", "/_health")
COOKIE_MAX_AGE_S = 400 * 24 * 3600  # browsers cap cookie lifetimes at 400 days
# RFC 6455 leaves 4000-4999 to applications; 4403 reads as "forbidden".
WEBSOCKET_REFUSED = 4403


@dataclass(frozen=True)
class LocalUnlock:
    """Local mode's check: the browser holds the cookie derived from the per-install secret."""

    secret: str
    cookie: str
    token_file: Path

    def is_unlocked(self, connection: HTTPConnection) -> bool:
        """True when the request carries this server's cookie."""
        held = connection.cookies.get(self.cookie, "")
        return bool(held) and local_secret.matches(held, local_secret.cookie_value(self.secret))

    def accepts(self, token: str) -> bool:
        """True for the per-install secret itself (from the printed URL)."""
        return local_secret.matches(token, self.secret)


class AccessGate:
    """Refuses every request that is not from the app's own, unlocked pages."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        policy: AccessPolicy,
        unlock: LocalUnlock,
        headers: Sequence[tuple[bytes, bytes]],
        open_prefixes: Sequence[str] = (),
        refusals: RefusalLog | None = None,
    ) -> None:
        self._app = app
        self._policy = policy
        self._unlock = unlock
        self._headers = list(headers)
        self._open = (*OPEN_PATHS, *open_prefixes)
        self._refusals = refusals or RefusalLog()

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
        path = connection.url.path
        if not path.startswith(self._open) and not self._unlock.is_unlocked(connection):
            await self._deny(scope, receive, send, self._locked(connection))
            return
        await self._app(
            scope, receive, self._with_headers(send) if scope["type"] == "http" else send
        )

    def _refusal(self, connection: HTTPConnection) -> tuple[str, str] | None:
        """``(reason, source)`` when the request is not from the app's own pages, else None."""
        headers = connection.headers
        host = headers.get("host", "")
        if not self._policy.allows_host(host):
            return "the Host header does not name this server (DNS rebinding?)", host or "no Host"
        origin = headers.get("origin")
        if origin is not None:
            if not self._policy.allows_origin(origin):
                return "another site's page (its Origin is not this app's)", origin
            return None
        if connection.scope["type"] == "websocket":
            return "a websocket without an Origin header", _client(connection)
        site = headers.get("sec-fetch-site", "")
        if site in ("cross-site", "same-site") and headers.get("sec-fetch-mode") != "navigate":
            return f"a request from another site's page (Sec-Fetch-Site: {site})", site
        return None

    def _locked(self, connection: HTTPConnection) -> Response:
        """The answer without the cookie: the token exchange, the explanation, or a 401."""
        token = connection.query_params.get("token")
        navigating = connection.scope["type"] == "http" and connection.scope["method"] == "GET"
        if navigating and token is not None:
            if self._unlock.accepts(token):
                return self._unlocked_redirect(connection)
            self._refusals.refused("a wrong token", _client(connection), connection.url.path)
            headline = "That token is not this server's (it may have been made anew)."
        else:
            headline = "This browser has not been let in yet."
        if navigating and "text/html" in connection.headers.get("accept", ""):
            page = locked_page(headline=headline, token_file=str(self._unlock.token_file))
            return HTMLResponse(page, 401, headers={"Cache-Control": "no-store"})
        return PlainTextResponse(
            "Locked: open the address `make run` printed (it ends in /?token=...).", 401
        )

    def _unlocked_redirect(self, connection: HTTPConnection) -> Response:
        """Set the cookie and drop the token from the address (and so from history)."""
        rest = [(k, v) for k, v in parse_qsl(connection.url.query) if k != "token"]
        target = connection.url.path + (f"?{urlencode(rest)}" if rest else "")
        response = RedirectResponse(target, 303, headers={"Cache-Control": "no-store"})
        response.set_cookie(
            self._unlock.cookie,
            local_secret.cookie_value(self._unlock.secret),
            max_age=COOKIE_MAX_AGE_S,
            path="/",
            httponly=True,
            samesite="strict",
            secure=connection.url.scheme == "https",
        )
        return response

    async def _deny(self, scope: Scope, receive: Receive, send: Send, response: Response) -> None:
        if scope["type"] == "websocket":
            await receive()  # websocket.connect; closing before accepting answers 403
            await send({"type": "websocket.close", "code": WEBSOCKET_REFUSED})
            return
        await response(scope, receive, self._with_headers(send))

    def _with_headers(self, send: Send) -> Send:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in self._headers if n not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        return send_with_headers


def _client(connection: HTTPConnection) -> str:
    return connection.client.host if connection.client else "unknown client"
