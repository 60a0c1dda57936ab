"""``python -m neural_terminal users ...``: add, list, disable, enable and reset users, and
list or revoke their sessions.

A password is never an argument (it would land in the shell's history and in ``ps``): it is
typed twice at a hidden prompt, or read as one line from standard input when that is not a
terminal or ``--password-stdin`` is given (``printf '%s\\n' "$PW" | ... --password-stdin``).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import UTC, datetime

from neural_terminal.accounts.passwords import check_password_rules
from neural_terminal.accounts.services import AccountServices, build_accounts
from neural_terminal.accounts.usernames import valid_username
from neural_terminal.console import Console
from neural_terminal.domain.errors import NeuralTerminalError
from neural_terminal.settings import Settings
from neural_terminal.store.engine import make_engine
from neural_terminal.store.migrations import upgrade_to_head

Action = Callable[[argparse.Namespace, AccountServices, Console], int]


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``users`` command and its actions to the program's parser."""
    parser = commands.add_parser("users", help="manage the local accounts of hosted mode")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="create a user (asks for the password)")
    add.add_argument("name")
    add.add_argument("--admin", action="store_true", help="the user may manage others")
    _password_stdin(add)
    actions.add_parser("list", help="list every user")
    actions.add_parser("disable", help="refuse a user's logins, end their sessions").add_argument(
        "name"
    )
    actions.add_parser("enable", help="let a disabled user log in again").add_argument("name")
    reset = actions.add_parser("reset", help="set a new password, end the user's sessions")
    reset.add_argument("name")
    _password_stdin(reset)
    actions.add_parser("sessions", help="list the signed-in sessions")
    revoke = actions.add_parser("revoke", help="end one session (its id from `sessions`)")
    revoke.add_argument("session_id", type=int)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, *, console: Console, settings: Settings) -> int:
    """Migrate the database to head, then do the action; 1 with a message when refused."""
    upgrade_to_head(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        return ACTIONS[args.action](args, build_accounts(engine), console)
    except NeuralTerminalError as exc:
        console.complain(exc.user_message)
        return 1
    finally:
        engine.dispose()


def _add(args: argparse.Namespace, accounts: AccountServices, console: Console) -> int:
    valid_username(args.name)  # refused before the password is typed, not after
    password = _new_password(args, console)
    if password is None:
        return 1
    account = accounts.users.add_user(args.name, password, admin=args.admin)
    console.say(f"Added {account.username}{' (admin)' if account.is_admin else ''}.")
    return 0


def _list(args: argparse.Namespace, accounts: AccountServices, console: Console) -> int:
    users = accounts.users.list_users()
    if not users:
        console.say("No users yet: `users add NAME --admin` creates the first admin.")
        return 0
    rows = [["ID", "USERNAME", "ROLE", "STATUS", "CREATED", "PASSWORD CHANGED"]]
    for user in users:
        status = f"disabled {_when(user.disabled_at)}" if user.disabled_at else "active"
        role = "admin" if user.is_admin else "user"
        created, changed = _when(user.created_at), _when(user.password_changed_at)
        rows.append([str(user.id), user.username, role, status, created, changed])
    _table(console, rows)
    return 0


def _disable(args: argparse.Namespace, accounts: AccountServices, console: Console) -> int:
    account = accounts.users.disable(args.name)
    console.say(f"Disabled {account.username}; their sessions are ended.")
    return 0


def _enable(args: argparse.Namespace, accounts: AccountServices, console: Console) -> int:
    account = accounts.users.enable(args.name)
    console.say(f"Enabled {account.username}.")
    return 0


def _reset(args: argparse.Namespace, accounts: AccountServices, console: Console) -> int:
    account = accounts.users.get(args.name)
    password = _new_password(args, console)
    if password is None:
        return 1
    accounts.users.reset_password(account.username, password)
    console.say(f"Changed the password of {account.username}; their sessions are ended.")
    return 0


def _sessions(args: argparse.Namespace, accounts: AccountServices, console: Console) -> int:
    sessions = accounts.sessions.list_active()
    if not sessions:
        console.say("No active sessions.")
        return 0
    rows = [["ID", "USERNAME", "CLIENT", "SIGNED IN", "LAST SEEN", "EXPIRES"]]
    for session in sessions:
        times = (session.created_at, session.last_seen_at, session.expires_at)
        rows.append([str(session.id), session.username, session.client, *map(_when, times)])
    _table(console, rows)
    return 0


def _revoke(args: argparse.Namespace, accounts: AccountServices, console: Console) -> int:
    accounts.sessions.revoke(args.session_id)
    console.say(f"Revoked session {args.session_id}.")
    return 0


ACTIONS: dict[str, Action] = {
    "add": _add,
    "list": _list,
    "disable": _disable,
    "enable": _enable,
    "reset": _reset,
    "sessions": _sessions,
    "revoke": _revoke,
}


def _password_stdin(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password as one line from standard input (also when it is not a tty)",
    )


def _new_password(args: argparse.Namespace, console: Console) -> str | None:
    # None (with the reason on stderr) when nothing usable was given.
    if args.password_stdin or not console.stdin.isatty():
        # A pipe is not typed, so there is nothing to confirm; only the line break is dropped.
        password = console.stdin.readline().removesuffix("\n").removesuffix("\r")
        if not password:
            console.complain("No password on standard input.")
            return None
        check_password_rules(password)
        return password
    password = console.prompt_secret("New password: ")
    check_password_rules(password)
    if console.prompt_secret("Repeat the password: ") != password:
        console.complain("The two passwords differ; nothing was changed.")
        return None
    return password


def _when(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else "-"


def _table(console: Console, rows: list[list[str]]) -> None:
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    for row in rows:
        console.say(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
