"""The append script carries model output as a string literal, never as code."""

from __future__ import annotations

import json
import re

import pytest

from neural_terminal.ui.chat.live.live_script import append_script


@pytest.mark.parametrize(
    "text",
    [
        pytest.param('"); alert(1); ("', id="quote-breakout"),
        pytest.param("</script><script>alert(1)</script>", id="script-tags"),
        pytest.param("line\nbreak\u2028separator\\ backslash", id="control-characters"),
        pytest.param("emoji 🙂 中文 é", id="multibyte"),
    ],
)
def test_text_is_one_json_string_literal(text: str) -> None:
    script = append_script(7, 12, text)
    match = re.fullmatch(r"window\.ntLive&&window\.ntLive\.append\(7,12,(.*)\)", script, re.S)
    assert match is not None
    assert json.loads(match.group(1)) == text


def test_a_live_cost_rides_in_the_same_call_as_a_literal() -> None:
    script = append_script(3, 0, "text", '~$0.0001"); alert(1); ("')
    match = re.fullmatch(r"window\.ntLive&&window\.ntLive\.append\(3,0,(\".*\"),(\".*\")\)", script)
    assert match is not None
    assert json.loads(match.group(1)) == "text"
    assert json.loads(match.group(2)) == '~$0.0001"); alert(1); ("'


def test_where_markdown_blocks_end_rides_in_the_same_call() -> None:
    script = append_script(3, 10, "- a\n\nnext\n", None, [14, 19])
    match = re.fullmatch(
        r"window\.ntLive&&window\.ntLive\.append\(3,10,(\".*\"),void 0,\[14, 19\]\)", script
    )
    assert match is not None
    assert json.loads(match.group(1)) == "- a\n\nnext\n"
    assert append_script(3, 10, "x", None, []) == append_script(3, 10, "x")
    with_cost = append_script(3, 10, "x", "~$0.01", [1])
    assert with_cost == 'window.ntLive&&window.ntLive.append(3,10,"x","~$0.01",[1])'
