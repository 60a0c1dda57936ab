"""How much memory a large import takes: a generated ChatGPT data export (``conversations.json``,
about 200 MB: conversations with branched ``mapping`` trees) imported by the command line into a
new SQLite file, in a child process whose peak resident memory is read from the kernel. Printed
beside the file's size, the time, and the machine's load.
Run: ``.venv/bin/python -m bench.imports [MEGABYTES]``.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO, Any

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

WHOLE = (
    "import json, resource, sys; json.load(open(sys.argv[1], 'rb')); "
    "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
)
NODES = 40  # messages per conversation, with a branch every tenth
WORDS = "the quick brown fox jumps over the lazy dog and keeps running " * 8


def conversation(index: int) -> dict[str, Any]:
    """One ChatGPT conversation: a root, then user/assistant turns, an edit now and then."""
    mapping: dict[str, Any] = {
        "root": {"id": "root", "message": None, "parent": None, "children": []}
    }
    parent = "root"
    for n in range(NODES):
        node = f"n{n}"
        role = "user" if n % 2 == 0 else "assistant"
        under = parent if n % 10 else "root"  # every tenth message starts a new branch
        mapping[node] = {
            "id": node,
            "parent": under,
            "children": [],
            "message": {
                "id": node,
                "author": {"role": role},
                "create_time": 1_700_000_000 + n,
                "content": {"content_type": "text", "parts": [f"{index}-{n} {WORDS}"]},
                "metadata": {"model_slug": "gpt-4o"} if role == "assistant" else {},
            },
        }
        parent = node
    return {
        "id": f"c{index}",
        "title": f"conversation {index}",
        "current_node": parent,
        "mapping": mapping,
    }


def write_export(out: IO[str], megabytes: int) -> int:
    """Write conversations until the file holds about ``megabytes``; how many."""
    out.write("[")
    written, count = 1, 0
    while written < megabytes * 1_000_000:
        text = ("," if count else "") + json.dumps(conversation(count))
        out.write(text)
        written += len(text)
        count += 1
    out.write("]")
    return count


def main() -> None:
    """Generate, import, print."""
    megabytes = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    with tempfile.TemporaryDirectory() as workdir:
        export = Path(workdir) / "conversations.json"
        with export.open("w") as out:
            count = write_export(out, megabytes)
        size = export.stat().st_size
        env = {**os.environ, "NEURAL_TERMINAL_DATABASE_URL": f"sqlite:///{workdir}/import.db"}
        started = time.perf_counter()
        run = subprocess.run(
            [sys.executable, "-m", "neural_terminal", "import", str(export)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        elapsed = time.perf_counter() - started
        peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
        print(f"file {size / 1e6:,.0f} MB, {count:,} conversations of {NODES} messages")
        print(f"import: exit {run.returncode} in {elapsed:,.1f} s; {run.stdout.strip()[:120]}")
        ratio = peak_kib * 1024 / size
        peak = peak_kib / 1024
        print(f"peak resident memory {peak:,.0f} MiB ({ratio:.2f} bytes per byte of file)")
        # Side by side: the same file read whole, as json.load would (nothing stored).
        whole = subprocess.run(
            [sys.executable, "-c", WHOLE, str(export)], capture_output=True, text=True, check=True
        )
        whole_mib = int(whole.stdout) / 1024
        print(f"read whole with json.load instead: {whole_mib:,.0f} MiB ({whole_mib / peak:.1f}x)")


if __name__ == "__main__":
    main()
