"""``python -m neural_terminal users ...`` driven in-process, the password on standard input."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from neural_terminal.__main__ import main
from neural_terminal.accounts import AccountServices, build_accounts
from neural_terminal.console import Console
from neural_terminal.domain.errors import LoginRefused
from neural_terminal.store.engine import make_engine
from tests.fakes import CountingHasher

PASSWORD = "correct horse battery staple"


class Typed(io.StringIO):
    """Standard input that is a terminal: the command must prompt instead of reading it."""

    def isatty(self) -> bool:
        return True


class Prompts:
    """A hidden-password prompt answering from a script; keeps the prompts it was shown."""

    def __init__(self, *answers: str) -> None:
        self._answers = list(answers)
        self.history: list[str] = []

    def __call__(self, prompt: str) -> str:
        self.history.append(prompt)
        return self._answers.pop(0)


class Run:
    """Runs the program against one database and keeps what it printed."""

    def __init__(self, database_url: str) -> None:
        self.env = {"NEURAL_TERMINAL_DATABASE_URL": database_url}
        self.out = ""
        self.err = ""

    def __call__(self, *argv: str, stdin: str = "", prompts: Prompts | None = None) -> int:
        stdout, stderr = io.StringIO(), io.StringIO()
        console = Console(
            stdin=Typed() if prompts else io.StringIO(stdin),
            stdout=stdout,
            stderr=stderr,
            prompt_secret=prompts or Prompts(),
        )
        status = main(list(argv), console=console, env=self.env)
        self.out, self.err = stdout.getvalue(), stderr.getvalue()
        return status


@pytest.fixture
def run(database_url: str) -> Run:
    return Run(database_url)


@pytest.fixture
def accounts(database_url: str) -> Iterator[AccountServices]:
    # The same database the commands write to, as the app would open it.
    engine: Engine = make_engine(database_url)
    yield build_accounts(engine, hasher=CountingHasher())
    engine.dispose()


def _login(accounts: AccountServices, name: str, password: str) -> str:
    return accounts.authenticator.login(name, password, address="a", client="cli test")[0]


def test_add_reads_the_password_from_stdin_and_the_user_can_log_in(
    run: Run, accounts: AccountServices
) -> None:
    assert run("users", "add", "Alice", "--admin", stdin=PASSWORD + "\n") == 0
    assert run.out == "Added alice (admin).\n"
    assert accounts.users.has_any_admin()
    assert accounts.sessions.resolve(_login(accounts, "alice", PASSWORD)) is not None


def test_add_prompts_twice_on_a_terminal(run: Run, accounts: AccountServices) -> None:
    prompts = Prompts(PASSWORD, PASSWORD)
    assert run("users", "add", "bob", prompts=prompts) == 0
    assert prompts.history == ["New password: ", "Repeat the password: "]
    _login(accounts, "bob", PASSWORD)


def test_add_refuses_two_different_passwords(run: Run, accounts: AccountServices) -> None:
    assert run("users", "add", "bob", prompts=Prompts(PASSWORD, PASSWORD + "?")) == 1
    assert "differ" in run.err
    assert accounts.users.list_users() == []


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        pytest.param(["alice"], "short\n", "at least 12", id="short-password"),
        pytest.param(["alice"], "", "No password", id="no-password"),
        pytest.param(["al ice"], PASSWORD + "\n", "A username is", id="bad-name"),
    ],
)
def test_add_refuses_what_breaks_the_rules(
    run: Run, accounts: AccountServices, argv: list[str], stdin: str, message: str
) -> None:
    assert run("users", "add", *argv, stdin=stdin) == 1
    assert message in run.err
    assert accounts.users.list_users() == []


def test_a_name_taken_in_another_case_is_refused(run: Run) -> None:
    assert run("users", "add", "alice", stdin=PASSWORD) == 0  # a last line without "\n"
    assert run("users", "add", "ALICE", stdin=PASSWORD + "\n") == 1
    assert run.err == "A user of that name exists already.\n"


def test_the_password_is_never_an_argument(run: Run) -> None:
    with pytest.raises(SystemExit) as caught:
        run("users", "add", "alice", "--password", PASSWORD)
    assert caught.value.code == 2


def test_list_disable_and_enable(run: Run, accounts: AccountServices) -> None:
    assert run("users", "list") == 0
    assert "No users yet" in run.out
    run("users", "add", "alice", "--admin", stdin=PASSWORD)
    run("users", "add", "bob", stdin=PASSWORD)
    token = _login(accounts, "bob", PASSWORD)
    assert run("users", "disable", "BOB") == 0
    assert run.out == "Disabled bob; their sessions are ended.\n"
    assert accounts.sessions.resolve(token) is None
    with pytest.raises(LoginRefused):
        _login(accounts, "bob", PASSWORD)
    assert run("users", "list") == 0
    header, first, second = run.out.splitlines()
    assert header.split()[:4] == ["ID", "USERNAME", "ROLE", "STATUS"]
    assert first.split()[1:4] == ["alice", "admin", "active"]
    assert second.split()[1:4] == ["bob", "user", "disabled"]
    assert run("users", "enable", "bob") == 0
    _login(accounts, "bob", PASSWORD)
    assert run("users", "disable", "nobody") == 1
    assert run.err == "There is no such user.\n"


def test_reset_sets_the_new_password_and_ends_the_sessions(
    run: Run, accounts: AccountServices
) -> None:
    run("users", "add", "alice", stdin=PASSWORD)
    token = _login(accounts, "alice", PASSWORD)
    assert run("users", "reset", "alice", "--password-stdin", stdin="a brand new passphrase\n") == 0
    assert accounts.sessions.resolve(token) is None
    with pytest.raises(LoginRefused):
        _login(accounts, "alice", PASSWORD)
    _login(accounts, "alice", "a brand new passphrase")


def test_reset_of_an_unknown_user_asks_for_no_password(run: Run) -> None:
    prompts = Prompts()
    assert run("users", "reset", "nobody", prompts=prompts) == 1
    assert prompts.history == []
    assert run.err == "There is no such user.\n"


def test_sessions_lists_the_active_ones_and_revoke_ends_one(
    run: Run, accounts: AccountServices
) -> None:
    run("users", "add", "alice", stdin=PASSWORD)
    assert run("users", "sessions") == 0
    assert run.out == "No active sessions.\n"
    token = _login(accounts, "alice", PASSWORD)
    (session,) = accounts.sessions.list_active()
    assert run("users", "sessions") == 0
    header, row = run.out.splitlines()
    assert header.split()[:3] == ["ID", "USERNAME", "CLIENT"]
    assert row.split()[:4] == [str(session.id), "alice", "cli", "test"]
    assert run("users", "revoke", str(session.id)) == 0
    assert run.out == f"Revoked session {session.id}.\n"
    assert accounts.sessions.resolve(token) is None
    assert run("users", "revoke", "9999") == 1
    assert run.err == "There is no such session.\n"


def test_the_command_migrates_a_new_database_first(tmp_path: Path) -> None:
    run = Run(f"sqlite:///{tmp_path / 'fresh' / 'new.db'}")
    assert run("users", "add", "alice", stdin=PASSWORD) == 0
    assert run("users", "list") == 0
    assert "alice" in run.out
