"""The access gate in front of every route: host, origin, fetch metadata, then the cookie."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocket, WebSocketDisconnect

from neural_terminal.security import AccessGate, LocalUnlock, local_secret, security_headers
from neural_terminal.security.policy import access_policy
from neural_terminal.security.refusals import RefusalLog
from neural_terminal.settings import Settings

SECRET = "the-install-secret"
OWN = "http://127.0.0.1:3000"
COOKIE = f"{local_secret.cookie_name(3000)}={local_secret.cookie_value(SECRET)}"


class Inner:
    """The app behind the gate: records what reached it."""

    def __init__(self) -> None:
        self.reached: list[str] = []

    def app(self) -> Starlette:
        async def page(request: Request) -> Response:
            self.reached.append(request.url.path)
            if request.url.path == "/":
                return HTMLResponse("<p>the page</p>")
            return PlainTextResponse("private", headers={"x-content-type-options": "kept"})

        async def socket(websocket: WebSocket) -> None:
            self.reached.append("/_event")
            await websocket.accept()
            await websocket.send_text("hello")
            await websocket.close()

        return Starlette(
            routes=[
                Route("/", page),
                Route("/api/replies/{n}", page, methods=["GET", "POST"]),
                Route("/sim/api/v1/models", page),
                Route("/ping", page),
                Route("/metrics", page),
                WebSocketRoute("/_event", socket),
            ]
        )


@pytest.fixture
def inner() -> Inner:
    return Inner()


@pytest.fixture
def client(inner: Inner, tmp_path: Path) -> TestClient:
    refusals = RefusalLog()
    unlock = LocalUnlock(
        secret=SECRET, cookie="nt_local_3000", token_file=tmp_path / "t", refusals=refusals
    )
    gate = AccessGate(
        inner.app(),
        policy=access_policy(Settings(), ports=(3000,)),
        admission=unlock,
        headers=security_headers("default-src 'self'"),
        open_prefixes=("/sim/",),
        refusals=refusals,
        bearer_paths={"/metrics": "scrape-token"},
    )
    return TestClient(gate, base_url=OWN)


def test_a_scraper_with_the_bearer_token_reaches_its_one_path_without_a_cookie(
    client: TestClient, inner: Inner
) -> None:
    bearer = {"Authorization": "Bearer scrape-token"}

    assert client.get("/metrics", headers=bearer).status_code == 200
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/metrics").status_code == 401
    assert client.get("/api/replies/1", headers=bearer).status_code == 401  # that path only
    assert client.get("/metrics", headers={**bearer, "Host": "evil.example"}).status_code == 403
    assert inner.reached == ["/metrics"]


def test_the_unlocked_own_page_gets_through_with_the_headers(
    client: TestClient, inner: Inner
) -> None:
    response = client.get("/api/replies/1", headers={"Origin": OWN, "Cookie": COOKIE})

    assert (response.status_code, response.text) == (200, "private")
    assert response.headers["content-security-policy"] == "default-src 'self'"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-content-type-options"] == "kept"  # the app's own wins
    assert inner.reached == ["/api/replies/1"]


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"Origin": "http://127.0.0.1:4000"}, id="another-port"),
        pytest.param({"Origin": "https://evil.example"}, id="another-site"),
        pytest.param({"Origin": "null"}, id="null-origin"),
        pytest.param({"Origin": "null", "Sec-Fetch-Site": "cross-site"}, id="sandboxed-frame"),
        pytest.param({"Host": "evil.example:3000"}, id="rebound-host"),
        pytest.param({"Sec-Fetch-Site": "same-site", "Sec-Fetch-Mode": "no-cors"}, id="embed"),
        pytest.param({"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "cors"}, id="no-origin"),
    ],
)
def test_requests_from_anywhere_else_are_refused_even_with_the_cookie(
    client: TestClient, inner: Inner, headers: dict[str, str]
) -> None:
    for method in ("GET", "POST"):
        sent = {**headers, "Cookie": COOKIE}
        response = client.request(method, "/api/replies/1", headers=sent)

        assert response.status_code == 403
        assert response.text.startswith("Refused: ")
        assert "access-control-allow-origin" not in response.headers
    assert inner.reached == []


def test_pages_are_revalidated_through_the_gate_every_time(client: TestClient) -> None:
    page = client.get("/", headers={"Cookie": COOKIE})
    data = client.get("/api/replies/1", headers={"Cookie": COOKIE})

    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-cache"
    assert "cache-control" not in data.headers  # not a page: left as the route sent it


def test_the_apps_own_form_posts_under_no_referrer_get_through(
    client: TestClient, inner: Inner
) -> None:
    own_form = {"Origin": "null", "Sec-Fetch-Site": "same-origin", "Cookie": COOKIE}

    assert client.post("/api/replies/1", headers=own_form).status_code == 200
    assert inner.reached == ["/api/replies/1"]


def test_without_the_cookie_only_open_routes_answer(client: TestClient, inner: Inner) -> None:
    assert client.get("/api/replies/1").status_code == 401
    wrong = f"nt_local_3000={local_secret.cookie_value('another secret')}"
    assert client.get("/api/replies/1", headers={"Cookie": wrong}).status_code == 401
    assert client.get("/ping").status_code == 200
    assert client.get("/sim/api/v1/models").status_code == 200
    assert client.get("/pingback").status_code == 401  # exact paths, not prefixes
    assert inner.reached == ["/ping", "/sim/api/v1/models"]


def test_a_browser_is_told_what_to_open(client: TestClient) -> None:
    response = client.get("/", headers={"Accept": "text/html"})

    assert response.status_code == 401
    assert "make run" in response.text
    assert "?token=" in response.text


def test_the_token_sets_a_strict_http_only_cookie_and_leaves_the_address(
    client: TestClient, inner: Inner
) -> None:
    response = client.get(f"/?token={SECRET}&keep=1", follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"] == "/?keep=1"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"nt_local_3000={local_secret.cookie_value(SECRET)};")
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert SECRET not in cookie
    assert inner.reached == []


def test_a_wrong_token_unlocks_nothing(client: TestClient) -> None:
    response = client.get("/?token=guess", headers={"Accept": "text/html"})

    assert response.status_code == 401
    assert "not this server's" in response.text
    assert "set-cookie" not in response.headers


def test_the_websocket_opens_only_for_the_own_unlocked_page(
    client: TestClient, inner: Inner
) -> None:
    # The test client's websockets say "testserver" unless told.
    own = {"Host": "127.0.0.1:3000", "Origin": OWN, "Cookie": COOKIE}
    with client.websocket_connect("/_event", headers=own) as ws:
        assert ws.receive_text() == "hello"
    refused = [
        {"Origin": "http://127.0.0.1:4000"},  # another page
        {"Origin": "null"},  # a sandboxed page
        {"Host": "evil.example:3000"},  # rebound
    ]
    for headers in refused:
        sent = {**own, **headers}
        with (
            pytest.raises(WebSocketDisconnect) as closed,
            client.websocket_connect("/_event", headers=sent),
        ):
            pass
        assert closed.value.code == 4403
    no_origin = {k: v for k, v in own.items() if k != "Origin"}
    no_cookie = {k: v for k, v in own.items() if k != "Cookie"}
    for headers in (no_origin, no_cookie):
        with (
            pytest.raises(WebSocketDisconnect) as closed,
            client.websocket_connect("/_event", headers=headers),
        ):
            pass
        assert closed.value.code == 4403
    assert inner.reached == ["/_event"]


def test_each_kind_of_refusal_is_logged_once_per_source(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    for _ in range(3):
        client.get("/api/replies/1", headers={"Origin": "http://127.0.0.1:4000"})
    client.get("/api/replies/1", headers={"Origin": "http://127.0.0.1:5000"})

    lines = [r.getMessage() for r in caplog.records if r.name == "neural_terminal.security"]
    assert len(lines) == 2
    assert "'http://127.0.0.1:4000'" in lines[0]
    assert "Origin is not this app's" in lines[0]


def test_the_refusal_log_is_bounded(caplog: pytest.LogCaptureFixture) -> None:
    log = RefusalLog(limit=2)
    for n in range(5):
        log.refused("origin", f"http://x{n}.example", "/")

    assert len(caplog.records) == 3  # two sources, then one line saying it stopped
    assert "no longer logging" in caplog.records[-1].getMessage()
