"""``GET /api/session``: 204 when the request comes from a signed-in page, else the access
gate has answered 401 already. nginx asks it before serving a page (deploy/nginx.conf.in)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


async def session(_request: Request) -> Response:
    """The gate let the request in: its session is live."""
    return Response(status_code=204, headers={"Cache-Control": "no-store"})


routes = [Route("/api/session", session, methods=["GET"])]
