"""Write tiktoken's BPE files from the npm ``tiktoken`` package, verified by hash.

The npm package ships each encoding as JSON whose ``bpe_ranks`` holds lines of
``<label> <first rank> <base64 token> <base64 token> ...``; tiktoken wants one
``<base64 token> <rank>`` per line. The result must hash to tiktoken's published SHA-256,
so a corrupt or different file is refused rather than silently miscounting.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from neural_terminal.tokens.encodings import KNOWN_ENCODINGS, cache_file_name


def tiktoken_bpe_from_npm_json(npm_json: str) -> bytes:
    """Convert the npm package's compact ranks into tiktoken's ``.tiktoken`` format."""
    ranks: str = json.loads(npm_json)["bpe_ranks"]
    out: list[str] = []
    for line in ranks.split("\n"):
        if not line:
            continue
        _label, first_rank, *tokens = line.split(" ")
        start = int(first_rank)
        out.extend(f"{token} {start + offset}\n" for offset, token in enumerate(tokens))
    return "".join(out).encode()


def provision(npm_encoders_dir: Path, cache_dir: Path) -> list[Path]:
    """Write every known encoding into ``cache_dir``; skip files already verified."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name, (_url, expected) in KNOWN_ENCODINGS.items():
        target = cache_dir / cache_file_name(name)
        if target.is_file() and hashlib.sha256(target.read_bytes()).hexdigest() == expected:
            continue
        data = tiktoken_bpe_from_npm_json((npm_encoders_dir / f"{name}.json").read_text())
        actual = hashlib.sha256(data).hexdigest()
        if actual != expected:
            raise ValueError(f"{name}: sha256 {actual} does not match tiktoken's {expected}")
        tmp = target.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(target)
        written.append(target)
    return written
