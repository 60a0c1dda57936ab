"""End to end: only the app's own, unlocked pages can use it (README: Security).

The attacker is a page on another loopback port in the same browser as the user's unlocked
app, so the browser sends the app's cookie with its requests (cookies do not isolate ports,
and the two pages are the same site): the strongest position a web page can have. A second
browser resolves a made-up name to 127.0.0.1, as DNS rebinding does. The app's upstream is a
simulator in this process that counts what reaches it.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, Playwright, expect
from starlette.types import ASGIApp, Receive, Scope, Send

from neural_terminal.simulator import running_simulator
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.e2e.server import RunningApp, running_app
from tests.e2e.test_chat import (
    USER_MESSAGES,
    choose_model,
    new_conversation,
    open_app,
    send,
    stored_messages,
    wait_reply_done,
)

COMPLETIONS = "/api/v1/chat/completions"
LIMIT = 200_000

ATTACKER_PAGE = """<!doctype html><html><body><h1>cute cats</h1>
<iframe name="sink"></iframe>
<form id="post" target="sink" method="POST" enctype="text/plain" action="{app}/api/preflight">
<input name='{{"conversation_id": 1, "model": "", "text": "' value='x"}}'></form>
</body></html>"""


class CountingUpstream:
    """ASGI middleware: counts the requests that reach the simulator, by path."""

    def __init__(self) -> None:
        self.paths: Counter[str] = Counter()
        self._app: ASGIApp | None = None

    def around(self, app: ASGIApp) -> ASGIApp:
        """Wrap the simulator app (running_simulator's ``wrap``)."""
        self._app = app
        return self

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.paths[scope["path"]] += 1
        assert self._app is not None
        await self._app(scope, receive, send)


@pytest.fixture(scope="module")
def upstream() -> Iterator[tuple[CountingUpstream, str]]:
    counting = CountingUpstream()
    with running_simulator(tokens_per_second=500.0, wrap=counting.around) as url:
        yield counting, url


@pytest.fixture(scope="module")
def app(
    tmp_path_factory: pytest.TempPathFactory, upstream: tuple[CountingUpstream, str]
) -> Iterator[RunningApp]:
    """The app, its replies from the counting simulator."""
    with running_app(
        tmp_path_factory.mktemp("security-app"), NEURAL_TERMINAL_SIMULATOR_URL=upstream[1]
    ) as running:
        yield running


@pytest.fixture(scope="module")
def attacker(app: RunningApp) -> Iterator[str]:
    """A hostile page on another loopback port; yields its URL."""
    page = ATTACKER_PAGE.format(app=app.url).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


class ServerAnswers:
    """The status the app's server answered to each request of a page, including those the
    browser then hid from the page (CORS, ORB), from Chromium's raw network events."""

    def __init__(self, page: Page) -> None:
        self._requests: dict[str, tuple[str, str]] = {}
        self._statuses: dict[str, int] = {}
        cdp = page.context.new_cdp_session(page)
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.responseReceivedExtraInfo", self._received)
        cdp.send("Network.enable")

    def _sent(self, event: dict[str, Any]) -> None:
        request = event["request"]
        self._requests[event["requestId"]] = (request["method"], request["url"])

    def _received(self, event: dict[str, Any]) -> None:
        self._statuses[event["requestId"]] = int(event["statusCode"])

    def to(self, method: str, url: str) -> list[int]:
        """The statuses of every ``method`` request to ``url`` so far, in order."""
        return [
            self._statuses[request_id]
            for request_id, sent in self._requests.items()
            if sent == (method, url) and request_id in self._statuses
        ]


def test_another_origin_can_neither_read_nor_drive_nor_spend(
    page: Page, app: RunningApp, upstream: tuple[CountingUpstream, str], attacker: str
) -> None:
    counting = upstream[0]
    open_app(page, app)
    new_conversation(page)
    send(page, "a private question [[sim:tokens=5]]")
    wait_reply_done(page)
    stored = len(stored_messages(app))
    completions = counting.paths[COMPLETIONS]
    reply_id = stored_messages(app)[-1].id

    hostile = page.context.new_page()  # the same browser: the app's cookie goes along
    hostile.goto(attacker)

    answers = ServerAnswers(hostile)
    replies_url, preflight_url = f"{app.url}/api/replies/{reply_id}", f"{app.url}/api/preflight"

    read = f"""fetch("{replies_url}", {{credentials: "include"}})
        .then(r => r.text(), e => "blocked " + e.name)"""
    assert hostile.evaluate(read) == "blocked TypeError"
    size = f"""fetch("{preflight_url}", {{method: "POST", credentials: "include",
        headers: {{"Content-Type": "text/plain"}},
        body: JSON.stringify({{conversation_id: 1, model: "", text: "x"}})}})
        .then(r => r.text(), e => "blocked " + e.name)"""
    assert hostile.evaluate(size) == "blocked TypeError"
    embed = f"""new Promise(done => {{
        const s = document.createElement("script"); s.src = "{replies_url}";
        s.onload = () => done("loaded"); s.onerror = () => done("refused");
        document.body.append(s); }})"""
    assert hostile.evaluate(embed) == "refused"
    with hostile.expect_event("framenavigated", lambda frame: frame.name == "sink"):
        hostile.evaluate("document.getElementById('post').submit()")
    socket = f"""new Promise(done => {{
        const ws = new WebSocket("ws://127.0.0.1:{app.port}/_event/?EIO=4&transport=websocket");
        ws.onopen = () => done("opened"); ws.onclose = () => done("refused"); }})"""
    assert hostile.evaluate(socket) == "refused"

    assert answers.to("GET", replies_url) == [403, 403]  # the fetch, the <script>
    assert answers.to("POST", preflight_url) == [403, 403]  # the fetch, the form
    assert len(stored_messages(app)) == stored
    assert counting.paths[COMPLETIONS] == completions
    assert f"from '{attacker.rstrip('/')}'" in app.log.read_text()
    # The app's own page still works (and, as every browser test, broke no CSP rule).
    send(page, "still mine [[sim:tokens=5]]")
    wait_reply_done(page)
    assert counting.paths[COMPLETIONS] == completions + 1


def test_a_rebound_host_name_is_refused_even_with_the_token(
    playwright: Playwright, app: RunningApp
) -> None:
    rules = "--host-resolver-rules=MAP rebind.test 127.0.0.1"
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, rules])
    try:
        page = browser.new_page()
        response = page.goto(f"http://rebind.test:{app.port}/?token={app.token}")
        assert response is not None
        assert response.status == 403
        expect(page.locator("body")).to_contain_text("Host header does not name this server")
    finally:
        browser.close()
    direct = httpx.get(
        app.url + "/api/replies/1", headers={"Host": "evil.example"}, cookies=app.cookies
    )
    assert direct.status_code == 403


def test_a_browser_without_the_token_is_told_what_to_open(page: Page, app: RunningApp) -> None:
    response = page.goto(app.url + "/")
    assert response is not None
    assert response.status == 401
    expect(page.locator("body")).to_contain_text("make run")
    assert httpx.get(app.url + "/api/replies/1").status_code == 401
    wrong = page.goto(app.url + "/?token=guessed")
    assert wrong is not None
    assert wrong.status == 401
    expect(page.locator("body")).to_contain_text("not this server's")

    open_app(page, app)

    assert page.url == app.url + "/"  # the token left the address bar
    cookie = next(c for c in page.context.cookies() if c["name"].startswith("nt_local_"))
    assert (cookie["httpOnly"], cookie["sameSite"]) == (True, "Strict")


def test_every_response_carries_the_security_headers(app: RunningApp) -> None:
    page = httpx.get(app.url + "/", cookies=app.cookies)
    policy = page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy
    assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    for response in (page, httpx.get(app.url + "/api/replies/1")):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert "access-control-allow-origin" not in response.headers


def composer_holds(page: Page, length: int) -> str:
    """Fill the composer with ``length`` characters (as a paste would) and press Enter."""
    page.evaluate(
        """n => { const c = document.getElementById("composer");
        c.value = "y".repeat(n); c.dispatchEvent(new Event("input", {bubbles: true})); }""",
        length,
    )
    page.locator("#composer").press("Enter")
    return f"{length:,} characters; the limit is {LIMIT:,}"


def test_message_sizes_get_words_not_a_dropped_socket(page: Page, app: RunningApp) -> None:
    open_app(page, app)
    new_conversation(page)
    choose_model(page, "sim/terminal-large")
    long = ("a fairly long paste " * 7_500)[:150_000]
    send(page, long + " [[sim:tokens=5]]")
    wait_reply_done(page)
    assert stored_messages(app)[-2].content == long + " [[sim:tokens=5]]"
    stored = len(stored_messages(app))

    for length in (200_001, 1_000_000):  # refused in the composer, nothing leaves the page
        words = composer_holds(page, length)
        expect(page.locator("#preflight-estimate")).to_contain_text(words)
        assert page.evaluate("document.getElementById('composer').value.length") == length
    # Past the composer's check, the server refuses in words: the socket carries the message.
    page.evaluate("document.getElementById('composer').removeAttribute('data-max-chars')")
    for length in (200_001, 1_000_000):
        words = composer_holds(page, length)
        expect(page.locator("#notice")).to_contain_text(words)
        assert page.evaluate("document.getElementById('composer').value.length") == length
    assert len(stored_messages(app)) == stored

    users = page.locator(USER_MESSAGES).count()
    send(page, "short again [[sim:tokens=5]]")  # the same socket, still connected
    wait_reply_done(page)
    assert page.locator(USER_MESSAGES).count() == users + 1
    assert stored_messages(app)[-1].status == "complete"
