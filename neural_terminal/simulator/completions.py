"""From a chat request to a planned completion: model, fault, reply pieces and token counts."""

from __future__ import annotations

from dataclasses import dataclass

import tiktoken

from .catalogue import SimModel, fault_mode_of, find_model
from .chat_request import BadRequest, ChatRequest, conversation_digest, parse_chat_request
from .directives import strip_request
from .faults import Fault, parse_fault
from .replies import filler_sentences, reply_text
from .tokenising import count_prompt_tokens, fit_pieces, token_pieces


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
    digest = conversation_digest(messages)
    text = reply_text(prompt, digest)
    if directives.tokens is None:
        pieces = token_pieces(encoding, text)
    else:
        pieces = fit_pieces(encoding, text, directives.tokens, filler_sentences(digest))
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
    )
