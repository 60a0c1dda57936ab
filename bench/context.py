"""How long preparing one send's context takes: stored counts vs naive re-encoding.

Builds synthetic conversations (200, 2,000 and 20,000 messages of about 500 tokens each, so
2,000 messages are about 1,000,000 tokens) in a temporary SQLite file, then times the real
ContextBuilder for ``openai/gpt-4o`` (128,000 tokens) against a naive preparation that loads
and encodes the whole history, in the same run. Run: ``.venv/bin/python -m bench.context``.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine

from bench.seed_path import store_path
from neural_terminal.chat.bus import EventBus
from neural_terminal.chat.context.builder import ContextBuilder
from neural_terminal.chat.context.window import WindowPolicy
from neural_terminal.domain.chat import PromptMessage
from neural_terminal.domain.conversations import ConversationInfo
from neural_terminal.domain.models import ModelInfo
from neural_terminal.settings import load_settings
from neural_terminal.store.conversations.context_store import ContextStore
from neural_terminal.store.conversations.repository import ChatRepository
from neural_terminal.store.engine import make_engine
from neural_terminal.store.migrations import upgrade_to_head
from neural_terminal.tokens.counter import REPLY_PRIMER_TOKENS, TokenCounter
from neural_terminal.tokens.encodings import use_cache_dir

MODEL = ModelInfo(id="openai/gpt-4o", name="GPT-4o", context_length=128_000)
SIZES = (200, 2_000, 20_000)
POOL = 64
WORDS_PER_MESSAGE = 480
STORED_RUNS = 30
SYSTEM = "You are a careful research assistant."
VOCABULARY = (  # noqa: SIM905
    "token window context model stream latency budget cost reply prompt terminal green "
    "phosphor cursor summary exchange history database count encode decode network socket "
    "request provider upstream simulator kernel buffer vector matrix gradient tensor layer"
).split()


class StaticCatalogue:
    """One known model, never fetched."""

    def get(self, model_id: str) -> ModelInfo | None:
        """The bench model, or None."""
        return MODEL if model_id == MODEL.id else None

    async def models(self, *, refresh: bool = False) -> list[ModelInfo]:
        """The bench model."""
        return [MODEL]


def texts(counter: TokenCounter, encoding: str) -> list[tuple[str, int, int]]:
    """A pool of distinct paragraphs with their user and assistant message counts."""
    rng = random.Random(4)
    pool = []
    for i in range(POOL):
        words = [rng.choice(VOCABULARY) for _ in range(WORDS_PER_MESSAGE)]
        text = f"paragraph {i}: " + " ".join(words) + "."
        pool.append(
            (
                text,
                counter.count_message("user", text, encoding),
                counter.count_message("assistant", text, encoding),
            )
        )
    return pool


def seed(engine: Engine, conversation_id: int, size: int, pool: list[tuple[str, int, int]]) -> int:
    """Insert ``size`` alternating messages, one path, with stored counts; return their total
    tokens."""
    messages = []
    total = 0
    for i in range(size):
        role = "user" if i % 2 == 0 else "assistant"
        text, user_tokens, assistant_tokens = pool[i % POOL]
        tokens = user_tokens if role == "user" else assistant_tokens
        total += tokens
        messages.append((role, text, {"token_count": tokens, "token_encoding": "o200k_base"}))
    store_path(engine, conversation_id, messages)
    return total


def naive(
    repo: ChatRepository, conversation: ConversationInfo, counter: TokenCounter, window: int
) -> int:
    """The old way: load the whole history and encode every message, then keep what fits."""
    messages = repo.list_messages(conversation_id=conversation.id or 0)
    encoding = counter.scheme(conversation.model).encoding
    counts = [counter.count_message(m.role, m.content, encoding) for m in messages]
    budget = window - REPLY_PRIMER_TOKENS - counter.count_message("system", SYSTEM, encoding)
    kept: list[PromptMessage] = []
    for message, tokens in zip(reversed(messages), reversed(counts), strict=True):
        if tokens > budget:
            break
        budget -= tokens
        kept.append(
            PromptMessage("user" if message.role == "user" else "assistant", message.content)
        )
    return len(kept)


async def measure(
    size: int, workdir: Path, counter: TokenCounter
) -> tuple[int, int, float, float, int]:
    """(messages, history tokens, stored ms, naive ms, kept tokens) for one history size."""
    url = f"sqlite:///{workdir / f'bench-{size}.db'}"
    upgrade_to_head(url)
    engine = make_engine(url)
    repo = ChatRepository(engine)
    conversation = repo.create_conversation(model=MODEL.id, system_prompt=SYSTEM)
    history_tokens = seed(engine, conversation.id or 0, size, texts(counter, "o200k_base"))
    builder = ContextBuilder(
        store=ContextStore(engine),
        counter=counter,
        catalogue=StaticCatalogue(),
        bus=EventBus(),
        policy=WindowPolicy(),
    )
    context = await builder.prepare(conversation)  # warm the connection pool and caches
    stored = []
    for _ in range(STORED_RUNS):
        started = time.perf_counter()
        await builder.prepare(conversation)
        stored.append(time.perf_counter() - started)
    runs = 3 if size <= 2_000 else 1
    naive_times = []
    for _ in range(runs):
        started = time.perf_counter()
        naive(repo, conversation, counter, context.window.tokens)
        naive_times.append(time.perf_counter() - started)
    engine.dispose()
    return (
        size,
        history_tokens,
        statistics.median(stored) * 1000,
        statistics.median(naive_times) * 1000,
        context.prompt_tokens,
    )


async def main() -> None:
    """Print one line per history size."""
    use_cache_dir(load_settings().tiktoken_cache_dir)
    counter = TokenCounter()
    print(
        f"model {MODEL.id}, window {MODEL.context_length:,} tokens; median of {STORED_RUNS} sends"
    )
    print(
        f"{'messages':>9} {'history tokens':>15} {'in prompt':>10} "
        f"{'stored counts':>14} {'naive re-encode':>16} {'ratio':>8}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for size in SIZES:
            n, tokens, stored_ms, naive_ms, kept = await measure(size, Path(tmp), counter)
            print(
                f"{n:>9,} {tokens:>15,} {kept:>10,} {stored_ms:>11.2f} ms "
                f"{naive_ms:>13.1f} ms {naive_ms / stored_ms:>7.0f}x"
            )


if __name__ == "__main__":
    asyncio.run(main())
