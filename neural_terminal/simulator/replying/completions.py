"""From a chat request to a planned completion: model, fault, reply pieces and token counts."""

from __future__ import annotations

from dataclasses import dataclass

import tiktoken

from neural_terminal.simulator.records.catalogue import SimModel, fault_mode_of, find_model
from neural_terminal.simulator.replying.replies import (
    filler_blocks,
    filler_sentences,
    reply_text,
)
from neural_terminal.simulator.requests.chat_request import (
    BadRequest,
    ChatRequest,
    conversation_digest,
    parse_chat_request,
)
from neural_terminal.simulator.requests.directives import strip_request
from neural_terminal.simulator.requests.faults import Fault, after_prefix, parse_fault
from neural_terminal.simulator.requests.tokenising import (
    count_prompt_tokens,
    encode,
    fit_pieces,
    token_pieces,
)


@dataclass(frozen=True)
class Completion:
    """What the simulator will answer to one request, decided before any byte is sent."""

    request: ChatRequest
    model: SimModel
    prompt: str
    digest: bytes
    fault_mode: str | None
    fault: Fault | None
    tokens_per_second: float
    pieces: tuple[str, ...]
    finish_reason: str
    prompt_tokens: int
    # How long after the generation ended its record answers (``[[sim:record=S]]``).
    record_delay_s: float = 0.0

    @property
    def content(self) -> str:
        """The reply text, exactly what the streamed pieces join to."""
        return "".join(self.pieces)


def plan_completion(
    body: object,
    *,
    encoding: tiktoken.Encoding,
    tokens_per_second: float,
    fault_header: str | None = None,
) -> Completion:
    """Plan the answer to a decoded request ``body``; raises :class:`BadRequest` when it can't."""
    request = parse_chat_request(body)
    messages, directives = strip_request(request)
    # The most specific source wins: the message, then the header, then the model id.
    fault_mode = directives.fault or (fault_header or "").strip() or fault_mode_of(request.model)
    fault = parse_fault(fault_mode) if fault_mode else None
    model = find_model(request.model)
    if model is None:
        raise BadRequest(f"{request.model} is not a valid model ID")
    prompt_tokens = count_prompt_tokens(encoding, request.messages)
    wanted = prompt_tokens + (request.max_tokens or 0)
    if wanted > model.context_length:
        raise BadRequest(
            f"This endpoint's maximum context length is {model.context_length} tokens. "
            f"However, you requested about {wanted} tokens ({prompt_tokens} of text input, "
            f"{request.max_tokens or 0} in the output). Please reduce the length of either one."
        )
    index = request.last_user_index
    prompt = messages[index].content if index is not None else ""
    # The reply answers the last user message; what follows it (a continuation's instruction
    # and prefix) does not change which reply that is.
    digest = conversation_digest(messages if index is None else messages[: index + 1])
    text = reply_text(prompt, digest, markdown=directives.markdown)
    if directives.tokens is None:
        pieces = token_pieces(encoding, text)
    else:
        filler = filler_blocks(digest) if directives.markdown else filler_sentences(digest)
        pieces = fit_pieces(encoding, text, directives.tokens, filler)
    prefix = _prefix(request, index)
    if prefix is not None:
        pieces, done = continue_after(encoding, pieces, prefix, digest)
        fault = after_prefix(fault, done)
    finish_reason = "stop"
    if request.max_tokens is not None and len(pieces) > request.max_tokens:
        pieces, finish_reason = pieces[: request.max_tokens], "length"
    return Completion(
        request=request,
        model=model,
        prompt=prompt,
        digest=digest,
        fault_mode=fault_mode,
        fault=fault,
        tokens_per_second=directives.rate or tokens_per_second,
        pieces=tuple(pieces),
        finish_reason=finish_reason,
        prompt_tokens=prompt_tokens,
        record_delay_s=directives.record_delay_s,
    )


def _prefix(request: ChatRequest, user_index: int | None) -> str | None:
    """The partial reply to continue: a last message from the assistant after the user's."""
    last = request.messages[-1]
    if user_index is None or user_index == len(request.messages) - 1 or last.role != "assistant":
        return None
    return last.content


def continue_after(
    encoding: tiktoken.Encoding, pieces: list[str], prefix: str, digest: bytes
) -> tuple[list[str], int]:
    """The pieces that follow ``prefix`` in the reply, and how many tokens it already holds.

    A prefix the simulator wrote (cut between tokens, as a stream stores it) continues with
    exactly the rest of the reply; other text gets a few fresh sentences.
    """
    written = ""
    for done, piece in enumerate(pieces):
        if written == prefix:
            return pieces[done:], done
        written += piece
    if written == prefix:
        return [], len(pieces)
    text = "".join(pieces)
    if text.startswith(prefix):
        return token_pieces(encoding, text[len(prefix) :]), len(encode(encoding, prefix))
    filler = filler_sentences(digest + prefix.encode())
    return token_pieces(encoding, " " + " ".join(next(filler) for _ in range(2))), 0
