"""The Reflex app: the page, the simulator under /sim, and the services' lifespan."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import reflex as rx
from reflex.utils.exec import get_frontend_mount
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.types import ASGIApp

from neural_terminal import bootstrap
from neural_terminal.domain.errors import NeuralTerminalError
from neural_terminal.settings import load_settings
from neural_terminal.simulator.app import create_simulator_app
from neural_terminal.ui import preflight_api, replies_api
from neural_terminal.ui.page import index
from neural_terminal.ui.state import ChatState

logger = logging.getLogger(__name__)


def _with_our_routes(reflex_asgi: ASGIApp) -> ASGIApp:
    """Serve the simulator under /sim and our small API beside Reflex (built at server start).

    Started by ``neural_terminal.launch``, Reflex runs backend-only and the built site is
    mounted here, after Reflex's own routes, the way ``reflex run --env prod`` mounts it.
    """
    settings = load_settings()
    if settings.serve_frontend and isinstance(reflex_asgi, Starlette):
        reflex_asgi.routes.append(get_frontend_mount())
    simulator = create_simulator_app(
        tokens_per_second=settings.simulator_tokens_per_second,
        tiktoken_cache_dir=settings.tiktoken_cache_dir,
    )
    return Starlette(
        routes=[
            *replies_api.routes,
            *preflight_api.routes,
            Mount("/sim", app=simulator),
            Mount("", app=reflex_asgi),
        ]
    )


@asynccontextmanager
async def _services_lifespan() -> AsyncIterator[None]:
    app_services = bootstrap.services()
    # Prices are refreshed on start; estimated costs are reconciled once the upstream answers.
    background = asyncio.create_task(_start_up_economics(app_services))
    yield
    background.cancel()
    await bootstrap.shutdown()


async def _start_up_economics(app_services: bootstrap.Services) -> None:
    try:
        await app_services.catalogue.models(refresh=True)
        reconciled = await app_services.reconciler.reconcile_all()
    except NeuralTerminalError as exc:
        logger.info("prices not refreshed on start: %s", exc)
        return
    if reconciled:
        logger.info("reconciled %d estimated costs with the upstream's records", reconciled)


app = rx.App(
    stylesheets=["/terminal.css"],
    api_transformer=_with_our_routes,
)
app.register_lifespan_task(_services_lifespan)
app.add_page(index, route="/", title="Neural Terminal", on_load=ChatState.load_page)
