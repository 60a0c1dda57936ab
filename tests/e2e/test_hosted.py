"""End to end, hosted mode: accounts, and each user sees and touches only their own data.

Alice (an admin) and Bob are made with the CLI before the app starts. Bob then tries, over
HTTP and over the app's websocket with state events a page would never send, to read,
continue, retry and stop Alice's conversation by its ids.
"""

from __future__ import annotations

import asyncio
import csv
import io
import time
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from neural_terminal.__main__ import main as cli
from neural_terminal.accounts.services import build_accounts
from neural_terminal.console import Console
from neural_terminal.store.conversations.repository import ChatRepository
from neural_terminal.store.engine import make_engine
from tests.e2e.event_socket import CHAT, STATE, Boot, EventSocket
from tests.e2e.server import RunningApp, running_app
from tests.e2e.test_chat import (
    USER_MESSAGES,
    new_conversation,
    press_enter_with,
    send,
    stored_messages,
    wait_enter_sends,
    wait_reply_done,
)

ALICE, BOB = ("alice", "alice's long passphrase"), ("bob", "bob's long passphrase")
SOCKET_WAIT_S = 60.0
SENDS_PER_MINUTE = 5
ADMIN = f"{STATE}.neural_terminal___ui___admin___admin_state____admin_state"


def add_user(database_url: str, name: str, password: str, *admin: str) -> None:
    """``python -m neural_terminal users add``, in process, the password on stdin."""
    console = Console(io.StringIO(password + "\n"), io.StringIO(), io.StringIO(), lambda _: "")
    env = {"NEURAL_TERMINAL_DATABASE_URL": database_url}
    assert cli(["users", "add", name, *admin, "--password-stdin"], console=console, env=env) == 0


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    workdir = tmp_path_factory.mktemp("hosted-app")
    database_url = f"sqlite:///{workdir / 'app.db'}"
    add_user(database_url, *ALICE, "--admin")
    add_user(database_url, *BOB)
    with running_app(
        workdir,
        NEURAL_TERMINAL_AUTH="accounts",
        NEURAL_TERMINAL_SENDS_PER_MINUTE=str(SENDS_PER_MINUTE),
    ) as running:
        yield running


def log_in(app: RunningApp, name: str, password: str) -> httpx.Response:
    """POST the login form as the app's own page does."""
    return httpx.post(
        app.url + "/login",
        data={"username": name, "password": password, "next": "/"},
        headers={"Origin": app.url},
    )


def session_cookie(app: RunningApp, user: tuple[str, str]) -> str:
    """A fresh session's ``name=value`` cookie for ``user``."""
    response = log_in(app, *user)
    assert response.status_code == 303, response.text
    name = f"nt_session_{app.port}"
    return f"{name}={response.cookies[name]}"


def log_in_page(page: Page, app: RunningApp, user: tuple[str, str]) -> None:
    """Open the app, get sent to the login page, log in, land on the app."""
    page.goto(app.url + "/")
    expect(page.locator("#login")).to_be_visible()
    page.locator("#username").fill(user[0])
    page.locator("#password").fill(user[1])
    page.locator("#login").click()
    expect(page.locator("#signed-in-as")).to_have_text(user[0], timeout=60_000)
    expect(page.locator("#composer")).to_be_enabled()
    wait_enter_sends(page)


class Tab:
    """The app's websocket as one user's page, without a browser: sends state events and
    keeps the chat state it is sent."""

    def __init__(self) -> None:
        self.chat: dict[str, Any] = {}
        self.updates: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.hydrated = asyncio.Event()
        self.socket: EventSocket | None = None

    def on_update(self, update: dict[str, Any], received: float) -> None:
        delta = update.get("delta") or {}
        self.chat.update(delta.get(CHAT) or {})
        if (delta.get(STATE) or {}).get("is_hydrated_rx_state_") is True:
            self.hydrated.set()
        self.updates.put_nowait(delta.get(CHAT) or delta.get(ADMIN) or {})

    async def open(self, app: RunningApp, cookie: str, token: str) -> None:
        self.socket = await EventSocket.connect(
            "127.0.0.1", app.port, token, Boot(None, None).auth(), self.on_update, cookie=cookie
        )
        await asyncio.wait_for(self.hydrated.wait(), SOCKET_WAIT_S)

    async def event(self, name: str, *, state: str = CHAT, **payload: Any) -> dict[str, Any]:
        """Send ``<state>.<name>(**payload)``; the delta of that state it answered with."""
        assert self.socket is not None
        while not self.updates.empty():
            self.updates.get_nowait()
        self.socket.emit_event(f"{state}.{name}", payload)
        return await asyncio.wait_for(self.updates.get(), SOCKET_WAIT_S)


def run_async(scenario: Coroutine[Any, Any, None]) -> None:
    """Run ``scenario`` to its end on a loop of its own (Playwright's sync API holds this
    thread's)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, scenario).result()


def test_login_is_required_and_shows_who_is_signed_in(page: Page, app: RunningApp) -> None:
    response = page.goto(app.url + "/")
    assert response is not None
    assert page.url.startswith(app.url + "/login")
    page.locator("#username").fill("alice")
    page.locator("#password").fill("not it at all")
    page.locator("#login").click()
    expect(page.locator("#login-error")).to_have_text("Wrong username or password.")
    assert httpx.get(app.url + "/api/replies/1").status_code == 401

    log_in_page(page, app, ALICE)

    cookie = next(c for c in page.context.cookies() if c["name"].startswith("nt_session_"))
    assert (cookie["httpOnly"], cookie["sameSite"]) == (True, "Strict")


def test_another_user_can_neither_see_nor_touch_a_conversation(
    browser: Browser, page: Page, app: RunningApp
) -> None:
    log_in_page(page, app, ALICE)
    send(page, "alice's secret plan [[sim:tokens=5]]")
    wait_reply_done(page)
    question, reply = stored_messages(app)[-2:]
    stored = len(stored_messages(app))
    bob = session_cookie(app, BOB)

    replies = httpx.get(f"{app.url}/api/replies/{reply.id}", headers={"Cookie": bob})
    assert replies.status_code == 404
    assert "secret" not in replies.text
    size = httpx.post(
        f"{app.url}/api/preflight",
        json={"conversation_id": question.conversation_id, "model": "", "text": "x"},
        headers={"Cookie": bob, "Origin": app.url},
    )
    assert size.status_code == 200
    assert size.json()["estimate"] == ""
    assert "does not exist" in size.json()["refused"]

    engine = make_engine(app.database_url)
    bobs = ChatRepository(engine).create_conversation(model="sim/terminal-small", owner_id=2)
    accounts = build_accounts(engine)

    async def as_bob() -> None:
        tab = Tab()
        await tab.open(app, bob, "bob-tab")
        listed = tab.chat.get("conversations_rx_state_") or []
        assert [c["id"] for c in listed] == [bobs.id]
        opened = await tab.event("open_conversation", conversation_id=question.conversation_id)
        assert "does not exist" in opened.get("notice_rx_state_", "")
        await tab.event("open_conversation", conversation_id=bobs.id)  # his own, open
        for action in ("continue_reply", "retry_reply"):
            answer = await tab.event(action, message_id=reply.id)
            assert "does not exist" in answer.get("notice_rx_state_", "")
            assert answer.get("streaming_rx_state_") is not True
        assert "secret" not in repr(tab.chat)
        # Nor an admin's actions: ending Alice's session, disabling her, lifting his limit.
        alices = [s.id for s in accounts.sessions.list_active() if s.username == "alice"]
        for name, payload in (
            ("revoke", {"session_id": alices[0]}),
            ("disable", {"username": "alice"}),
            ("set_limit", {"form_data": {"username": "bob", "limit": "", "period": "none"}}),
        ):
            refused = await tab.event(name, state=ADMIN, **payload)
            assert refused.get("notice_rx_state_") == "Only an admin can do that."
        assert [s.id for s in accounts.sessions.list_active() if s.username == "alice"] == alices
        assert not accounts.users.get("alice").disabled

    run_async(as_bob())
    engine.dispose()
    assert len(stored_messages(app)) == stored  # nothing continued, retried or sent


def test_logout_and_a_disabled_account_end_an_open_socket(app: RunningApp) -> None:
    cookie, bob = session_cookie(app, ALICE), session_cookie(app, BOB)

    async def scenario() -> None:
        tab = Tab()
        await tab.open(app, cookie, "alice-tab")
        assert tab.chat.get("signed_in_as_rx_state_") == "alice"
        headers = {"Cookie": cookie, "Origin": app.url}
        logout = await asyncio.to_thread(httpx.post, app.url + "/logout", headers=headers)
        assert logout.status_code == 303
        assert tab.socket is not None
        tab.socket.emit_event(f"{CHAT}.new_conversation", {})
        await asyncio.wait_for(tab.socket.closed.wait(), SOCKET_WAIT_S)
        assert "signed out" not in repr(tab.chat)

        bobs = Tab()
        await bobs.open(app, bob, "bob-tab-2")
        console = Console(io.StringIO(), io.StringIO(), io.StringIO(), lambda _: "")
        env = {"NEURAL_TERMINAL_DATABASE_URL": app.database_url}
        assert (
            await asyncio.to_thread(cli, ["users", "disable", "bob"], console=console, env=env) == 0
        )
        assert bobs.socket is not None
        bobs.socket.emit_event(f"{CHAT}.new_conversation", {})
        await asyncio.wait_for(bobs.socket.closed.wait(), SOCKET_WAIT_S)
        assert cli(["users", "enable", "bob"], console=console, env=env) == 0

    run_async(scenario())


def test_guessing_passwords_is_slowed_and_logged_and_the_owner_still_gets_in(
    app: RunningApp,
) -> None:
    statuses = [log_in(app, "alice", f"guess number {n}").status_code for n in range(50)]

    assert statuses[:4] == [401] * 4  # the first few mistakes are free
    assert statuses.count(429) > 0
    assert set(statuses) == {401, 429}
    log = app.log.read_text()
    assert "login of 'alice' from '127.0.0.1' refused: wrong password" in log
    assert "throttled" in log
    # The server says how long to wait; after that, the right password works.
    while (answer := log_in(app, *ALICE)).status_code == 429:
        time.sleep(float(answer.headers["Retry-After"]))  # the wait the server asked for
    assert answer.status_code == 303


def test_each_user_has_their_own_sidebar(browser: Browser, app: RunningApp) -> None:
    contexts = [browser.new_context(), browser.new_context()]
    try:
        alice, bob = (context.new_page() for context in contexts)
        log_in_page(alice, app, ALICE)
        log_in_page(bob, app, BOB)
        send(bob, "bob's own question [[sim:tokens=5]]")
        wait_reply_done(bob)

        alice.reload()
        expect(alice.locator("#signed-in-as")).to_have_text("alice", timeout=60_000)
        expect(alice.locator(".nt-sidebar")).not_to_contain_text("bob's own question")
        expect(bob.locator(USER_MESSAGES).last).to_contain_text("bob's own question")

        bob.locator("#logout").click()  # a POST from the page (assets/terminal.js)
        expect(bob.locator("#login")).to_be_visible()
        bob.goto(app.url + "/")  # not from the browser's cache: pages are revalidated
        expect(bob.locator("#login")).to_be_visible()  # the session is gone
    finally:
        for context in contexts:
            context.close()


def test_an_admin_limits_a_user_and_ends_their_sessions(browser: Browser, app: RunningApp) -> None:
    contexts = [browser.new_context(), browser.new_context()]
    try:
        alice, bob = (context.new_page() for context in contexts)
        log_in_page(alice, app, ALICE)
        log_in_page(bob, app, BOB)
        alice.locator("#admin-link").click()
        expect(alice.locator("#admin-users")).to_contain_text("bob")

        limit = alice.locator("#limit-bob")
        limit.locator('input[name="limit"]').fill("0")
        limit.locator('select[name="period"]').select_option("monthly")
        limit.locator("button").click()
        expect(alice.locator("#admin-users tr", has_text="bob")).to_contain_text("$0 a month")

        bob.reload()
        expect(bob.locator("#signed-in-as")).to_have_text("bob", timeout=60_000)
        press_enter_with(bob, "one more question [[sim:tokens=5]]")
        expect(bob.locator("#notice")).to_contain_text("your limit of $0.0000 this month")

        alice.reload()
        sessions = alice.locator("#admin-sessions tr", has_text="bob")
        expect(sessions.first).to_be_visible(timeout=60_000)
        while (open_sessions := sessions.count()) > 0:
            sessions.first.locator("button").click()
            expect(sessions).to_have_count(open_sessions - 1)
        cookie = next(c for c in contexts[1].cookies() if c["name"].startswith("nt_session_"))
        gone = httpx.get(
            app.url + "/api/replies/1", headers={"Cookie": f"{cookie['name']}={cookie['value']}"}
        )
        assert gone.status_code == 401
        limit.locator('input[name="limit"]').fill("")  # no limit of his own again
        limit.locator("button").click()
        expect(alice.locator("#admin-users tr", has_text="bob")).to_contain_text("none")
    finally:
        for context in contexts:
            context.close()


def test_a_user_gets_a_clear_refusal_past_their_sends_a_minute(page: Page, app: RunningApp) -> None:
    log_in_page(page, app, BOB)
    new_conversation(page)
    notice = page.locator("#notice")
    for n in range(2 * SENDS_PER_MINUTE):  # earlier sends of this minute count too
        press_enter_with(page, f"quick one {n} [[sim:tokens=1]]")
        wait_reply_done(page)
        if notice.count() and "a minute is the limit" in (notice.text_content() or ""):
            break
    expect(notice).to_contain_text(f"{SENDS_PER_MINUTE} messages a minute is the limit here")
    expect(page.locator("#composer")).to_have_value(f"quick one {n} [[sim:tokens=1]]")


def test_each_users_telemetry_holds_only_their_own_replies(page: Page, app: RunningApp) -> None:
    log_in_page(page, app, ALICE)
    send(page, "alice's telemetry [[sim:tokens=5]]")
    wait_reply_done(page)
    alice, bob = session_cookie(app, ALICE), session_cookie(app, BOB)

    def chart(cookie: str, name: str) -> list[list[str]]:
        response = httpx.get(
            f"{app.url}/api/telemetry/{name}.csv?range=all", headers={"Cookie": cookie}
        )
        assert response.status_code == 200
        return list(csv.reader(io.StringIO(response.text)))

    hers = {tuple(row) for row in chart(alice, "by_conversation")[1:]}
    assert any(title.startswith("alice's") for _, title, _ in hers)
    assert hers.isdisjoint(tuple(row) for row in chart(bob, "by_conversation")[1:])
    assert httpx.get(f"{app.url}/api/telemetry/spend.csv").status_code == 401
