"""Markdown as it streams: where a reply's finished blocks end (blocks.py)."""
