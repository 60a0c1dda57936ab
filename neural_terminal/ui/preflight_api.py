"""``POST /api/preflight``: what sending the draft now would cost, for the composer.

The page calls it debounced while the user types (assets/terminal.js), so a draft crosses the
wire once per pause, not once per keystroke over the websocket. Only for the viewer's own
conversation (another's answers like a missing one).
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from neural_terminal.bootstrap import services
from neural_terminal.chat.turns.turn import TurnRequest
from neural_terminal.domain.errors import NeuralTerminalError, NotSignedIn
from neural_terminal.domain.viewer import VIEWER_HEADER, Viewer
from neural_terminal.ui.budget_view import preflight_text

MAX_DRAFT_CHARS = 1_000_000


def _answer(viewer: Viewer, conversation_id: int, model: str, text: str) -> dict[str, object]:
    request = TurnRequest.send(
        conversation_id or None,
        text,
        model=model or services().settings.model,
        viewer=viewer,
    )
    try:
        preview = services().chat.preview(request)
    except NeuralTerminalError as exc:
        return {"estimate": "", "refused": exc.user_message}
    return {"estimate": preflight_text(preview.estimate), "refused": preview.refused}


async def preflight(request: Request) -> JSONResponse:
    """``{"estimate": "≈ $0.0009 to send (…)", "refused": null | "Not sent: …"}``."""
    try:
        body = await request.json()
        conversation_id = int(body.get("conversation_id") or 0)
        model = str(body.get("model") or "")
        text = str(body.get("text") or "")[:MAX_DRAFT_CHARS]
    except (ValueError, TypeError, AttributeError):
        return JSONResponse({"error": "expected conversation_id, model and text"}, 400)
    viewer = Viewer.from_header(request.headers.get(VIEWER_HEADER))
    if viewer is None:
        return JSONResponse({"error": NotSignedIn().user_message}, 401)
    # Counting a long draft takes milliseconds: off the event loop that streams replies.
    answer = await run_in_threadpool(_answer, viewer, conversation_id, model, text)
    return JSONResponse(answer, headers={"Cache-Control": "no-store"})


routes = [Route("/api/preflight", preflight, methods=["POST"])]
