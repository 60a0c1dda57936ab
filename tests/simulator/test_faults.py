"""Fault modes: HTTP errors, broken, erroring, malformed and stalled streams, retry-then-pass."""

from __future__ import annotations

import itertools
from typing import Any

import httpx
import pytest

from neural_terminal.simulator.requests.chat_request import BadRequest
from neural_terminal.simulator.requests.faults import (
    DropAfter,
    ErrorAfter,
    Fault,
    HttpFault,
    MalformedAfter,
    Stall,
    StallMid,
    parse_fault,
)
from tests import virtual_time

from .reading import ReadStream, body, exact, read_lines, stream
from .timed import post_stream


@pytest.mark.parametrize(
    ("mode", "fault"),
    [
        ("http-401", HttpFault(401)),
        ("http-429", HttpFault(429, retry_after=2)),
        ("http-429-retry-7", HttpFault(429, retry_after=7)),
        ("http-429-times-3", HttpFault(429, retry_after=2, times=3)),
        ("http-503-times-1", HttpFault(503, times=1)),
        ("drop-after-5", DropAfter(5)),
        ("drop-after-5-times-2", DropAfter(5, times=2)),
        ("http-429-retry-1-times-1", HttpFault(429, retry_after=1, times=1)),
        ("stall-mid-4-0.25-times-1", StallMid(4, 0.25, times=1)),
        ("error-after-0", ErrorAfter(0)),
        ("malformed-after-2", MalformedAfter(2)),
        ("stall-1.5", Stall(1.5)),
        ("stall-mid-4-0.25", StallMid(4, 0.25)),
        (" Stall-2 ", Stall(2.0)),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_parse_fault(mode: str, fault: Fault) -> None:
    assert parse_fault(mode) == fault


@pytest.mark.parametrize("mode", ["explode", "http-200", "http-42", "drop-after-x", "stall-"])
def test_unknown_fault_modes_are_rejected(mode: str) -> None:
    with pytest.raises(BadRequest):
        parse_fault(mode)


def _post(client: httpx.Client, request: dict[str, Any], **kwargs: Any) -> httpx.Response:
    return client.post("/chat/completions", json=request, **kwargs)


@pytest.mark.parametrize("status", [401, 402, 403, 408, 429, 500, 502, 503])
def test_http_fault_answers_with_openrouter_error(client: httpx.Client, status: int) -> None:
    response = _post(client, body("hello", model=f"sim/fault-http-{status}", stream=True))
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == status
    assert isinstance(error["message"], str)
    assert len(error["message"]) > 5
    assert isinstance(error["metadata"], dict)


@pytest.mark.parametrize("how", ["model", "header", "directive"])
def test_fault_can_be_chosen_three_ways(client: httpx.Client, how: str) -> None:
    if how == "model":
        response = _post(client, body("hi", model="sim/fault-http-402"))
    elif how == "header":
        response = _post(client, body("hi"), headers={"X-Sim-Fault": "http-402"})
    else:
        response = _post(client, body("hi [[sim:fault=http-402]]"))
    assert response.status_code == 402


@pytest.mark.parametrize(("mode", "seconds"), [("http-429", "2"), ("http-429-retry-7", "7")])
def test_rate_limit_sends_retry_after(client: httpx.Client, mode: str, seconds: str) -> None:
    response = _post(client, body("hi"), headers={"X-Sim-Fault": mode})
    assert response.status_code == 429
    assert response.headers["retry-after"] == seconds


def test_moderation_error_carries_its_metadata(client: httpx.Client) -> None:
    response = _post(client, body("something rude", model="sim/fault-http-403"))
    metadata = response.json()["error"]["metadata"]
    assert metadata["reasons"] == ["harassment"]
    assert metadata["flagged_input"] == "something rude"


@pytest.mark.parametrize(
    ("mode", "expected"),
    [("http-429-times-2", [429, 429, 200, 200]), ("http-503-times-1", [503, 200, 200])],
)
def test_times_k_fails_the_first_k_identical_requests(
    client: httpx.Client, mode: str, expected: list[int]
) -> None:
    request = body(f"retry me ({mode})")
    headers = {"X-Sim-Fault": mode}
    assert [_post(client, request, headers=headers).status_code for _ in expected] == expected
    # Another conversation has its own count.
    other = body(f"a different question ({mode})")
    assert _post(client, other, headers=headers).status_code == expected[0]


def test_drop_after_n_breaks_the_stream(client: httpx.Client) -> None:
    seen = ReadStream()
    request = body("[[sim:fault=drop-after-4]] tell me a story", stream=True)
    with client.stream("POST", "/chat/completions", json=request) as r:
        assert r.status_code == 200
        generation_id = r.headers["x-generation-id"]
        with pytest.raises(httpx.RemoteProtocolError, match="incomplete chunked read"):
            read_lines(r.iter_lines(), into=seen)
    assert len(seen.deltas) == 4
    assert not seen.done
    assert all("usage" not in event for event in seen.events)
    data = exact(client.get("/generation", params={"id": generation_id}).text)["data"]
    assert (data["cancelled"], data["tokens_completion"]) == (True, 4)


def test_drop_breaks_a_non_streamed_reply(client: httpx.Client) -> None:
    with pytest.raises(httpx.RemoteProtocolError):
        _post(client, body("hi", model="sim/fault-drop-after-2"))


def test_error_after_n_sends_an_error_event_and_ends(client: httpx.Client) -> None:
    seen = stream(client, body("[[sim:fault=error-after-3]] hi"))
    assert len(seen.deltas) == 3
    assert seen.final["error"] == {"code": 502, "message": "Provider returned error"}
    assert seen.final["choices"][0]["finish_reason"] == "error"
    assert not seen.done


def test_error_after_n_non_streamed_is_a_502(client: httpx.Client) -> None:
    response = _post(client, body("hi [[sim:fault=error-after-3]]"))
    assert response.status_code == 502
    assert response.json()["error"]["message"] == "Provider returned error"


def test_malformed_after_n_sends_a_line_that_is_not_json(client: httpx.Client) -> None:
    seen = stream(client, body("[[sim:fault=malformed-after-2]] hi"))
    assert len(seen.deltas) == 2
    assert seen.raw_data[-1] == "{not json"
    assert not seen.done


def test_malformed_non_streamed_body_is_not_json(client: httpx.Client) -> None:
    response = _post(client, body("hi [[sim:fault=malformed-after-2]]"))
    assert response.status_code == 200
    with pytest.raises(ValueError, match="Expecting property name"):
        response.json()


def test_stall_delays_the_first_byte() -> None:
    timed = virtual_time.run(post_stream(body("hi"), headers={"X-Sim-Fault": "stall-0.3"}))
    first_write_at = timed.writes[0][0]
    assert first_write_at == pytest.approx(0.3)  # headers go out with the first write
    assert timed.read().done


def test_stall_trips_a_client_read_timeout(sim_url: str) -> None:
    timeout = httpx.Timeout(5.0, read=0.1)
    request = body("hi", model="sim/fault-stall-5")
    with (
        httpx.Client(base_url=sim_url, timeout=timeout) as impatient,
        pytest.raises(httpx.ReadTimeout),
    ):
        impatient.post("/chat/completions", json=request)


def test_stall_mid_pauses_after_n_tokens_then_finishes() -> None:
    request = body("[[sim:tokens=6]][[sim:fault=stall-mid-3-0.3]] hi")
    timed = virtual_time.run(post_stream(request, tokens_per_second=5_000))
    times = timed.delta_times()
    assert len(times) == 6
    assert timed.read().done
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert gaps[2] == pytest.approx(0.3)  # token 4 is due as soon as the pause ends
    assert gaps[:2] + gaps[3:] == pytest.approx([1 / 5_000] * 4)
