"""``python -m neural_terminal.simulator``: serve the simulator standalone."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import uvicorn

from neural_terminal.simulator.app import create_simulator_app
from neural_terminal.simulator.server import QuietSimulatedDrops, base_url, bind_socket


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and serve until interrupted."""
    parser = argparse.ArgumentParser(description="OpenRouter-compatible chat simulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090, help="0 picks a free port")
    parser.add_argument("--rate", type=float, default=40.0, help="tokens per second")
    parser.add_argument("--tiktoken-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    app = create_simulator_app(tokens_per_second=args.rate, tiktoken_cache_dir=args.tiktoken_dir)
    sock = bind_socket(args.host, args.port)
    print(f"Neural Terminal simulator: {base_url(sock)}", flush=True)
    logging.getLogger("uvicorn.error").addFilter(QuietSimulatedDrops())
    uvicorn.Server(uvicorn.Config(app, lifespan="off")).run(sockets=[sock])


if __name__ == "__main__":
    main()
