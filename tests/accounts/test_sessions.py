"""Sessions end on revocation, idleness, their absolute lifetime and a disabled user."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, MetaData, select

from neural_terminal.accounts import AccountServices, Sessions
from neural_terminal.domain.errors import SessionNotFound
from neural_terminal.domain.users import Account, SessionUser
from neural_terminal.store.accounts.session_store import SessionStore
from neural_terminal.store.accounts.user_store import UserStore
from tests.fakes import ManualClock

PASSWORD = "correct horse battery staple"


@pytest.fixture
def alice(accounts: AccountServices) -> Account:
    return accounts.users.add_user("alice", PASSWORD, admin=True)


def test_a_new_token_resolves_to_its_user(accounts: AccountServices, alice: Account) -> None:
    token, session = accounts.sessions.create(alice.id, client="198.51.100.1 Firefox")
    assert len(token) == 43  # 32 random bytes, URL-safe base64
    assert accounts.sessions.resolve(token) == SessionUser(alice.id, "alice", is_admin=True)
    assert session.username == "alice"
    assert session.client == "198.51.100.1 Firefox"
    assert session.expires_at == session.created_at + timedelta(days=30)


@pytest.mark.parametrize(
    "token",
    [
        pytest.param("", id="empty"),
        pytest.param("x" * 43, id="unknown"),
        pytest.param("x" * 100_000, id="huge"),
    ],
)
def test_an_unknown_token_resolves_to_nobody(
    accounts: AccountServices, alice: Account, token: str
) -> None:
    accounts.sessions.create(alice.id, client="c")
    assert accounts.sessions.resolve(token) is None


def test_the_raw_token_is_never_stored(
    accounts: AccountServices, alice: Account, engine: Engine
) -> None:
    token, _ = accounts.sessions.create(alice.id, client="c")
    assert accounts.sessions.resolve(token) is not None
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as conn:
        cells = [
            str(cell)
            for table in metadata.sorted_tables
            for row in conn.execute(select(table))
            for cell in row
        ]
        hashes = conn.execute(select(metadata.tables["auth_sessions"].c.token_hash)).scalars()
        assert list(hashes) == [hashlib.sha256(token.encode()).hexdigest()]
    assert not any(token in cell for cell in cells)
    if engine.dialect.name == "sqlite":
        assert engine.url.database is not None
        for path in Path(engine.url.database).parent.glob("chat.db*"):  # the WAL file too
            assert token.encode() not in path.read_bytes()


def test_an_idle_session_ends_and_one_in_use_lasts(
    accounts: AccountServices, alice: Account, clock: ManualClock
) -> None:
    used, _ = accounts.sessions.create(alice.id, client="in use")
    idle, _ = accounts.sessions.create(alice.id, client="idle")
    for _ in range(6):
        clock.advance(timedelta(days=1))
        assert accounts.sessions.resolve(used) is not None
    clock.advance(timedelta(days=1) - timedelta(seconds=1))
    assert accounts.sessions.resolve(idle) is not None  # 1 s short of 7 days idle
    clock.advance(timedelta(days=7))
    assert accounts.sessions.resolve(idle) is None
    assert accounts.sessions.resolve(used) is None  # idle 7 days now too


def test_a_session_ends_at_its_absolute_lifetime_however_often_used(
    accounts: AccountServices, alice: Account, clock: ManualClock
) -> None:
    token, _ = accounts.sessions.create(alice.id, client="c")
    for _ in range(29):
        clock.advance(timedelta(days=1))
        assert accounts.sessions.resolve(token) is not None
    clock.advance(timedelta(days=1) - timedelta(seconds=1))
    assert accounts.sessions.resolve(token) is not None
    clock.advance(timedelta(seconds=1))
    assert accounts.sessions.resolve(token) is None


def test_the_timeouts_are_constructor_parameters(
    engine: Engine, accounts: AccountServices, alice: Account, clock: ManualClock
) -> None:
    short = Sessions(
        SessionStore(engine),
        clock=clock,
        idle_timeout=timedelta(minutes=10),
        lifetime=timedelta(hours=1),
    )
    token, session = short.create(alice.id, client="c")
    assert session.expires_at == clock.now + timedelta(hours=1)
    clock.advance(timedelta(minutes=10))
    assert short.resolve(token) is None


def test_last_seen_is_written_at_most_once_a_minute(
    accounts: AccountServices, alice: Account, clock: ManualClock
) -> None:
    token, session = accounts.sessions.create(alice.id, client="c")
    started = session.last_seen_at
    clock.advance(timedelta(seconds=59))
    accounts.sessions.resolve(token)
    assert [s.last_seen_at for s in accounts.sessions.list_active()] == [started]
    clock.advance(timedelta(seconds=1))
    accounts.sessions.resolve(token)
    assert [s.last_seen_at for s in accounts.sessions.list_active()] == [clock.now]


def test_revoking_one_session_leaves_the_others(accounts: AccountServices, alice: Account) -> None:
    first, session = accounts.sessions.create(alice.id, client="first")
    second, _ = accounts.sessions.create(alice.id, client="second")
    accounts.sessions.revoke(session.id)
    accounts.sessions.revoke(session.id)  # again is harmless
    assert accounts.sessions.resolve(first) is None
    assert accounts.sessions.resolve(second) is not None
    assert [s.client for s in accounts.sessions.list_active()] == ["second"]


def test_revoking_an_unknown_session_says_so(accounts: AccountServices) -> None:
    with pytest.raises(SessionNotFound):
        accounts.sessions.revoke(404)


def test_revoke_all_ends_every_session_of_one_user(
    accounts: AccountServices, alice: Account
) -> None:
    bob = accounts.users.add_user("bob", PASSWORD)
    tokens = [accounts.sessions.create(alice.id, client="c")[0] for _ in range(3)]
    bobs, _ = accounts.sessions.create(bob.id, client="c")
    assert accounts.sessions.revoke_all(alice.id) == 3
    assert [accounts.sessions.resolve(token) for token in tokens] == [None] * 3
    assert accounts.sessions.resolve(bobs) == SessionUser(bob.id, "bob", is_admin=False)


def test_disabling_a_user_ends_their_sessions_and_enabling_does_not_revive_them(
    accounts: AccountServices, alice: Account
) -> None:
    token, _ = accounts.sessions.create(alice.id, client="c")
    accounts.users.disable("alice")
    assert accounts.sessions.resolve(token) is None
    assert accounts.sessions.list_active() == []
    accounts.users.enable("alice")
    assert accounts.sessions.resolve(token) is None


def test_a_disabled_user_is_refused_even_with_an_unrevoked_session(
    accounts: AccountServices, alice: Account, engine: Engine
) -> None:
    # Another worker may disable the user between two requests: resolve checks the user too.
    token, _ = accounts.sessions.create(alice.id, client="c")
    UserStore(engine).set_disabled(username="alice", at=alice.created_at)
    assert accounts.sessions.resolve(token) is None


def test_list_active_shows_live_sessions_most_recently_seen_first(
    accounts: AccountServices, alice: Account, clock: ManualClock
) -> None:
    older, _ = accounts.sessions.create(alice.id, client="older")
    clock.advance(timedelta(minutes=5))
    accounts.sessions.create(alice.id, client="newer")
    revoked = accounts.sessions.create(alice.id, client="revoked")[1]
    accounts.sessions.revoke(revoked.id)
    clock.advance(timedelta(minutes=5))
    assert [s.client for s in accounts.sessions.list_active()] == ["newer", "older"]
    accounts.sessions.resolve(older)
    assert [s.client for s in accounts.sessions.list_active()] == ["older", "newer"]
