"""How many prompt tokens a model accepts: its context length minus the reply and a margin."""

from __future__ import annotations

import math
from dataclasses import dataclass

from neural_terminal.domain.models import ModelInfo
from neural_terminal.tokens.counter import TokenScheme


@dataclass(frozen=True)
class WindowPolicy:
    """The knobs of the window (from settings)."""

    reply_reserve_tokens: int = 1_024
    unknown_context_tokens: int = 8_192
    approximate_margin: float = 0.15
    summary_max_tokens: int = 512
    summary_model: str | None = None
    # Bookends drop this much more than needed when they write a new summary, so the next
    # turns reuse it instead of paying for a summary per turn.
    bookends_slack: float = 0.25


@dataclass(frozen=True)
class Window:
    """The prompt budget of one model for one request."""

    model: str
    context_length: int
    known_length: bool
    reply_reserve: int
    margin: int
    encoding: str
    approximate: bool

    @property
    def tokens(self) -> int:
        """Prompt tokens that may be sent."""
        return max(0, self.context_length - self.reply_reserve - self.margin)


def window_for(
    model: str,
    info: ModelInfo | None,
    scheme: TokenScheme,
    policy: WindowPolicy,
    *,
    max_tokens: int | None = None,
) -> Window:
    """The window for ``model``; an unknown length falls back to a conservative default."""
    known = info is not None and info.context_length > 0
    length = info.context_length if info is not None and known else policy.unknown_context_tokens
    # A small window must not be eaten by the default reserve (sim/tiny-window has 1,024).
    reserve = (
        max_tokens if max_tokens is not None else min(policy.reply_reserve_tokens, length // 4)
    )
    # Another family's tokenizer can count more tokens than cl100k_base does for the same text.
    margin = math.ceil(length * policy.approximate_margin) if scheme.approximate else 0
    return Window(
        model=model,
        context_length=length,
        known_length=known,
        reply_reserve=reserve,
        margin=margin,
        encoding=scheme.encoding,
        approximate=scheme.approximate,
    )
