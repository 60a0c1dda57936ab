"""Slash commands, the key map overlay and the command palette (the Reflex side)."""
