"""What a continuation adds after the path it answers."""

from __future__ import annotations

from neural_terminal.domain.chat import PromptMessage

# Sent just before the partial reply, which goes last as the assistant's prefix: providers
# that support prefill continue it directly, the rest read the instruction.
CONTINUE_INSTRUCTION = (
    "Your previous reply was cut off. It follows as the last assistant message. Continue it "
    "from exactly where it stops, without repeating any of it and without any preamble."
)


def continuation_tail(partial: str) -> tuple[PromptMessage, ...]:
    """The instruction to continue, then the partial reply as the prefix."""
    return (
        PromptMessage(role="system", content=CONTINUE_INSTRUCTION),
        PromptMessage(role="assistant", content=partial),
    )
