"""``GET /api/replies/{id}``: a reply's exact text so far, for the page to resynchronise.

The page appends streamed batches itself; after a reconnect or a reload mid-reply it asks here
for the text it missed. While the reply streams in this process, or in another worker that
mirrors it through Redis, the answer is exact; after that it is what the database holds. Only
the viewer's own replies: another's answers 404, like a missing one.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from neural_terminal.bootstrap import services
from neural_terminal.chat.markdown.blocks import block_ends
from neural_terminal.domain.errors import ConversationNotFound, NotSignedIn
from neural_terminal.domain.viewer import VIEWER_HEADER, Viewer


async def reply_text(request: Request) -> JSONResponse:
    """The text, its length in code points (what the page counts offsets in), its blocks."""
    message_id = int(request.path_params["message_id"])
    viewer = Viewer.from_header(request.headers.get(VIEWER_HEADER))
    if viewer is None:
        return JSONResponse({"error": NotSignedIn().user_message}, status_code=401)
    try:
        await run_in_threadpool(services().access.message, viewer, message_id)
    except ConversationNotFound:
        return JSONResponse({"error": "no such message"}, status_code=404)
    text = await services().chat.reply_text(message_id)
    if text is None:
        return JSONResponse({"error": "no such message"}, status_code=404)
    # Where its finished markdown blocks end, as the streamed batches said (the page draws
    # those as markdown). Parsing a long reply takes milliseconds: not on the event loop.
    blocks = await run_in_threadpool(block_ends, text)
    return JSONResponse(
        {"id": message_id, "text": text, "points": len(text), "blocks": blocks},
        headers={"Cache-Control": "no-store"},
    )


routes = [Route("/api/replies/{message_id:int}", reply_text, methods=["GET"])]
