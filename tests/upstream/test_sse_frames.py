"""SSE framing, pure: each network read in, the data of the events it completed out."""

from __future__ import annotations

import pytest

from neural_terminal.upstream.streaming.sse_frames import EventFramer

STREAM = (
    "\ufeffdata: one\r\n\r\n"  # a BOM, CRLF
    ": OPENROUTER PROCESSING\n\n"  # a comment dispatches nothing
    "id: 7\nevent: message\ndata:two\n\n"  # other fields ignored; no space after the colon
    "data: three,\ndata:  indented\r\r"  # multi-line data joined by LF; CR alone ends lines
    "data\n\n"  # ``data`` alone: an empty line of data
    "data: 中文 🚀\n\n"
    "data: [DONE]\n\n"
).encode()
EVENTS = ["one", "two", "three,\n indented", "", "中文 🚀", "[DONE]"]


def feed_all(framer: EventFramer, reads: list[bytes]) -> list[str]:
    return [data for read in reads for data in framer.feed(read)]


def test_a_stream_read_whole_gives_every_event() -> None:
    assert feed_all(EventFramer(), [STREAM]) == EVENTS


@pytest.mark.parametrize("cut", range(1, len(STREAM)))
def test_a_stream_cut_anywhere_gives_the_same_events(cut: int) -> None:
    # Cuts fall between CR and LF and inside multi-byte characters.
    assert feed_all(EventFramer(), [STREAM[:cut], STREAM[cut:]]) == EVENTS


def test_a_stream_read_one_byte_at_a_time_gives_the_same_events() -> None:
    assert feed_all(EventFramer(), [STREAM[i : i + 1] for i in range(len(STREAM))]) == EVENTS


def test_an_event_without_its_blank_line_is_not_dispatched() -> None:
    framer = EventFramer()
    assert framer.feed(b"data: almost\n") == []
    assert framer.feed(b"\n") == ["almost"]


def test_a_bom_counts_only_at_the_start_of_the_stream() -> None:
    assert EventFramer().feed("data: a\n\n\ufeffdata: b\n\n".encode()) == ["a"]
