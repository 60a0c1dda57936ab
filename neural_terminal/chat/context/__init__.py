"""The context window: which messages of a conversation fit a model's window, counted from
stored token counts, with bookends summaries."""
