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
    # Never "*" (Reflex's default): the launcher sets the server's own origins through
    # REFLEX_CORS_ALLOWED_ORIGINS; this covers `reflex run` on its default ports.
    cors_allowed_origins=(
        "http://localhost:3000",
        "http://127.0.0.1:3000",
        "http://localhost:8000",
        "http://127.0.0.1:8000",
    ),
)
