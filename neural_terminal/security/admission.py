"""How a request proves who it is, once the gate has found it comes from the app's own pages.

Local mode: the browser holds the cookie derived from the per-install secret (local_secret.py).
Hosted mode: the browser holds a signed-in session's token (accounts/sessions.py), checked
again for every websocket message, so a logout or an expiry ends an open socket too.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qsl, quote, urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from neural_terminal.accounts.sessions import Sessions
from neural_terminal.domain.viewer import LOCAL_OWNER, Viewer
from neural_terminal.security import local_secret
from neural_terminal.security.pages import locked_page
from neural_terminal.security.refusals import RefusalLog

COOKIE_MAX_AGE_S = 400 * 24 * 3600  # browsers cap cookie lifetimes at 400 days
LOGIN_PATH = "/login"


class Admission(Protocol):
    """One way of letting requests in."""

    @property
    def open_paths(self) -> tuple[str, ...]:
        """Paths served without admission (the way in itself)."""
        ...

    @property
    def rechecks_sockets(self) -> bool:
        """True when every websocket message must be admitted again."""
        ...

    async def admit(self, connection: HTTPConnection) -> Viewer | None:
        """Who is behind the request, or None when it is not let in."""
        ...

    def refuse(self, connection: HTTPConnection) -> Response:
        """The answer to a request that is not let in (or the way in: a token exchange)."""
        ...


@dataclass(frozen=True)
class LocalUnlock:
    """Local mode: the per-install secret, shown once as ``?token=``, then held as a cookie."""

    secret: str
    cookie: str
    token_file: Path
    refusals: RefusalLog

    open_paths: tuple[str, ...] = ()
    rechecks_sockets: bool = False

    async def admit(self, connection: HTTPConnection) -> Viewer | None:
        """The one local owner, when the request carries this server's cookie."""
        held = connection.cookies.get(self.cookie, "")
        expected = local_secret.cookie_value(self.secret)
        return LOCAL_OWNER if held and local_secret.matches(held, expected) else None

    def refuse(self, connection: HTTPConnection) -> Response:
        """The token exchange, the explanation page, or a 401."""
        token = connection.query_params.get("token")
        navigating = _is_get(connection)
        if navigating and token is not None:
            if local_secret.matches(token, self.secret):
                return self._unlocked_redirect(connection)
            self.refusals.refused("a wrong token", _client(connection), connection.url.path)
            headline = "That token is not this server's (it may have been made anew)."
        else:
            headline = "This browser has not been let in yet."
        if navigating and _wants_html(connection):
            page = locked_page(headline=headline, token_file=str(self.token_file))
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
            self.cookie,
            local_secret.cookie_value(self.secret),
            max_age=COOKIE_MAX_AGE_S,
            path="/",
            httponly=True,
            samesite="strict",
            secure=connection.url.scheme == "https",
        )
        return response


@dataclass(frozen=True)
class SessionAdmission:
    """Hosted mode: a signed-in session's token in a cookie; anything else goes to /login."""

    sessions: Sessions
    cookie: str

    open_paths: tuple[str, ...] = (LOGIN_PATH, "/logout")
    rechecks_sockets: bool = True

    async def admit(self, connection: HTTPConnection) -> Viewer | None:
        """The session's user, while the session is live and the user enabled."""
        token = connection.cookies.get(self.cookie, "")
        if not token:
            return None
        user = await run_in_threadpool(self.sessions.resolve, token)
        return Viewer(user.id) if user is not None else None

    def refuse(self, connection: HTTPConnection) -> Response:
        """Pages go to the login page (and come back after it); the rest get a 401."""
        if _is_get(connection) and _wants_html(connection):
            back = quote(
                connection.url.path + (f"?{connection.url.query}" if connection.url.query else "")
            )
            return RedirectResponse(f"{LOGIN_PATH}?next={back}", 303)
        return PlainTextResponse("Sign in first: open the app's page and log in.", 401)


def _is_get(connection: HTTPConnection) -> bool:
    return connection.scope["type"] == "http" and str(connection.scope["method"]) == "GET"


def _wants_html(connection: HTTPConnection) -> bool:
    return "text/html" in connection.headers.get("accept", "")


def _client(connection: HTTPConnection) -> str:
    return connection.client.host if connection.client else "unknown client"
