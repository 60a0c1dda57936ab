"""Reflex configuration. Environment variables with the REFLEX_ prefix override any field."""

import os

import reflex as rx
from reflex.plugins.sitemap import SitemapPlugin

from neural_terminal.settings import load_settings, websocket_frame_limit

# The socket must carry the largest message we accept, and more, so that a too-long one is
# refused in words (composer and server) instead of dropping the connection.
os.environ.setdefault(
    "REFLEX_SOCKET_MAX_HTTP_BUFFER_SIZE",
    str(websocket_frame_limit(load_settings().max_message_chars)),
)

config = rx.Config(
    app_name="neural_terminal",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(appearance="dark", accent_color="green", radius="none")
        )
    ],
    disable_plugins=[SitemapPlugin],
    # A tab's state lives in the worker's memory (each page reloads what it shows from the
    # database), never in Reflex's default disk folder: that folder is shared by every app
    # started in this directory, written on every state change, and a restart found the
    # last run's streaming reply in it. Several workers share states through Redis.
    state_manager_mode=(
        rx.constants.StateManagerMode.REDIS
        if os.environ.get("REFLEX_REDIS_URL")
        else rx.constants.StateManagerMode.MEMORY
    ),
    # Never "*" (Reflex's default): the launcher sets the server's own origins through
    # REFLEX_CORS_ALLOWED_ORIGINS; this covers `reflex run` on its default ports.
    cors_allowed_origins=(
        "http://localhost:3000",
        "http://127.0.0.1:3000",
        "http://localhost:8000",
        "http://127.0.0.1:8000",
    ),
)
