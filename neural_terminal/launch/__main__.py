"""``python -m neural_terminal.launch [--host H] [--port P] [--web-dir DIR] [--build-only]``.

Migrates the database to head, builds the frontend when its inputs changed (``reflex
export``, see build_key.py), then runs the backend: the app that ``reflex run --env prod
--backend-only`` runs, under uvicorn with a compressed websocket (see backend.py). It serves the
built site itself beside ``/_event`` and our routes: one process and one port, as ``reflex run
--env prod`` gives, but a start with nothing changed skips the 10-20 s compile and bundle.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from neural_terminal.accounts.services import build_accounts
from neural_terminal.launch.backend import (
    backend_command,
    chosen_server,
    compression_on,
    worker_count,
)
from neural_terminal.launch.build_key import build_key
from neural_terminal.launch.frontend import built_site, ensure_built
from neural_terminal.launch.stack_setup import sharing_refusal
from neural_terminal.security import access_policy
from neural_terminal.security.url_command import unlock_url
from neural_terminal.settings import PROJECT_ROOT, Settings, load_settings
from neural_terminal.store.engine import make_engine
from neural_terminal.store.migrations import upgrade_to_head

SERVE_FRONTEND_ENV = "NEURAL_TERMINAL_SERVE_FRONTEND"


def main(argv: list[str]) -> int:
    """Build if needed, then replace this process with the backend."""
    parser = argparse.ArgumentParser(prog="python -m neural_terminal.launch")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=3000, help="port of the page and the API")
    parser.add_argument(
        "--web-dir",
        type=Path,
        default=PROJECT_ROOT / ".web",
        help="Reflex's web workdir (one per concurrently served port)",
    )
    parser.add_argument(
        "--build-only", action="store_true", help="build the frontend if needed, do not serve"
    )
    args = parser.parse_args(argv)
    settings = load_settings({**os.environ, "NEURAL_TERMINAL_BIND_HOST": args.host})
    try:
        server = chosen_server(os.environ)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    refusal = hosting_refusal(settings)
    if refusal is not None and not args.build_only:
        print(refusal, file=sys.stderr)
        return 2
    web_dir = args.web_dir.resolve()
    api_url = f"http://localhost:{args.port}"
    env = {
        **os.environ,
        "REFLEX_WEB_WORKDIR": str(web_dir),
        "REFLEX_API_URL": api_url,
        "REFLEX_TELEMETRY_ENABLED": "false",
    }
    reflex = str(Path(sys.executable).with_name("reflex"))
    if not args.build_only:
        upgrade_to_head(settings.database_url)  # idempotent: nothing to do is quick
        refusal = accounts_refusal(settings)
        if refusal is not None:
            print(refusal, file=sys.stderr)
            return 2
    started = time.monotonic()
    try:
        built = ensure_built(
            web_dir,
            build_key(PROJECT_ROOT, api_url=api_url, env=env),
            export=[reflex, "export", "--frontend-only", "--no-zip", "--env", "prod"],
            env=env,
            cwd=PROJECT_ROOT,
        )
    except subprocess.CalledProcessError as exc:
        print(f"the frontend build failed (exit {exc.returncode}); its output is above")
        return 1
    took = time.monotonic() - started
    print(
        f"frontend {'built' if built else 'unchanged, reused'} in {took:.1f} s: "
        f"{built_site(web_dir)}",
        flush=True,
    )
    if args.build_only:
        return 0
    workers = worker_count(os.environ)
    refusal = sharing_refusal(settings, workers=workers)
    if refusal is not None:
        print(refusal, file=sys.stderr)
        return 2
    backend = backend_command(
        server,
        host=args.host,
        port=args.port,
        python=Path(sys.executable),
        workers=workers,
        deflate=compression_on(os.environ),
    )
    # Reflex refuses a frontend port (its CLI reads this variable) for a backend-only run.
    backend_env = {k: v for k, v in env.items() if k != "REFLEX_FRONTEND_PORT"}
    policy = access_policy(settings, ports=(args.port,))
    backend_env.update(
        {
            **backend.env,
            SERVE_FRONTEND_ENV: "on",
            "NEURAL_TERMINAL_BIND_HOST": args.host,
            # Reflex's CORS middleware and socket server default to "*".
            "REFLEX_CORS_ALLOWED_ORIGINS": ",".join(sorted(policy.origins)),
        }
    )
    address = (
        f"http://{args.host}:{args.port}/ (log in)"
        if settings.auth == "accounts"
        else unlock_url(settings, args.port)
    )
    print(f"\n  Neural Terminal: open {address}\n", flush=True)
    os.chdir(PROJECT_ROOT)
    os.execve(backend.argv[0], backend.argv, backend_env)


def hosting_refusal(settings: Settings) -> str | None:
    """Why the app must not start with these settings (README: Security), or None."""
    if settings.binds_beyond_loopback and settings.auth != "accounts":
        return (
            f"Refusing to listen on {settings.bind_host}: without accounts anyone who can "
            "reach this address could read your conversations and spend your key. Serve on "
            "127.0.0.1 (the default: HOST=127.0.0.1) and use an SSH tunnel, or set "
            "NEURAL_TERMINAL_AUTH=accounts and create users (README: Security)."
        )
    return None


def accounts_refusal(settings: Settings) -> str | None:
    """Hosted mode needs someone who can log in: the first admin, made from the CLI."""
    if settings.auth != "accounts":
        return None
    engine = make_engine(settings.database_url)
    try:
        if build_accounts(engine).users.has_any_admin():
            return None
    finally:
        engine.dispose()
    return (
        "NEURAL_TERMINAL_AUTH=accounts and no admin yet: create the first one with "
        "`python -m neural_terminal users add NAME --admin`, then start again."
    )


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
