"""The Reflex app: the page, our routes, the simulator under /sim, the access gate, and the
services' lifespan."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import reflex as rx
from reflex.utils.exec import get_frontend_mount
from reflex.utils.prerequisites import get_web_dir
from reflex_base import constants
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount
from starlette.types import ASGIApp

from neural_terminal import bootstrap
from neural_terminal.domain.errors import NeuralTerminalError
from neural_terminal.security import (
    AccessGate,
    Admission,
    LocalUnlock,
    SessionAdmission,
    access_policy,
    content_security_policy,
    inline_script_hashes,
    local_secret,
    security_headers,
)
from neural_terminal.security.login import LoginRoutes
from neural_terminal.security.refusals import RefusalLog
from neural_terminal.settings import Settings, load_settings
from neural_terminal.simulator.app import create_simulator_app
from neural_terminal.tokens.counter import scheme_for
from neural_terminal.tokens.encodings import get_encoding
from neural_terminal.ui.admin.admin_page import admin
from neural_terminal.ui.admin.admin_state import AdminState
from neural_terminal.ui.api import (
    export_api,
    metrics_api,
    preflight_api,
    replies_api,
    session_api,
    telemetry_api,
)
from neural_terminal.ui.chat.live.tab_sockets import reconnect_pages_here
from neural_terminal.ui.chat.page import index
from neural_terminal.ui.chat.state import ChatState
from neural_terminal.ui.lost_states import LostStateGuard
from neural_terminal.ui.telemetry.credit import CreditState
from neural_terminal.ui.telemetry.page import telemetry
from neural_terminal.ui.telemetry.state import TelemetryState

logger = logging.getLogger(__name__)


def _with_our_routes(reflex_asgi: ASGIApp) -> ASGIApp:
    """Our small API beside Reflex, the simulator under /sim when it is the upstream, and the
    access gate in front of all of it (built at server start).

    Started by ``neural_terminal.launch``, Reflex runs backend-only and the built site is
    mounted here, after Reflex's own routes, the way ``reflex run --env prod`` mounts it.
    """
    settings = load_settings(backend_url=bootstrap.own_backend_url())
    if settings.serve_frontend and isinstance(reflex_asgi, Starlette):
        reflex_asgi.routes.append(get_frontend_mount())
    routes: list[BaseRoute] = [*replies_api.routes, *preflight_api.routes, *export_api.routes]
    routes.extend(telemetry_api.routes)
    routes.extend(session_api.routes)
    if settings.metrics_enabled:
        routes.extend(metrics_api.routes)
        bootstrap.services().recorder.metrics.live.websocket_clients = _websocket_clients
    if settings.auth == "accounts":
        accounts = bootstrap.services().accounts
        login = LoginRoutes(accounts.authenticator, accounts.sessions, _session_cookie())
        routes.extend(login.routes())
    if settings.uses_simulator:
        simulator = create_simulator_app(
            tokens_per_second=settings.simulator_tokens_per_second,
            tiktoken_cache_dir=settings.tiktoken_cache_dir,
            key_limit_usd=settings.sim_key_limit_usd,
        )
        routes.append(Mount("/sim", app=simulator))
    routes.append(Mount("", app=reflex_asgi))
    return _gated(Starlette(routes=routes), settings)


def _gated(inner: ASGIApp, settings: Settings) -> AccessGate:
    """Only the app's own, unlocked pages get through (README: Security)."""
    ports = bootstrap.own_ports()
    policy = access_policy(settings, ports=ports)
    site = get_web_dir() / constants.Dirs.STATIC
    hashes = inline_script_hashes(site) if settings.serve_frontend else ()
    csp = content_security_policy(script_hashes=hashes, connect_sources=policy.connect_sources())
    refusals = RefusalLog()
    return AccessGate(
        inner,
        policy=policy,
        admission=_admission(settings, refusals),
        refusals=refusals,
        headers=security_headers(csp),
        open_prefixes=("/sim/",) if settings.uses_simulator else (),
        bearer_paths=_bearer_paths(settings),
    )


def _bearer_paths(settings: Settings) -> dict[str, str]:
    """A scraper reaches /metrics with its bearer token, no cookie (when both are set)."""
    if settings.metrics_enabled and settings.metrics_token:
        return {metrics_api.METRICS_PATH: settings.metrics_token}
    return {}


def _admission(settings: Settings, refusals: RefusalLog) -> Admission:
    """Hosted mode's sessions, or local mode's per-install token."""
    if settings.auth == "accounts":
        return SessionAdmission(bootstrap.services().accounts.sessions, _session_cookie())
    return LocalUnlock(
        secret=local_secret.install_secret(settings),
        cookie=local_secret.cookie_name(bootstrap.own_ports()[0]),
        token_file=settings.token_file,
        refusals=refusals,
    )


def _websocket_clients() -> int:
    """Browsers whose websocket this process holds (the metrics' gauge)."""
    namespace = app.event_namespace
    return len(namespace.sid_to_token) if namespace is not None else 0


def _session_cookie() -> str:
    return f"nt_session_{bootstrap.own_ports()[0]}"


@asynccontextmanager
async def _services_lifespan() -> AsyncIterator[None]:
    app_services = bootstrap.services()
    # This worker's lease first: it counts as alive before it streams anything. Then the
    # replies and reservations of workers that are gone (a crash, the last start) are given
    # up, before the first page is served; with other workers, again every second or so.
    await app_services.sharing.start(
        on_stop=app_services.chat.stop_here, on_redis_restart=reconnect_pages_here
    )
    await app_services.sweeper.sweep_logged()
    sweeping = asyncio.create_task(app_services.sweeper.run())
    # Prices are refreshed on start; estimated costs are reconciled once the upstream answers.
    background = asyncio.create_task(_start_up_economics(app_services))
    # The default model's encoding loads now (about a second, in a thread), not inside the
    # first sends; another (each is some 50 MB) loads when a model first needs it.
    encoding = scheme_for(app_services.settings.model).encoding
    warm = asyncio.create_task(asyncio.to_thread(get_encoding, encoding))
    yield
    # A stop (SIGTERM: a rolling restart): the sockets are closed by now, so pages have moved
    # to another worker; replies in flight get the grace period to finish.
    cut = await app_services.chat.drain(app_services.settings.shutdown_grace_s)
    if cut:
        logger.warning(
            "stopping: %d replies cut after the grace period (Continue completes them)", cut
        )
    for task in (sweeping, background, warm):
        task.cancel()
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
    stylesheets=["/terminal.css", "/keys.css", "/models.css"],
    api_transformer=_with_our_routes,
)
app.register_lifespan_task(_services_lifespan)
app.add_middleware(LostStateGuard(), index=0)  # before Reflex's own hydration
app.add_page(
    index, route="/", title="Neural Terminal", on_load=[ChatState.load_page, CreditState.refresh]
)
app.add_page(admin, route="/admin", title="Neural Terminal: admin", on_load=AdminState.load)
app.add_page(
    telemetry,
    route="/telemetry",
    title="Neural Terminal: telemetry",
    on_load=[TelemetryState.load, CreditState.refresh],
)
