"""``GET /api/export/...``: downloads of the viewer's own conversations.

``/api/export/<id>.json`` (our JSON, the whole tree), ``/api/export/<id>.md`` (the branch on
show; ``?branches=all`` every branch), ``/api/export/library.zip`` (every conversation but
the trash). Another's conversation answers 404, like a missing one.
"""

from __future__ import annotations

import re

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from neural_terminal.bootstrap import services
from neural_terminal.domain.errors import ConversationNotFound, NotSignedIn
from neural_terminal.domain.viewer import VIEWER_HEADER, Viewer

TYPES = {"json": "application/json", "md": "text/markdown; charset=utf-8"}


def _viewer(request: Request) -> Viewer | None:
    return Viewer.from_header(request.headers.get(VIEWER_HEADER))


def _download(body: bytes, filename: str, media_type: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60] or "conversation"


async def conversation(request: Request) -> Response:
    """One conversation as JSON or Markdown."""
    viewer = _viewer(request)
    if viewer is None:
        return JSONResponse({"error": NotSignedIn().user_message}, status_code=401)
    conversation_id = int(request.path_params["conversation_id"])
    kind = str(request.path_params["kind"])
    if kind not in TYPES:
        return JSONResponse({"error": "export as .json or .md"}, status_code=404)
    exporter = services().exporter
    try:
        info = await run_in_threadpool(services().access.conversation, viewer, conversation_id)
        if kind == "json":
            body = await run_in_threadpool(exporter.conversation_json, viewer, conversation_id)
        else:
            every = request.query_params.get("branches") == "all"
            text = await run_in_threadpool(
                lambda: exporter.conversation_markdown(viewer, conversation_id, all_branches=every)
            )
            body = text.encode()
    except ConversationNotFound:
        return JSONResponse({"error": "no such conversation"}, status_code=404)
    return _download(body, f"{_slug(info.title)}.{kind}", TYPES[kind])


async def library(request: Request) -> Response:
    """Every conversation of the viewer (but the trash), zipped JSON."""
    viewer = _viewer(request)
    if viewer is None:
        return JSONResponse({"error": NotSignedIn().user_message}, status_code=401)
    body = await run_in_threadpool(services().exporter.library_zip, viewer)
    return _download(body, "neural-terminal-library.zip", "application/zip")


routes = [
    Route("/api/export/library.zip", library, methods=["GET"]),
    Route("/api/export/{conversation_id:int}.{kind:str}", conversation, methods=["GET"]),
]
