"""cl100k_base token counts and the per-token text pieces a stream is made of."""

from __future__ import annotations

import codecs
from collections.abc import Iterator, Sequence

import tiktoken

from neural_terminal.simulator.requests.chat_request import Message

ENCODING_NAME = "cl100k_base"
# OpenAI's published recipe for chat models (openai-cookbook, "How to count tokens with
# tiktoken"): every message costs 3 tokens of framing, a name 1 more, the reply primer 3.
TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
REPLY_PRIMER_TOKENS = 3


def encode(encoding: tiktoken.Encoding, text: str) -> list[int]:
    """Token ids of ``text``; special-token text such as ``<|endoftext|>`` counts as plain text."""
    return encoding.encode(text, disallowed_special=())


def count_prompt_tokens(encoding: tiktoken.Encoding, messages: Sequence[Message]) -> int:
    """Prompt tokens of ``messages`` by OpenAI's chat counting recipe."""
    total = REPLY_PRIMER_TOKENS
    for message in messages:
        total += TOKENS_PER_MESSAGE
        total += len(encode(encoding, message.role)) + len(encode(encoding, message.content))
        if message.name is not None:
            total += len(encode(encoding, message.name)) + TOKENS_PER_NAME
    return total


def token_pieces(encoding: tiktoken.Encoding, text: str) -> list[str]:
    """One text piece per token of ``text``, each valid on its own.

    A token may end inside a multi-byte UTF-8 character (emoji are often split in two); its
    incomplete bytes are carried into the next piece, so such a token's own piece can be empty.
    Pieces of a prefix of the tokens drop a trailing incomplete character.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    return [
        decoder.decode(encoding.decode_single_token_bytes(token))
        for token in encode(encoding, text)
    ]


def fit_pieces(
    encoding: tiktoken.Encoding, text: str, count: int, filler: Iterator[str]
) -> list[str]:
    """Exactly ``count`` pieces: ``text`` cut short, or padded with ``filler`` sentences."""
    pieces = token_pieces(encoding, text)
    while len(pieces) < count:
        # Add roughly enough sentences at once; re-tokenise the whole so joins stay natural.
        missing = count - len(pieces)
        added: list[str] = []
        while missing > 0:
            sentence = next(filler)
            added.append(sentence)
            missing -= len(encode(encoding, sentence))
        text = " ".join([text, *added]) if text else " ".join(added)
        pieces = token_pieces(encoding, text)
    return pieces[:count]
