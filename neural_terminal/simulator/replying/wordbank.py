"""The phrases simulated replies are built from: terminals, tokens, streams and their costs."""

from __future__ import annotations

OPENERS: tuple[str, ...] = (
    "You asked about “{topic}”.",
    "On “{topic}”: here is how the simulator sees it.",
    "“{topic}” is a fine thing to ask a terminal about.",
    "Good question about “{topic}”.",
    "Let me think out loud about “{topic}”.",
)

SENTENCES: tuple[str, ...] = (
    "A terminal is a patient listener: it waits for one line, answers with another, and keeps "
    "the history scrolling upward.",
    "Every reply you see here arrives as a stream of tokens, small pieces of text that the "
    "model emits one after another.",
    "Tokens are not words; a long word may take three of them while a common one fits in one.",
    "Streaming lets the first words reach your screen long before the last ones are written.",
    "Each token costs a fraction of a cent, so the meter in the corner counts them as they arrive.",
    "Server-sent events carry the stream as plain text lines that begin with data and end with "
    "a blank line.",
    "A good client treats a broken stream as an event to report, not a reason to freeze the "
    "screen.",
    "The context window is the model's short-term memory, and old messages fall out of it when "
    "a conversation grows long.",
    "Prices are quoted per token, which makes a short answer cheap and a rambling one "
    "noticeably less so.",
    "A blinking cursor is the oldest progress bar in computing, and it still works remarkably "
    "well.",
    "When the network hiccups, the polite thing is to retry once, wait a little, and say what "
    "happened.",
    "Keep-alive comments hold a quiet connection open while the model is still choosing its "
    "first word.",
    "Monospaced text keeps columns aligned, which is why tables and code still look best in a "
    "terminal.",
    "The simulator answers offline, so you can try every button without spending a single credit.",
    "A rate limit is the provider's way of asking you to slow down, usually with a hint about "
    "how long to wait.",
    "Counting tokens before sending tells you roughly what a message will cost and whether it "
    "fits the window.",
    "Latency is the pause before the first token; throughput is how quickly the rest follows.",
    "Most of a chat's cost sits in the prompt, because every turn resends the conversation so far.",
    "Plain text travels well: it can be copied, searched, compared and piped into the next "
    "command.",
    "A stream that ends with a done marker has finished on purpose; one that simply stops has not.",
)

CLOSERS: tuple[str, ...] = (
    "Ask a follow-up and the stream will pick up from here.",
    "That is the short version; ask for an example if you want to see code.",
    "Try asking for a list or a code example to see markdown rendering.",
    "Nothing here left your machine, and it cost nothing to generate.",
    "If you want a longer answer, ask again with a little more detail.",
)

BULLETS: tuple[str, ...] = (
    "**Tokens** are the unit of both length and price.",
    "**Streams** deliver text as it is generated, one small delta at a time.",
    "**Usage** arrives in the final chunk, with the exact cost of the reply.",
    "**Context windows** cap how much of the conversation the model can see.",
    "**Retries** belong to errors that say when to try again.",
    "**Keep-alive comments** are lines that start with a colon; clients skip them.",
    "**Markdown** renders headings, lists and code blocks in the transcript.",
    "**Budgets** stop a conversation before it spends more than you allowed.",
)

SNIPPETS: tuple[str, ...] = (
    'def count_words(text: str) -> int:\n    """Count whitespace-separated words."""\n'
    '    return len(text.split())\n\n\nprint(count_words("tokens are not words"))',
    "import time\n\n\ndef type_out(text: str, rate: float = 40.0) -> None:\n"
    '    for char in text:\n        print(char, end="", flush=True)\n'
    '        time.sleep(1 / rate)\n\n\ntype_out("Hello from the terminal\\n")',
    'from decimal import Decimal\n\nPRICE_PER_TOKEN = Decimal("0.0000015")\n\n\n'
    "def cost(tokens: int) -> Decimal:\n    return tokens * PRICE_PER_TOKEN\n\n\n"
    "print(cost(120))  # 0.0001800",
    "def parse_sse(lines: list[str]) -> list[str]:\n    events = []\n    for line in lines:\n"
    '        if line.startswith("data: ") and line != "data: [DONE]":\n'
    '            events.append(line.removeprefix("data: "))\n    return events',
)

TITLES: tuple[str, ...] = (
    "Notes on “{topic}”",
    "A quick guide to “{topic}”",
    "Working through “{topic}”",
)
