"""Hosted mode's /login and /logout, over a real database, a standing clock and cheap argon2."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from neural_terminal.accounts import AccountServices, build_accounts
from neural_terminal.security.login import LoginRoutes
from neural_terminal.store.engine import make_engine
from tests.fakes import CountingHasher, ManualClock

COOKIE = "nt_session_3000"
PASSWORD = "a long enough password"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def accounts(sqlite_url: str, clock: ManualClock) -> Iterator[AccountServices]:
    engine = make_engine(sqlite_url)
    built = build_accounts(engine, clock=clock, hasher=CountingHasher())
    built.users.add_user("alice", PASSWORD)
    yield built
    engine.dispose()


@pytest.fixture
def client(accounts: AccountServices) -> TestClient:
    routes = LoginRoutes(accounts.authenticator, accounts.sessions, COOKIE).routes()
    return TestClient(Starlette(routes=routes), base_url="http://127.0.0.1:3000")


def test_the_right_password_opens_a_session_and_clears_the_tab(
    client: TestClient, accounts: AccountServices
) -> None:
    response = client.post(
        "/login",
        data={"username": "Alice", "password": PASSWORD, "next": "/?c=2"},
        follow_redirects=False,
    )

    assert response.status_code == 303
    assert response.headers["location"] == "/?c=2"
    assert response.headers["clear-site-data"] == '"storage"'
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    token = response.cookies[COOKIE]
    user = accounts.sessions.resolve(token)
    assert user is not None
    assert user.username == "alice"


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil", ""])
def test_it_never_sends_anyone_to_another_site(client: TestClient, target: str) -> None:
    response = client.post(
        "/login",
        data={"username": "alice", "password": PASSWORD, "next": target},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_a_wrong_password_gets_one_message_then_a_wait_it_can_sit_out(
    client: TestClient, clock: ManualClock
) -> None:
    wrong = {"username": "alice", "password": "not the one at all", "next": "/"}
    answers = [client.post("/login", data=wrong) for _ in range(5)]
    assert [a.status_code for a in answers] == [401] * 5
    assert all("Wrong username or password." in a.text for a in answers)

    throttled = client.post("/login", data={"username": "alice", "password": PASSWORD, "next": "/"})
    assert throttled.status_code == 429
    wait_s = int(throttled.headers["retry-after"])
    assert wait_s >= 1

    clock.advance(timedelta(seconds=wait_s))
    right = {"username": "alice", "password": PASSWORD, "next": "/"}
    assert client.post("/login", data=right, follow_redirects=False).status_code == 303


def test_an_oversized_body_is_refused_unread(client: TestClient) -> None:
    response = client.post("/login", content=b"username=" + b"a" * 20_000)
    assert response.status_code == 413


def test_logout_ends_the_session(client: TestClient, accounts: AccountServices) -> None:
    login = client.post(
        "/login",
        data={"username": "alice", "password": PASSWORD, "next": "/"},
        follow_redirects=False,
    )
    token = login.cookies[COOKIE]

    response = client.post(
        "/logout", headers={"Cookie": f"{COOKIE}={token}"}, follow_redirects=False
    )

    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    assert response.headers["clear-site-data"] == '"storage"'
    assert accounts.sessions.resolve(token) is None
