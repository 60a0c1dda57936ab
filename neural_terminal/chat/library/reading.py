"""Reading import files a conversation at a time, so a large file imports in bounded memory.

A JSON array (ChatGPT's ``conversations.json``, a list of ShareGPT or OpenAI-style
conversations) is streamed item by item (ijson); an object (our export, one conversation) is
read whole; JSON lines one line at a time; a zip member by member; a folder file by file.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import ijson

from neural_terminal.domain.imports import ImportReport

SUFFIXES = (".json", ".jsonl", ".zip")
PEEK = 4096

# Where the conversation was found (for the report), and the document or item itself.
Found = tuple[str, Any]


def read_path(path: Path, report: ImportReport) -> Iterator[Found]:
    """A file, or every .json, .jsonl and .zip file of a folder (a split data export)."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in SUFFIXES)
        if not files:
            report.skipped.append(f"{path.name}: the folder holds no .json, .jsonl or .zip file")
        for file in files:
            yield from read_path(file, report)
        return
    with path.open("rb") as stream:
        yield from read_stream(stream, path.name, report)


def read_stream(stream: IO[bytes], name: str, report: ImportReport) -> Iterator[Found]:
    """What a file holds: a zip's members, or its JSON values."""
    head = stream.read(PEEK)
    if head.startswith(b"PK\x03\x04"):
        data = io.BytesIO(head + stream.read())  # a zip needs to seek
        with zipfile.ZipFile(data) as archive:
            members = [m for m in archive.namelist() if m.lower().endswith((".json", ".jsonl"))]
            if not members:
                report.skipped.append(f"{name}: the zip holds no .json file")
            for member in members:
                with archive.open(member) as inner:
                    yield from _json(inner, f"{name}/{member}", report)
        return
    yield from _json(_Rejoined(head, stream), name, report)


def _json(stream: IO[bytes] | _Rejoined, label: str, report: ImportReport) -> Iterator[Found]:
    head = stream.read(PEEK)
    rest = _Rejoined(head, stream)
    if head.lstrip()[:1] == b"[":
        try:
            yield from ((label, item) for item in ijson.items(rest, "item"))
        except ijson.JSONError as exc:
            report.skipped.append(
                f"{label}: not JSON past some point ({exc}); what came before is in"
            )
        return
    data = head + stream.read()
    try:
        yield label, json.loads(data)
        return
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        error = exc
    try:
        lines = [json.loads(line) for line in data.decode().splitlines() if line.strip()]
    except (UnicodeDecodeError, json.JSONDecodeError):
        report.skipped.append(f"{label}: not JSON ({error})")
        return
    yield from ((label, line) for line in lines)


class _Rejoined:
    """The bytes already read put back in front of the rest of a stream."""

    def __init__(self, head: bytes, stream: IO[bytes] | _Rejoined) -> None:
        self._head = head
        self._stream = stream

    def read(self, size: int = -1) -> bytes:
        if not self._head:
            return self._stream.read(size)
        if size < 0:
            data, self._head = self._head + self._stream.read(), b""
            return data
        data, self._head = self._head[:size], self._head[size:]
        if len(data) < size:
            data += self._stream.read(size - len(data))
        return data
