"""The load bench's profile: each sample counts for the deepest frame of a known layer."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.profile_shares import LAYERS, OTHER, layer_of, read_shares

UPSTREAM, TURNS, DATABASE, UI, FRAMEWORK, LOOP = (name for name, _ in LAYERS)
ROOT = "run (asyncio/runners.py:118);_run_once (asyncio/base_events.py:1922)"


@pytest.mark.parametrize(
    ("leaf", "layer"),
    [
        pytest.param("", LOOP, id="only-the-loop"),
        pytest.param(
            ";_iterate (neural_terminal/upstream/streaming/stream.py:60)", UPSTREAM, id="ours"
        ),
        pytest.param(
            ";loads (neural_terminal/upstream/wire.py:20);decode (json/decoder.py:337)",
            UPSTREAM,
            id="json-called-by-the-decoder",
        ),
        pytest.param(
            ";_take_delta (neural_terminal/chat/turns/streaming.py:250)"
            ";encode_ordinary (tiktoken/core.py:90)",
            TURNS,
            id="tiktoken",
        ),
        pytest.param(";execute (sqlalchemy/engine/base.py:1)", DATABASE, id="sqlalchemy"),
        pytest.param(";emit (socketio/async_server.py:1)", FRAMEWORK, id="socketio"),
        pytest.param(";stream_reply (neural_terminal/ui/chat/state.py:9)", UI, id="state"),
    ],
)
def test_a_sample_counts_for_its_deepest_known_layer(leaf: str, layer: str) -> None:
    assert layer_of(ROOT + leaf) == layer


def test_a_stack_of_unknown_frames_is_other() -> None:
    assert layer_of("main (bench.py:1);work (mystery.py:2)") == OTHER


def test_raw_samples_are_summed_per_layer(tmp_path: Path) -> None:
    raw = tmp_path / "raw.txt"
    raw.write_text(
        f"{ROOT};execute (sqlalchemy/engine/base.py:1) 3\n{ROOT} 2\n"
        f"{ROOT};execute (sqlalchemy/engine/base.py:9) 5\n"
        "_bootstrap (threading.py:1002);get (queue.py:171);Condition.wait (threading.py:327) 7\n"
    )
    shares = read_shares(raw)
    assert shares.samples == {DATABASE: 8, LOOP: 2}  # the idle thread's wait is no CPU
    assert shares.lines() == [f" 80.0%  {DATABASE}", f" 20.0%  {LOOP}"]
