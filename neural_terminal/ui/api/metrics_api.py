"""``GET /metrics``: the Prometheus text format, when ``NEURAL_TERMINAL_METRICS`` is on.

Who may read it: a scraper sending ``Authorization: Bearer <NEURAL_TERMINAL_METRICS_TOKEN>``
(the access gate lets that one request through without a cookie), local mode's owner, or an
admin's session in hosted mode. Everyone else gets 403.
"""

from __future__ import annotations

import hmac

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from neural_terminal.bootstrap import services
from neural_terminal.domain.viewer import VIEWER_HEADER, Viewer

METRICS_PATH = "/metrics"


def bearer_matches(header: str | None, token: str | None) -> bool:
    """True when an ``Authorization`` header carries exactly ``token`` (constant time)."""
    if not token or not header or not header.startswith("Bearer "):
        return False
    return hmac.compare_digest(header.removeprefix("Bearer ").encode(), token.encode())


async def metrics(request: Request) -> Response:
    """Every metric, for a scraper with the token or an operator signed in."""
    app = services()
    if not await run_in_threadpool(_may_read, request):
        return PlainTextResponse("Metrics are for an admin or the metrics token.", 403)
    return Response(app.recorder.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)


def _may_read(request: Request) -> bool:
    app = services()
    if bearer_matches(request.headers.get("authorization"), app.settings.metrics_token):
        return True
    viewer = Viewer.from_header(request.headers.get(VIEWER_HEADER))
    if viewer is None:
        return False
    if viewer.user_id is None:
        return True  # local mode: the one person behind the token runs the server
    return app.accounts.users.is_admin(viewer.user_id)


routes = [Route(METRICS_PATH, metrics, methods=["GET"])]
