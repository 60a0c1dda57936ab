"""Body writes cut inside multi-byte characters, seen at the ASGI level."""

from __future__ import annotations

import pytest

from neural_terminal.simulator.replying.streaming import split_inside_character
from tests import virtual_time

from .reading import body, read_lines
from .timed import post_stream


def _ends_inside_a_character(data: bytes) -> bool:
    try:
        data.decode()
    except UnicodeDecodeError as exc:
        return exc.reason == "unexpected end of data"
    return False


def test_multibyte_events_are_written_in_two_parts_cut_inside_a_character() -> None:
    text = "naïve café 🙂 “quoted”"
    timed = virtual_time.run(post_stream(body(f"/echo {text}"), tokens_per_second=10_000))
    writes = [data for _, data in timed.writes]
    assert timed.status == 200
    assert any(_ends_inside_a_character(write) for write in writes)
    whole = b"".join(writes).decode()  # the concatenation is valid UTF-8
    assert "\\u" not in whole  # non-ASCII is written raw, not escaped
    seen = read_lines(whole.split("\n"))
    assert seen.content == text
    assert seen.done


@pytest.mark.parametrize(
    ("data", "parts"),
    [
        pytest.param(b"plain ascii", [b"plain ascii"], id="ascii"),
        pytest.param("a é b".encode(), [b"a \xc3", b"\xa9 b"], id="two-byte"),
        pytest.param("🙂".encode(), [b"\xf0", b"\x9f\x99\x82"], id="four-byte"),
    ],
)
def test_split_inside_character(data: bytes, parts: list[bytes]) -> None:
    assert split_inside_character(data) == parts
