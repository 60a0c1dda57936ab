"""The Reflex app: the page, the simulator under /sim, and the services' lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import reflex as rx
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.types import ASGIApp

from neural_terminal import bootstrap
from neural_terminal.settings import load_settings
from neural_terminal.simulator.app import create_simulator_app
from neural_terminal.ui import replies_api
from neural_terminal.ui.page import index
from neural_terminal.ui.state import ChatState


def _with_our_routes(reflex_asgi: ASGIApp) -> ASGIApp:
    """Serve the simulator under /sim and our small API beside Reflex (built at server start)."""
    settings = load_settings()
    simulator = create_simulator_app(
        tokens_per_second=settings.simulator_tokens_per_second,
        tiktoken_cache_dir=settings.tiktoken_cache_dir,
    )
    return Starlette(
        routes=[*replies_api.routes, Mount("/sim", app=simulator), Mount("", app=reflex_asgi)]
    )


@asynccontextmanager
async def _services_lifespan() -> AsyncIterator[None]:
    bootstrap.services()
    yield
    await bootstrap.shutdown()


app = rx.App(
    stylesheets=["/terminal.css"],
    api_transformer=_with_our_routes,
)
app.register_lifespan_task(_services_lifespan)
app.add_page(index, route="/", title="Neural Terminal", on_load=ChatState.load_page)
