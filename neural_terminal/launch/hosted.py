"""``python -m neural_terminal.launch.hosted``: the hosted stack on one machine, for trying it
and for the tests: the frontend exported for the public URL, N backend workers on PostgreSQL
and Redis, and nginx in front of them (README: Hosting walks through the same on a server).

    --export-only   build the static site (``make export``) and stop
    --no-nginx      the workers only (``make serve-backend``), for a proxy run elsewhere
    --serve-worker PORT
                    become one worker on PORT (what a systemd unit runs: deploy/systemd)

Workers run on consecutive loopback ports after nginx's. A worker that exits is started again
(as systemd's Restart=always would); SIGTERM or Ctrl+C stops everything, workers first, each
draining its replies for the grace period. ``<state-dir>/stack.json`` says what runs where.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from neural_terminal.launch.backend import backend_command
from neural_terminal.launch.build_key import build_key
from neural_terminal.launch.frontend import built_site, ensure_built
from neural_terminal.launch.nginx import TEMPLATE, NginxSite
from neural_terminal.launch.stack_setup import (
    ensure_admin,
    ensure_postgres_database,
    sharing_refusal,
)
from neural_terminal.settings import PROJECT_ROOT, load_settings
from neural_terminal.store.migrations import upgrade_to_head

DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1:5432/neural_terminal_hosted"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
RESTART_PAUSE_S = 1.0


@dataclass
class Stack:
    """The processes of a running stack."""

    state_dir: Path
    workers: dict[int, subprocess.Popen[bytes]] = field(default_factory=dict)
    nginx: subprocess.Popen[bytes] | None = None
    stopping: bool = False

    def write_state(self, public_url: str) -> None:
        """``stack.json``: the URL, each worker's port and pid, nginx's pid."""
        state = {
            "url": public_url,
            "workers": {str(port): process.pid for port, process in self.workers.items()},
            "nginx": self.nginx.pid if self.nginx is not None else None,
        }
        path = self.state_dir / "stack.json"
        path.with_suffix(".tmp").write_text(json.dumps(state, indent=2))
        path.with_suffix(".tmp").replace(path)


def main(argv: list[str]) -> int:
    """Export, start the workers and nginx, and keep them running."""
    args = _parser().parse_args(argv)
    port: int = args.port
    public_url = args.public_url or f"http://127.0.0.1:{port}"
    state_dir: Path = args.state_dir.resolve()
    (state_dir / "logs").mkdir(parents=True, exist_ok=True)
    env = _stack_env(os.environ, public_url=public_url)
    web_dir = state_dir / "web"
    reflex = str(Path(sys.executable).with_name("reflex"))
    try:
        built = ensure_built(
            web_dir,
            build_key(PROJECT_ROOT, api_url=public_url, env=env),
            export=[reflex, "export", "--frontend-only", "--no-zip", "--env", "prod"],
            env={**env, "REFLEX_WEB_WORKDIR": str(web_dir)},
            cwd=PROJECT_ROOT,
        )
    except subprocess.CalledProcessError as exc:
        print(f"the frontend export failed (exit {exc.returncode}); its output is above")
        return 1
    site = built_site(web_dir)
    print(f"frontend {'exported' if built else 'unchanged'}: {site}", flush=True)
    if args.export_only:
        return 0
    if args.serve_worker:
        backend = backend_command(
            "uvicorn", host="127.0.0.1", port=args.serve_worker, python=Path(sys.executable)
        )
        worker_env = {**env, **backend.env, "REFLEX_WEB_WORKDIR": str(web_dir)}
        os.chdir(PROJECT_ROOT)
        os.execve(backend.argv[0], backend.argv, worker_env)
    settings = load_settings(env)
    refusal = sharing_refusal(settings, workers=args.workers)
    if refusal is not None:
        print(refusal, file=sys.stderr)
        return 2
    ensure_postgres_database(settings.database_url)
    upgrade_to_head(settings.database_url)
    ensure_admin(settings.database_url, lambda line: print(line, flush=True))
    stack = Stack(state_dir)
    try:
        _start(stack, args, env, web_dir, site, public_url)
    except BaseException:
        _stop(stack, timeout=10)
        raise
    print(f"\n  Neural Terminal (hosted, {args.workers} workers): open {public_url}/\n", flush=True)
    return _supervise(stack, env, web_dir, public_url)


def _start(
    stack: Stack,
    args: argparse.Namespace,
    env: Mapping[str, str],
    web_dir: Path,
    site: Path,
    public_url: str,
) -> None:
    ports = [args.port + 1 + index for index in range(args.workers)]
    for worker_port in ports:
        stack.workers[worker_port] = _start_worker(worker_port, env, web_dir, stack.state_dir)
    if not args.no_nginx:
        stack.nginx = _start_nginx(
            NginxSite(
                public_url=public_url,
                site=site,
                workers=[f"127.0.0.1:{p}" for p in ports],
                pid_file=stack.state_dir / "nginx" / "nginx.pid",
                temp_dir=stack.state_dir / "nginx",
                log_dir=stack.state_dir / "logs",
                listen=f"127.0.0.1:{args.port}",
                worker_processes="1",
                # The stack's files are the invoking user's: nginx's workers run as that user.
                user=getpass.getuser(),
            ),
            stack.state_dir,
        )
    stack.write_state(public_url)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m neural_terminal.launch.hosted")
    parser.add_argument("--port", type=int, default=8480, help="nginx's port (workers: next)")
    parser.add_argument("--workers", type=int, default=2, help="backend worker processes")
    parser.add_argument("--public-url", default="", help="default: http://127.0.0.1:PORT")
    parser.add_argument("--state-dir", type=Path, default=PROJECT_ROOT / ".cache" / "hosted")
    parser.add_argument("--export-only", action="store_true", help="build the site and stop")
    parser.add_argument("--no-nginx", action="store_true", help="serve the workers only")
    parser.add_argument("--serve-worker", type=int, default=0, help="run one worker on PORT")
    return parser


def _stack_env(base: Mapping[str, str], *, public_url: str) -> dict[str, str]:
    """Every worker's environment: hosted mode on PostgreSQL and Redis, behind ``public_url``."""
    env = dict(base)
    env.setdefault("NEURAL_TERMINAL_DATABASE_URL", DEFAULT_DATABASE)
    env.setdefault("REFLEX_REDIS_URL", DEFAULT_REDIS)
    env.setdefault("NEURAL_TERMINAL_AUTH", "accounts")
    # Reflex builds with bun from the npm registry (`make` provisions it), offline.
    env.setdefault("REFLEX_BUN_PATH", str(PROJECT_ROOT / ".tools/npm/node_modules/.bin/bun"))
    env.setdefault("REFLEX_CHECK_LATEST_VERSION", "false")
    origin = public_url.rstrip("/")
    env.update(
        {
            "REFLEX_API_URL": origin,
            "REFLEX_TELEMETRY_ENABLED": "false",
            "NEURAL_TERMINAL_ALLOWED_ORIGINS": origin,
            "REFLEX_CORS_ALLOWED_ORIGINS": origin,
            "NEURAL_TERMINAL_PUBLIC_PORT": str(_public_port(origin)),
            "NEURAL_TERMINAL_BIND_HOST": "127.0.0.1",
        }
    )
    env.pop("NEURAL_TERMINAL_SERVE_FRONTEND", None)  # nginx serves the site
    return env


def _public_port(url: str) -> int:
    """The port of ``url`` (its scheme's default when it names none)."""
    parts = urlsplit(url)
    return parts.port or (443 if parts.scheme == "https" else 80)


def _start_worker(
    port: int, env: Mapping[str, str], web_dir: Path, state_dir: Path
) -> subprocess.Popen[bytes]:
    backend = backend_command("uvicorn", host="127.0.0.1", port=port, python=Path(sys.executable))
    worker_env = {**env, **backend.env, "REFLEX_WEB_WORKDIR": str(web_dir)}
    log = (state_dir / "logs" / f"worker-{port}.log").open("ab")
    return subprocess.Popen(
        backend.argv, env=worker_env, cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT
    )


def _start_nginx(site: NginxSite, state_dir: Path) -> subprocess.Popen[bytes]:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    site.temp_dir.mkdir(parents=True, exist_ok=True)
    conf = state_dir / "nginx.conf"
    conf.write_text(site.render(TEMPLATE.read_text()))
    command = [nginx, "-c", str(conf), "-p", str(state_dir), "-g", "daemon off;"]
    subprocess.run([*command, "-t", "-q"], check=True)
    return subprocess.Popen(command, cwd=state_dir)


def _supervise(stack: Stack, env: Mapping[str, str], web_dir: Path, public_url: str) -> int:
    def stop(_signum: int, _frame: object) -> None:
        stack.stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while not stack.stopping:
        for port, process in list(stack.workers.items()):
            if process.poll() is not None and not stack.stopping:
                print(f"worker on {port} exited ({process.returncode}); starting it again")
                time.sleep(RESTART_PAUSE_S)
                stack.workers[port] = _start_worker(port, env, web_dir, stack.state_dir)
                stack.write_state(public_url)
        if stack.nginx is not None and stack.nginx.poll() is not None:
            print("nginx exited; stopping", file=sys.stderr)
            break
        time.sleep(0.2)  # a supervisor's poll: nothing to wait on across several children
    _stop(stack, timeout=load_settings(env).shutdown_grace_s + 10)
    return 0


def _stop(stack: Stack, *, timeout: float) -> None:
    """Workers first (each drains its replies), then nginx."""
    for process in stack.workers.values():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in stack.workers.values():
        _wait(process, timeout=timeout)
    if stack.nginx is not None and stack.nginx.poll() is None:
        stack.nginx.send_signal(signal.SIGQUIT)  # graceful: open sockets are closed
        _wait(stack.nginx, timeout=10)


def _wait(process: subprocess.Popen[bytes], *, timeout: float) -> None:
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
