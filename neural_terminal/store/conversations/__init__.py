"""Conversations, their messages and trees, contexts, search, shelves, imports and presets."""
