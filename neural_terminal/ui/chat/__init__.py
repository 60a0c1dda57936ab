"""The chat page: its state, the transcript, the composer, the page itself."""
