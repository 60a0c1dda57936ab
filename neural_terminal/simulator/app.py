"""The simulator as a Starlette app: ``/api/v1/models``, ``/chat/completions``, ``/generation``,
``/key``.

Served standalone at ``/api/v1/...`` or mounted by the main app under ``/sim``.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import tiktoken
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp

from neural_terminal.settings import load_settings
from neural_terminal.simulator.records.catalogue import CATALOGUE, model_json
from neural_terminal.simulator.records.generations import Generation, GenerationLog
from neural_terminal.simulator.records.key import KEY_LIMIT_SOURCE, KeyLedger
from neural_terminal.simulator.replying.chunks import Envelope, completion_json, usage_json
from neural_terminal.simulator.replying.completions import Completion, plan_completion
from neural_terminal.simulator.replying.streaming import StreamPlan, sse_body
from neural_terminal.simulator.requests.chat_request import BadRequest
from neural_terminal.simulator.requests.faults import (
    DropAfter,
    ErrorAfter,
    FaultCounter,
    HttpFault,
    MalformedAfter,
    Stall,
    StallMid,
    http_error,
)
from neural_terminal.simulator.requests.tokenising import ENCODING_NAME
from neural_terminal.simulator.responses import (
    ExactJSONResponse,
    SSEResponse,
    TruncatedJSONResponse,
    error_response,
    unless_disconnected,
)
from neural_terminal.simulator.wire import JSON_TYPE
from neural_terminal.tokens.encodings import get_encoding, use_cache_dir

# How long GET /generation waits for a stream that is still ending (e.g. just aborted).
SETTLE_SECONDS = 5.0


class Simulator:
    """One simulator: its pace, its encoding, the generations it served and fault counters."""

    def __init__(
        self,
        *,
        tokens_per_second: float,
        tiktoken_cache_dir: Path,
        key_limit_usd: Decimal | None = None,
    ) -> None:
        if tokens_per_second <= 0:
            raise ValueError("tokens_per_second must be positive")
        use_cache_dir(tiktoken_cache_dir)  # fails now, not on the first request, if missing
        self._tokens_per_second = tokens_per_second
        self._encoding: tiktoken.Encoding | None = None
        self._generations = GenerationLog()
        self._faults = FaultCounter()
        self._key = KeyLedger(key_limit_usd)

    async def encoding(self) -> tiktoken.Encoding:
        """cl100k_base, loaded off the event loop on first use."""
        if self._encoding is None:
            self._encoding = await asyncio.to_thread(get_encoding, ENCODING_NAME)
        return self._encoding

    async def models(self, request: Request) -> Response:
        """``GET /models``."""
        return ExactJSONResponse({"data": [model_json(model) for model in CATALOGUE]})

    async def chat_completions(self, request: Request) -> ASGIApp:
        """``POST /chat/completions``, streamed or whole, faults included."""
        try:
            body = json.loads(await request.body())
        except ValueError:
            return error_response(400, "Request body is not valid JSON")
        try:
            completion = plan_completion(
                body,
                encoding=await self.encoding(),
                tokens_per_second=self._tokens_per_second,
                fault_header=request.headers.get("x-sim-fault"),
            )
        except BadRequest as exc:
            return error_response(400, str(exc))
        if self._key.over_limit():
            return error_response(402, "Key limit exceeded", {"limit_source": KEY_LIMIT_SOURCE})
        if not self._fails_now(completion):
            completion = replace(completion, fault=None)  # a -times-K fault used up
        fault = completion.fault
        if isinstance(fault, HttpFault):
            return _http_fault_response(completion, fault)
        generation = self._generations.add(
            Generation(
                id=f"gen-sim-{secrets.token_hex(12)}",
                model=completion.model,
                prompt_tokens=completion.prompt_tokens,
                streamed=completion.request.stream,
                record_delay_s=completion.record_delay_s,
            )
        )
        self._key.add(generation)
        envelope = Envelope(id=generation.id, model=completion.model.id, created=int(time.time()))
        headers = {"X-Generation-Id": generation.id}
        if completion.request.stream:
            plan = StreamPlan(
                envelope=envelope,
                pieces=completion.pieces,
                finish_reason=completion.finish_reason,
                tokens_per_second=completion.tokens_per_second,
                fault=fault,
            )
            return SSEResponse(sse_body(plan, generation), headers)
        if isinstance(fault, Stall | StallMid):
            stalled = asyncio.sleep(fault.seconds)
            if not await unless_disconnected(request.receive, stalled):
                generation.cancel()
                return Response(status_code=499)  # nobody is left to read it
        return _whole_reply(completion, generation, envelope, headers)

    async def generation(self, request: Request) -> Response:
        """``GET /generation?id=...``: what a served generation cost."""
        generation_id = request.query_params.get("id", "")
        if not generation_id:
            return error_response(400, "Missing required query parameter: id")
        generation = await self._generations.settled(generation_id, SETTLE_SECONDS)
        if generation is None:
            return error_response(404, f"Generation {generation_id} not found")
        with_timeline = request.query_params.get("timeline") == "1"
        return ExactJSONResponse({"data": generation.as_json(with_timeline=with_timeline)})

    async def key(self, request: Request) -> Response:
        """``GET /key``: the key's limit and what its generations cost."""
        return ExactJSONResponse({"data": self._key.as_json()})

    def _fails_now(self, completion: Completion) -> bool:
        fault = completion.fault
        if fault is None or fault.times is None or completion.fault_mode is None:
            return True
        return self._faults.should_fail(completion.fault_mode, completion.digest, fault.times)


def _http_fault_response(completion: Completion, fault: HttpFault) -> Response:
    """The error OpenRouter would send for ``fault``, ``Retry-After`` included when set."""
    message, metadata = http_error(fault.status, completion.model.id, completion.prompt)
    retry = {} if fault.retry_after is None else {"Retry-After": str(fault.retry_after)}
    return error_response(fault.status, message, metadata, retry)


def _whole_reply(
    completion: Completion, generation: Generation, envelope: Envelope, headers: dict[str, str]
) -> ASGIApp:
    """A non-streamed answer; stream faults become their closest whole-response equivalent."""
    fault = completion.fault
    if isinstance(fault, ErrorAfter | MalformedAfter):
        generation.completion_tokens = min(fault.tokens, len(completion.pieces))
        generation.complete("error")
        if isinstance(fault, MalformedAfter):
            return Response("{not json", media_type=JSON_TYPE, headers=headers)
        metadata = {"provider_name": "Simulator"}
        return error_response(502, "Provider returned error", metadata, headers)
    generation.completion_tokens = len(completion.pieces)
    usage = usage_json(generation.prompt_tokens, generation.completion_tokens, generation.cost)
    payload = completion_json(envelope, completion.content, completion.finish_reason, usage)
    if isinstance(fault, DropAfter):
        generation.cancel()
        return TruncatedJSONResponse(payload, headers)
    generation.complete(completion.finish_reason)
    return ExactJSONResponse(payload, headers=headers)


def create_simulator_app(
    *,
    tokens_per_second: float = 40.0,
    tiktoken_cache_dir: Path | None = None,
    key_limit_usd: Decimal | None = None,
) -> Starlette:
    """Build the simulator app; ``tiktoken_cache_dir`` defaults to the settings' directory;
    ``key_limit_usd`` is its key's spending limit (None: none)."""
    cache_dir = tiktoken_cache_dir or load_settings().tiktoken_cache_dir
    simulator = Simulator(
        tokens_per_second=tokens_per_second,
        tiktoken_cache_dir=cache_dir,
        key_limit_usd=key_limit_usd,
    )
    return Starlette(
        routes=[
            Route("/api/v1/models", simulator.models, methods=["GET"]),
            Route("/api/v1/chat/completions", simulator.chat_completions, methods=["POST"]),
            Route("/api/v1/generation", simulator.generation, methods=["GET"]),
            Route("/api/v1/key", simulator.key, methods=["GET"]),
        ]
    )
