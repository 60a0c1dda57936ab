"""The pages served before anyone is let in: local mode's "what to open", hosted mode's login.

Plain HTML from the server, no script: they work under the strictest policy.
"""

from __future__ import annotations

from html import escape

STYLE = """<style>
body { background: #050805; color: #33ff66; font: 15px/1.6 ui-monospace, monospace;
  margin: 0; padding: 10vh 8vw; }
h1 { font-size: 18px; } code { color: #c8ffd8; } p { max-width: 70ch; }
.why { color: #1fa344; } .error { color: #ffb000; }
label { display: block; margin-top: 12px; }
input { background: #0a100a; color: #33ff66; border: 1px solid #1d3a1d; font: inherit;
  padding: 6px 8px; width: min(40ch, 90%); }
input:focus { outline: 2px solid #33ff66; }
button { margin-top: 16px; background: #0a100a; color: #33ff66; border: 1px solid #33ff66;
  font: inherit; padding: 6px 16px; cursor: pointer; }
</style>"""

HEAD = (
    """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Neural Terminal: {title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
"""
    + STYLE.replace("{", "{{").replace("}", "}}")
    + "</head>"
)

LOCKED_PAGE = (
    HEAD.replace("{title}", "locked")
    + """
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
)


def locked_page(*, headline: str, token_file: str) -> str:
    """The explanation shown to a browser that has not shown the secret."""
    return LOCKED_PAGE.format(
        headline=escape(headline, quote=False), token_file=escape(token_file, quote=False)
    )


LOGIN_PAGE = (
    HEAD.replace("{title}", "log in")
    + """
<body><main>
<h1>&gt; Neural Terminal: log in</h1>
<p class="error" id="login-error">{error}</p>
<form method="post" action="/login">
<input type="hidden" name="next" value="{next}">
<label for="username">user</label>
<input id="username" name="username" autocomplete="username" required autofocus value="{username}">
<label for="password">password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<div><button type="submit" id="login">log in</button></div>
</form>
<p class="why">Accounts are made by the operator:
<code>python -m neural_terminal users add NAME</code>.</p>
</main></body></html>
"""
)


def login_page(*, error: str = "", next_path: str = "/", username: str = "") -> str:
    """The login form, with the last refusal's words when there was one."""
    return LOGIN_PAGE.format(
        error=escape(error, quote=False),
        next=escape(next_path),
        username=escape(username),
    )
