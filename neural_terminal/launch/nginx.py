"""``python -m neural_terminal.launch.nginx``: nginx's configuration for a hosted instance,
rendered from deploy/nginx.conf.in for the exported site and the workers' addresses.

The pages' Content-Security-Policy holds the hashes of the export's inline scripts, so it is
computed here from the files nginx will serve (as the backend does for the site it serves).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from neural_terminal.security import content_security_policy, inline_script_hashes
from neural_terminal.settings import PROJECT_ROOT

TEMPLATE = PROJECT_ROOT / "deploy" / "nginx.conf.in"


@dataclass(frozen=True)
class NginxSite:
    """What the configuration needs to know."""

    public_url: str  # how browsers reach it: http://127.0.0.1:8480, https://chat.example.com
    site: Path  # the exported frontend (reflex export --frontend-only --no-zip)
    workers: Sequence[str]  # host:port of each backend worker
    pid_file: Path
    temp_dir: Path  # nginx's temporary files (request bodies, proxied responses)
    log_dir: Path
    listen: str = ""  # default: the public URL's port, on every address
    worker_processes: str = "auto"
    # nginx started by root runs its workers as this user (Debian's is www-data).
    user: str = "www-data"
    max_body: str = "8m"

    def render(self, template: str) -> str:
        """The template with every placeholder filled in."""
        parts = urlsplit(self.public_url)
        host = parts.hostname or "localhost"
        port = parts.port or (443 if parts.scheme == "https" else 80)
        names = {host, "localhost", "127.0.0.1"} if host in ("localhost", "127.0.0.1") else {host}
        origin = f"{parts.scheme}://{parts.netloc}"
        websocket = ("wss" if parts.scheme == "https" else "ws") + f"://{parts.netloc}"
        csp = content_security_policy(
            script_hashes=inline_script_hashes(self.site), connect_sources=(origin, websocket)
        )
        values = {
            "USER": f"user {self.user};",
            "WORKER_PROCESSES": self.worker_processes,
            "PID_FILE": str(self.pid_file),
            "TEMP_DIR": str(self.temp_dir),
            "LOG_DIR": str(self.log_dir),
            "MAX_BODY": self.max_body,
            "UPSTREAM_SERVERS": "\n".join(
                f"        server {worker} max_fails=1 fail_timeout=3s;" for worker in self.workers
            ),
            "LISTEN": self.listen or str(port),
            "SERVER_NAMES": " ".join(sorted(names)),
            "SITE": str(self.site),
            "CSP": csp.replace('"', '\\"'),
        }
        rendered = template
        for name, value in values.items():
            rendered = rendered.replace(f"@@{name}@@", value)
        if "@@" in rendered:
            raise ValueError("deploy/nginx.conf.in has a placeholder this renderer does not fill")
        return rendered


def main(argv: list[str]) -> int:
    """Print the configuration (or write it to ``--out``)."""
    parser = argparse.ArgumentParser(prog="python -m neural_terminal.launch.nginx")
    parser.add_argument("--public-url", required=True, help="e.g. https://chat.example.com")
    parser.add_argument("--site", type=Path, required=True, help="the exported frontend folder")
    parser.add_argument(
        "--worker", action="append", required=True, help="a backend worker's host:port"
    )
    parser.add_argument("--listen", default="", help="nginx's listen (default: the URL's port)")
    # Debian's nginx package: its service's pid file, temporary and log folders.
    parser.add_argument("--pid-file", type=Path, default=Path("/run/nginx.pid"))
    parser.add_argument("--temp-dir", type=Path, default=Path("/var/lib/nginx"))
    parser.add_argument("--log-dir", type=Path, default=Path("/var/log/nginx"))
    parser.add_argument("--user", default="www-data", help="the user nginx's workers run as")
    parser.add_argument("--out", type=Path, help="write here instead of printing")
    args = parser.parse_args(argv)
    site = NginxSite(
        public_url=args.public_url,
        site=args.site.resolve(),
        workers=args.worker,
        pid_file=args.pid_file,
        temp_dir=args.temp_dir,
        log_dir=args.log_dir,
        listen=args.listen,
        user=args.user,
    )
    text = site.render(TEMPLATE.read_text())
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
