"""Server-sent event framing: network reads in, the data of each complete event out; pure.

Per https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation:
lines end with CRLF, LF or CR; a line starting with ``:`` is a comment (OpenRouter's
``: OPENROUTER PROCESSING``); ``data:`` lines (one optional space after the colon) add to the
event's data, joined by LF; a blank line dispatches the event unless its data is empty.
Other fields (``event``, ``id``, ``retry``) carry nothing we use.

One call per network read handles every event the read completed, so a read costs the same
few bytes operations however many events it holds; a line cut by a read waits in a buffer.
"""

from __future__ import annotations

BOM = "\ufeff"


class EventFramer:
    """``framer.feed(read)`` returns the data of the events that read completed, in order."""

    def __init__(self) -> None:
        self._partial = b""  # the start of a line whose end has not arrived yet
        self._data: list[str] = []  # the data lines of the event being read
        self._drop_lf = False  # the last read ended in CR: an LF first in the next ends that line
        self._started = False  # whether the stream's first line (which may start with a BOM) passed

    def feed(self, read: bytes) -> list[str]:
        """The data of every event completed by ``read``."""
        if self._drop_lf and read.startswith(b"\n"):
            read = read[1:]
        self._drop_lf = read.endswith(b"\r")
        buffer = self._partial + read if self._partial else read
        if b"\r" in buffer:
            buffer = buffer.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        *lines, self._partial = buffer.split(b"\n")
        events: list[str] = []
        for line in lines:
            self._take(line, events)
        return events

    def _take(self, line: bytes, events: list[str]) -> None:
        if not line:
            if self._data:
                events.append("\n".join(self._data))
                self._data = []
            return
        text = line.decode("utf-8", "replace")
        if not self._started:
            self._started = True
            text = text.removeprefix(BOM)
        name, _, value = text.partition(":")
        if name == "data":  # ``data`` alone (no colon) adds an empty line of data
            self._data.append(value[1:] if value.startswith(" ") else value)
