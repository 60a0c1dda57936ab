"""Where a process's CPU goes: py-spy samples of it, grouped into the app's layers.

Each sample (a Python stack) counts for the deepest frame that belongs to a known layer: a
JSON parse called by our SSE decoder counts for the upstream client, the event loop only
when nothing else is on the stack. py-spy samples from outside the process (ptrace), so the
app runs unchanged; where ptrace is not allowed the bench says so and goes on without it.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

# (layer, path fragments of its frames); the first layer that matches a frame names it.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("upstream client (our upstream/, httpx, httpcore, h11)",
     ("neural_terminal/upstream/", "httpx/", "httpcore/", "h11/")),
    ("turns, spend and tokens (our chat/, tokens/, tiktoken)",
     ("neural_terminal/chat/", "neural_terminal/tokens/", "tiktoken/")),
    ("database (our store/, SQLAlchemy, drivers)",
     ("neural_terminal/store/", "sqlalchemy/", "sqlmodel/", "sqlite3/", "psycopg")),
    ("page state and pushes (our ui/)", ("neural_terminal/ui/",)),
    ("Reflex, Socket.IO, the web server",
     ("reflex", "socketio/", "engineio/", "uvicorn/", "websockets/", "granian/")),
    ("event loop (asyncio, selectors)", ("asyncio/", "selectors.py")),
)  # fmt: skip
OTHER = "other"
# Idle threads waiting for work, which py-spy does not always tell from running ones.
WAITING = ("Condition.wait (threading.py", "Queue.get (queue.py", "thread.py:81)")
_FILE = re.compile(r"\(([^()]*?)(?::\d+)?\)$")


@dataclass
class Shares:
    """Samples per layer."""

    samples: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        """All samples taken."""
        return sum(self.samples.values())

    def lines(self) -> list[str]:
        """One line per layer, largest first, in percent of the samples."""
        total = self.total or 1
        return [
            f"{count / total * 100:5.1f}%  {layer}" for layer, count in self.samples.most_common()
        ]


def layer_of(stack: str) -> str:
    """The layer a sample counts for (``stack``: py-spy's raw ``a (file:1);b (file:2)``)."""
    for frame in reversed(stack.split(";")):
        found = _FILE.search(frame)
        path = found.group(1) if found else frame
        for layer, fragments in LAYERS:
            if any(fragment in path for fragment in fragments):
                return layer
    return OTHER


def is_waiting(stack: str) -> bool:
    """Whether the sample is an idle thread waiting for work (not CPU spent)."""
    leaf = stack.rsplit(";", 1)[-1]
    return any(wait in leaf for wait in WAITING)


def read_shares(raw: Path) -> Shares:
    """Group the samples of a py-spy ``--format raw`` file (idle waits left out)."""
    shares = Shares()
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit() and not is_waiting(stack):
            shares.samples[layer_of(stack)] += int(count)
    return shares


@contextmanager
def sampled(pid: int, out: Path, rate: int = 100) -> Iterator[list[Shares]]:
    """Sample ``pid`` with py-spy for the body of the ``with``; the yielded list then holds
    the shares (empty when py-spy could not run, with the reason printed)."""
    result: list[Shares] = []
    spy = Path(sys.executable).with_name("py-spy")
    command = [str(spy), "record", "-p", str(pid), "-r", str(rate), "-f", "raw", "-o", str(out)]
    log = out.with_suffix(".log")
    with log.open("wb") as errors:
        try:
            process = subprocess.Popen(command, stdout=errors, stderr=subprocess.STDOUT)
        except OSError as exc:
            print(f"profile unavailable: {exc}")
            yield result
            return
    try:
        yield result
    finally:
        process.send_signal(signal.SIGINT)  # py-spy writes what it has and exits
        process.wait(timeout=60)
        if out.is_file() and os.path.getsize(out):
            result.append(read_shares(out))
        else:
            print(f"profile unavailable: {log.read_text().strip()[-300:]}")
