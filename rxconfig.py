"""Reflex configuration. Environment variables with the REFLEX_ prefix override any field."""

import reflex as rx
from reflex.plugins.sitemap import SitemapPlugin

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
)
