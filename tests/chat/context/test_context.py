"""The context window over a real SQLite store: what is kept, what is cut, and the counts."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import Engine

from neural_terminal.chat.bus import EventBus
from neural_terminal.chat.context.builder import MARKER, ContextBuilder, PreparedContext
from neural_terminal.chat.context.elide import ELISION_MARKER
from neural_terminal.chat.context.window import WindowPolicy
from neural_terminal.domain.chat import PromptMessage
from neural_terminal.domain.conversations import ConversationInfo, StoredMessage
from neural_terminal.domain.errors import ContextTooLarge
from neural_terminal.domain.events import ContextTruncated
from neural_terminal.domain.models import ModelInfo
from neural_terminal.store.conversations.context_store import ContextStore
from neural_terminal.store.conversations.repository import ChatRepository
from neural_terminal.tokens.counter import TokenCounter, scheme_for
from tests.fakes import FakeCatalogue

TINY = "sim/tiny-window"  # 1,024 tokens, exact cl100k_base; 768 for the prompt
SYSTEM = "You are a terse terminal. Never forget this line."


@pytest.fixture
def repo(engine: Engine) -> ChatRepository:
    return ChatRepository(engine)


@pytest.fixture
def events(bus: EventBus) -> list[ContextTruncated]:
    seen: list[ContextTruncated] = []
    bus.subscribe(ContextTruncated, seen.append)
    return seen


def store(
    repo: ChatRepository, conversation: ConversationInfo, role: str, text: str
) -> StoredMessage:
    """Store a message with its count, as the orchestrator does."""
    encoding = scheme_for(conversation.model).encoding
    tokens = TokenCounter().count_message(role, text, encoding)
    return repo.add_message(
        conversation_id=conversation.id or 0,
        role=role,
        content=text,
        token_count=tokens,
        token_encoding=encoding,
    )


def sentence(i: int, words: int = 40) -> str:
    return f"#{i} " + " ".join(f"word{(i * 7 + k) % 97}" for k in range(words))


def chat_history(
    repo: ChatRepository, conversation: ConversationInfo, exchanges: int, words: int = 40
) -> list[StoredMessage]:
    stored: list[StoredMessage] = []
    for i in range(exchanges):
        stored.append(store(repo, conversation, "user", "Q" + sentence(i, words)))
        stored.append(store(repo, conversation, "assistant", "A" + sentence(i, words)))
    return stored


def check_payload(context: PreparedContext, system: str | None = SYSTEM) -> None:
    """Counted exactly on the final payload, it fits; system first; pairs whole."""
    counted = TokenCounter().count_prompt(context.messages, context.window.encoding)
    assert counted == context.prompt_tokens
    assert counted <= context.window.tokens
    if system is not None:
        assert context.messages[0] == PromptMessage("system", system)
    body = [m for m in context.messages[1 if system else 0 :] if m.role != "system"]
    assert body[-1].role == "user"
    for previous, message in itertools.pairwise(body):
        if message.role == "assistant":
            assert previous.role == "user"  # a reply never goes without its question


@pytest.mark.asyncio
async def test_an_empty_history_sends_only_the_new_message(
    repo: ChatRepository, context_builder: ContextBuilder, events: list[ContextTruncated]
) -> None:
    conversation = repo.create_conversation(model=TINY, system_prompt=SYSTEM)
    assert conversation.id is not None
    preview = context_builder.preview(conversation)
    assert (preview.prompt_tokens, preview.truncated) == (3 + 3 + 1 + 11, False)

    store(repo, conversation, "user", "hello")
    context = await context_builder.prepare(conversation)

    assert context.messages == (PromptMessage("system", SYSTEM), PromptMessage("user", "hello"))
    check_payload(context)
    assert not context.truncated
    assert events == []


@pytest.mark.asyncio
async def test_a_history_that_fits_is_sent_whole_in_order(
    repo: ChatRepository, context_builder: ContextBuilder, events: list[ContextTruncated]
) -> None:
    conversation = repo.create_conversation(model="m", system_prompt=SYSTEM)
    history = chat_history(repo, conversation, 5)
    store(repo, conversation, "user", "and now?")

    context = await context_builder.prepare(conversation)

    assert [m.content for m in context.messages] == [
        SYSTEM,
        *(m.content for m in history),
        "and now?",
    ]
    check_payload(context)
    assert all(context.in_context(m.id or 0) for m in history)
    assert events == []


@pytest.mark.asyncio
async def test_sliding_keeps_the_system_prompt_and_the_newest_whole_exchanges(
    repo: ChatRepository, context_builder: ContextBuilder, events: list[ContextTruncated]
) -> None:
    conversation = repo.create_conversation(model=TINY, system_prompt=SYSTEM)
    history = chat_history(repo, conversation, 12)
    store(repo, conversation, "user", "what did I ask first?")

    context = await context_builder.prepare(conversation)

    check_payload(context)
    assert context.window.tokens == 1024 - 256
    markers = [m for m in context.messages if m.content.startswith("[")]
    assert len(markers) == 1
    assert markers[0] == PromptMessage("system", MARKER.format(n=context.dropped_messages))
    kept = [m.content for m in context.messages[2:]]
    newest = [m.content for m in history][-len(kept) + 1 :]
    assert kept == [*newest, "what did I ask first?"]  # the newest, in order
    assert kept[0].startswith("Q")  # a whole exchange starts with its question
    assert context.dropped_messages == len(history) - (len(kept) - 1)
    greyed = [m for m in history if not context.in_context(m.id or 0)]
    assert len(greyed) == context.dropped_messages
    assert greyed == history[: len(greyed)]
    assert events == [
        ContextTruncated(
            conversation.id or 0,
            context.dropped_messages,
            context.prompt_tokens,
            context.window.tokens,
        )
    ]


async def _exact_window(
    engine: Engine, repo: ChatRepository, bus: EventBus, extra: int
) -> PreparedContext:
    """A conversation whose whole prompt counts exactly the window size, minus ``extra``."""
    conversation = repo.create_conversation(model="openai/gpt-4o", system_prompt=SYSTEM)
    history = chat_history(repo, conversation, 3)
    store(repo, conversation, "user", "last")
    payload = [PromptMessage("system", SYSTEM)]
    payload += [
        PromptMessage("user" if m.role == "user" else "assistant", m.content) for m in history
    ]
    payload.append(PromptMessage("user", "last"))
    total = TokenCounter().count_prompt(payload, "o200k_base")
    catalogue = FakeCatalogue(ModelInfo(id="openai/gpt-4o", name="x", context_length=total - extra))
    builder = ContextBuilder(
        store=ContextStore(engine),
        counter=TokenCounter(),
        catalogue=catalogue,
        bus=bus,
        policy=WindowPolicy(reply_reserve_tokens=0),
    )
    context = await builder.prepare(conversation)
    assert context.window.tokens == total - extra
    return context


@pytest.mark.asyncio
async def test_a_prompt_of_exactly_the_window_is_sent_whole(
    engine: Engine, repo: ChatRepository, bus: EventBus
) -> None:
    context = await _exact_window(engine, repo, bus, extra=0)
    assert not context.truncated
    assert len(context.messages) == 1 + 6 + 1
    assert context.prompt_tokens == context.window.tokens
    check_payload(context)


@pytest.mark.asyncio
async def test_one_token_over_the_window_drops_the_oldest_exchange(
    engine: Engine, repo: ChatRepository, bus: EventBus
) -> None:
    context = await _exact_window(engine, repo, bus, extra=1)
    assert context.truncated
    assert context.dropped_messages == 2
    assert context.messages[1].content.startswith("[2 earlier messages")
    check_payload(context)


@pytest.mark.asyncio
async def test_failed_replies_without_text_never_reach_the_prompt(
    repo: ChatRepository, context_builder: ContextBuilder
) -> None:
    conversation = repo.create_conversation(model="m")
    store(repo, conversation, "user", "one")
    repo.add_message(conversation_id=conversation.id or 0, role="assistant", content="")
    store(repo, conversation, "user", "two")

    context = await context_builder.prepare(conversation)

    assert [(m.role, m.content) for m in context.messages] == [("user", "one"), ("user", "two")]
    check_payload(context, system=None)


HARD_TEXT = "🙂👩‍👩‍👧 中文字符テスト 한국어 e\u0301 a\u0308 n\u0303 " * 3


@pytest.mark.asyncio
async def test_emoji_cjk_and_combining_characters_count_and_cut_cleanly(
    repo: ChatRepository, context_builder: ContextBuilder
) -> None:
    conversation = repo.create_conversation(model=TINY, system_prompt=SYSTEM)
    for i in range(8):
        store(repo, conversation, "user", f"{i} {HARD_TEXT}")
        store(repo, conversation, "assistant", f"{HARD_TEXT} {i}")
    store(repo, conversation, "user", HARD_TEXT * 40)  # alone larger than the window

    context = await context_builder.prepare(conversation)

    check_payload(context)
    sent = context.messages[-1].content
    assert context.elided_tokens > 0
    assert "tokens of this message were left out here" in sent
    assert "\ufffd" not in sent  # no character was split at a cut
    assert sent.startswith(HARD_TEXT[:20])
    assert sent.endswith(HARD_TEXT[-20:])


@pytest.mark.asyncio
async def test_a_single_oversized_message_keeps_its_start_and_end(
    repo: ChatRepository, context_builder: ContextBuilder, events: list[ContextTruncated]
) -> None:
    conversation = repo.create_conversation(model=TINY)
    chat_history(repo, conversation, 2)
    text = "BEGIN " + " ".join(f"filler{i}" for i in range(3000)) + " END"
    store(repo, conversation, "user", text)

    context = await context_builder.prepare(conversation)

    check_payload(context, system=None)
    sent = context.messages[-1].content
    assert sent.startswith("BEGIN filler0")
    assert sent.endswith("filler2999 END")
    assert ELISION_MARKER.split("{")[0] in sent
    assert context.dropped_messages == 4
    assert events[-1].dropped_messages == 4


def test_a_new_message_is_planned_whole_cut_or_refused(
    repo: ChatRepository, context_builder: ContextBuilder
) -> None:
    conversation = repo.create_conversation(model=TINY)
    assert (
        context_builder.plan(conversation, leaf_id=None, new_message=("hi", 100)).elide_to is None
    )
    cut = context_builder.plan(conversation, leaf_id=None, new_message=("long", 5000))
    assert cut.elide_to is not None
    assert 0 < cut.elide_to < 5000
    crowded = repo.create_conversation(model=TINY, system_prompt="x " * 760)
    with pytest.raises(ContextTooLarge):
        context_builder.plan(crowded, leaf_id=None, new_message=("long", 5000))


@pytest.mark.asyncio
async def test_a_plan_counts_an_oversized_new_message_as_it_will_be_sent(
    repo: ChatRepository, context_builder: ContextBuilder
) -> None:
    conversation = repo.create_conversation(model=TINY)
    leaf = chat_history(repo, conversation, 2)[-1]
    text = "BEGIN " + " ".join(f"filler{i}" for i in range(3000)) + " END"
    encoding = context_builder.window_now(TINY).encoding
    whole = TokenCounter().count_message("user", text, encoding)

    plan = context_builder.plan(conversation, leaf_id=leaf.id, new_message=(text, whole))
    estimated = plan.tokens  # what the preview and the reservation price
    context = await context_builder.finish(plan)

    check_payload(context, system=None)
    assert estimated == context.prompt_tokens < whole
    assert context.messages[-1].content.endswith("filler2999 END")


@pytest.mark.asyncio
async def test_an_unknown_family_is_approximate_with_a_margin(
    repo: ChatRepository, context_builder: ContextBuilder
) -> None:
    conversation = repo.create_conversation(model="anthropic/claude-3.5-sonnet")
    store(repo, conversation, "user", "hi")
    context = await context_builder.prepare(conversation)
    window = context.window
    assert (window.approximate, window.encoding) == (True, "cl100k_base")
    assert window.tokens == 200_000 - 1_024 - 30_000
    check_payload(context, system=None)


@pytest.mark.asyncio
async def test_a_model_missing_from_the_catalogue_gets_a_conservative_window(
    repo: ChatRepository, context_builder: ContextBuilder, catalogue: FakeCatalogue
) -> None:
    conversation = repo.create_conversation(model="newvendor/brand-new-model")
    store(repo, conversation, "user", "hi")
    context = await context_builder.prepare(conversation)
    assert catalogue.fetches == 1  # it asked the catalogue once more before falling back
    assert (context.window.context_length, context.window.known_length) == (8_192, False)
    assert context.window.approximate


class CountingCounter(TokenCounter):
    """A real counter that remembers every text it encoded."""

    def __init__(self) -> None:
        self.encoded: list[str] = []

    def encode(self, text: str, encoding: str) -> list[int]:
        self.encoded.append(text)
        return super().encode(text, encoding)


@pytest.mark.asyncio
async def test_preparing_a_context_never_encodes_the_stored_history(
    engine: Engine, repo: ChatRepository, catalogue: FakeCatalogue, bus: EventBus
) -> None:
    conversation = repo.create_conversation(model=TINY, system_prompt=SYSTEM)
    history = chat_history(repo, conversation, 30)
    store(repo, conversation, "user", "next")
    counter = CountingCounter()
    builder = ContextBuilder(
        store=ContextStore(engine),
        counter=counter,
        catalogue=catalogue,
        bus=bus,
        policy=WindowPolicy(),
    )

    context = await builder.prepare(conversation)

    assert context.truncated
    contents = {m.content for m in history} | {"next"}
    assert not contents & set(counter.encoded)


@pytest.mark.asyncio
async def test_switching_to_another_encoding_recounts_once_and_stores_it(
    engine: Engine, repo: ChatRepository, catalogue: FakeCatalogue, bus: EventBus
) -> None:
    conversation = repo.create_conversation(model="openai/gpt-4")
    history = chat_history(repo, conversation, 3)
    store(repo, conversation, "user", "switching now")
    repo.update_conversation(conversation_id=conversation.id or 0, model="openai/gpt-4o")
    switched = repo.get_conversation(conversation_id=conversation.id or 0)
    assert switched is not None
    counter = CountingCounter()
    builder = ContextBuilder(
        store=ContextStore(engine),
        counter=counter,
        catalogue=catalogue,
        bus=bus,
        policy=WindowPolicy(),
    )

    first = await builder.prepare(switched)
    recounted = len(counter.encoded)
    second = await builder.prepare(switched)

    assert recounted >= len(history)
    assert len(counter.encoded) == recounted  # the second context read the stored counts
    assert first.prompt_tokens == second.prompt_tokens
    check_payload(second, system=None)
    for message in repo.list_messages(conversation_id=conversation.id or 0):
        assert message.token_encoding == "o200k_base"
