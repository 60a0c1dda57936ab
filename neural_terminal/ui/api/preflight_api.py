"""``POST /api/preflight``: what sending the draft now would cost, for the composer.

The page calls it debounced while the user types (assets/terminal.js), so a draft crosses the
wire once per pause, not once per keystroke over the websocket. Only for the viewer's own
conversation (another's answers like a missing one).
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from neural_terminal.bootstrap import services
from neural_terminal.chat.turns.turn import TurnKind, TurnRequest
from neural_terminal.domain.errors import NeuralTerminalError, NotSignedIn
from neural_terminal.domain.viewer import VIEWER_HEADER, Viewer
from neural_terminal.ui.budget.budget_view import preflight_text

MAX_DRAFT_CHARS = 1_000_000


@dataclass(frozen=True)
class Draft:
    """What the composer holds, and where sending it would go."""

    conversation_id: int
    parent_id: int
    edit_of: int
    model: str
    text: str


def _answer(viewer: Viewer, draft: Draft) -> dict[str, object]:
    if draft.edit_of:  # a new branch beside the edited message: priced on its own path
        request = TurnRequest(
            TurnKind.EDIT, text=draft.text, target_id=draft.edit_of, viewer=viewer
        )
    else:
        request = TurnRequest.send(
            draft.conversation_id or None,
            draft.text,
            parent_id=draft.parent_id or None,
            model=draft.model or services().settings.model,
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
        draft = Draft(
            conversation_id=int(body.get("conversation_id") or 0),
            parent_id=int(body.get("parent_id") or 0),
            edit_of=int(body.get("edit_of") or 0),
            model=str(body.get("model") or ""),
            text=str(body.get("text") or "")[:MAX_DRAFT_CHARS],
        )
    except (ValueError, TypeError, AttributeError):
        return JSONResponse({"error": "expected conversation_id, model and text"}, 400)
    viewer = Viewer.from_header(request.headers.get(VIEWER_HEADER))
    if viewer is None:
        return JSONResponse({"error": NotSignedIn().user_message}, 401)
    # Counting a long draft takes milliseconds: off the event loop that streams replies.
    answer = await run_in_threadpool(_answer, viewer, draft)
    return JSONResponse(answer, headers={"Cache-Control": "no-store"})


routes = [Route("/api/preflight", preflight, methods=["POST"])]
