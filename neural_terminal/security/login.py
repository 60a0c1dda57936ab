"""Hosted mode's ``/login`` and ``/logout``: a form, a session cookie, and its end.

The gate lets these through without a session, but still only from the app's own pages
(a login or logout posted by another site is refused by its ``Origin``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from neural_terminal.accounts.login import Authenticator
from neural_terminal.accounts.sessions import Sessions
from neural_terminal.domain.errors import InvalidInput, LoginRefused, LoginThrottled
from neural_terminal.security.admission import LOGIN_PATH
from neural_terminal.security.pages import login_page

MAX_FIELD_CHARS = 2_048
# A login form is a few hundred bytes; a bigger body is refused before it is read.
MAX_FORM_BYTES = 16_384
# A tab that changes hands starts a fresh page state (Reflex keys it by a token kept in the
# tab's storage), so nobody is ever shown what the previous user left open.
CLEAR_STORAGE = {"Clear-Site-Data": '"storage"', "Cache-Control": "no-store"}


@dataclass(frozen=True)
class LoginRoutes:
    """The login form, its submission, and logout."""

    authenticator: Authenticator
    sessions: Sessions
    cookie: str

    def routes(self) -> list[Route]:
        """The Starlette routes, for the app's route table."""
        return [
            Route(LOGIN_PATH, self.form, methods=["GET"]),
            Route(LOGIN_PATH, self.submit, methods=["POST"]),
            Route("/logout", self.logout, methods=["POST"]),
        ]

    async def form(self, request: Request) -> Response:
        """The empty form (``next``: where to go once logged in)."""
        page = login_page(next_path=_safe_next(request.query_params.get("next")))
        return HTMLResponse(page, headers={"Cache-Control": "no-store"})

    async def submit(self, request: Request) -> Response:
        """Check the password (slow on purpose: argon2id, off the event loop); set the cookie."""
        if int(request.headers.get("content-length") or 0) > MAX_FORM_BYTES:
            return self._again("That is not a login.", "/", "", 413, {})
        form = await request.form()
        username = str(form.get("username", ""))[:MAX_FIELD_CHARS]
        password = str(form.get("password", ""))[:MAX_FIELD_CHARS]
        next_path = _safe_next(str(form.get("next", "/")))
        address = request.client.host if request.client else ""
        client = f"{address} {request.headers.get('user-agent', '')}".strip()
        try:
            token, _ = await run_in_threadpool(
                self.authenticator.login, username, password, address=address, client=client
            )
        except LoginThrottled as exc:
            wait = str(math.ceil(exc.retry_after_s))
            return self._again(exc.user_message, next_path, username, 429, {"Retry-After": wait})
        except (LoginRefused, InvalidInput):
            return self._again(LoginRefused().user_message, next_path, username, 401, {})
        response = RedirectResponse(next_path, 303, headers=CLEAR_STORAGE)
        response.set_cookie(
            self.cookie,
            token,
            max_age=int(self.sessions.lifetime.total_seconds()),
            path="/",
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )
        return response

    async def logout(self, request: Request) -> Response:
        """End this browser's session (every tab's socket closes on its next message)."""
        token = request.cookies.get(self.cookie, "")
        await run_in_threadpool(self.sessions.end, token)
        response = RedirectResponse(LOGIN_PATH, 303, headers=CLEAR_STORAGE)
        response.delete_cookie(self.cookie, path="/", httponly=True, samesite="strict")
        return response

    @staticmethod
    def _again(
        error: str, next_path: str, username: str, status: int, headers: dict[str, str]
    ) -> Response:
        page = login_page(error=error, next_path=next_path, username=username)
        return HTMLResponse(page, status, headers={"Cache-Control": "no-store", **headers})


def _safe_next(raw: str | None) -> str:
    """A path on this server only: never another site (``//evil``, ``https://...``)."""
    if not raw or not raw.startswith("/") or raw.startswith("//") or "\\" in raw:
        return "/"
    return raw[:MAX_FIELD_CHARS]
