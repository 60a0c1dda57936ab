"""The messages sent upstream for a turn, a retry and a continuation."""

from __future__ import annotations

from collections.abc import Sequence

from neural_terminal.domain.chat import PromptMessage, Role
from neural_terminal.store.tables import Conversation, Message

# Sent just before the partial reply, which goes last as the assistant's prefix: providers
# that support prefill continue it directly, the rest read the instruction.
CONTINUE_INSTRUCTION = (
    "Your previous reply was cut off. It follows as the last assistant message. Continue it "
    "from exactly where it stops, without repeating any of it and without any preamble."
)


def prompt_for(
    conversation: Conversation, messages: Sequence[Message]
) -> tuple[PromptMessage, ...]:
    """The history in chat format: empty replies and replies replaced by a retry are left out."""
    prompt: list[PromptMessage] = []
    if conversation.system_prompt:
        prompt.append(PromptMessage(role="system", content=conversation.system_prompt))
    latest = _latest_reply_ids(messages)
    for message in messages:
        if message.role not in ("user", "assistant") or not message.content:
            continue
        parent = message.parent_id
        if message.role == "assistant" and parent is not None and latest[parent] != message.id:
            continue  # an earlier attempt: the retry that followed replaced it
        role: Role = "user" if message.role == "user" else "assistant"
        prompt.append(PromptMessage(role=role, content=message.content))
    return tuple(prompt)


def context_of(messages: Sequence[Message], reply: Message) -> list[Message]:
    """What ``reply`` answered: the messages before it, other attempts at it left out."""
    return [
        m
        for m in messages
        if (m.id or 0) < (reply.id or 0)
        and not (
            m.role == "assistant" and m.parent_id is not None and m.parent_id == reply.parent_id
        )
    ]


def continuation_prompt(
    conversation: Conversation, context: Sequence[Message], partial: str
) -> tuple[PromptMessage, ...]:
    """The context, the instruction to continue, then the partial reply as the prefix."""
    return (
        *prompt_for(conversation, context),
        PromptMessage(role="system", content=CONTINUE_INSTRUCTION),
        PromptMessage(role="assistant", content=partial),
    )


def _latest_reply_ids(messages: Sequence[Message]) -> dict[int, int]:
    latest: dict[int, int] = {}
    for message in messages:
        if message.role == "assistant" and message.parent_id is not None and message.id:
            latest[message.parent_id] = max(latest.get(message.parent_id, 0), message.id)
    return latest
