"""One turn of a conversation: the orchestrator, the streamer, what a turn yields, the
registry of replies in flight, the prompt, and what the services need of the upstream."""
