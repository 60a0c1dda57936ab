"""The one page served without the secret: what to open instead (local mode)."""

from __future__ import annotations

from html import escape

LOCKED_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Neural Terminal: locked</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ background: #050805; color: #39ff7a; font: 15px/1.6 ui-monospace, monospace;
  margin: 0; padding: 10vh 8vw; }}
h1 {{ font-size: 18px; }} code {{ color: #c8ffd8; }} p {{ max-width: 70ch; }}
.why {{ color: #7fbf90; }}
</style></head>
<body><main>
<h1>&gt; Neural Terminal is locked to the browser you unlock it in</h1>
<p>{headline}</p>
<p>Open the address that <code>make run</code> printed when it started: it ends in
<code>/?token=&hellip;</code>. Opening it once lets this browser in (a cookie), and the token
leaves the address bar.</p>
<p>Lost it? <code>make url</code> prints it again (the token is kept in
<code>{token_file}</code>, readable only by you).</p>
<p class="why">Why: any web page you visit can send requests to a server on this machine.
The token keeps them, and other users of this machine, out of your conversations and
your API key.</p>
</main></body></html>
"""


def locked_page(*, headline: str, token_file: str) -> str:
    """The explanation shown to a browser that has not shown the secret."""
    return LOCKED_PAGE.format(
        headline=escape(headline, quote=False), token_file=escape(token_file, quote=False)
    )
