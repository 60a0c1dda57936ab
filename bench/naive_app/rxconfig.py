"""The naive recipe's app (bench/naive_app/naive_app/naive_app.py), run by bench/stream.py."""

import reflex as rx
from reflex.plugins.sitemap import SitemapPlugin

config = rx.Config(
    app_name="naive_app",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    disable_plugins=[SitemapPlugin],
)
