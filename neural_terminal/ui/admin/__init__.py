"""Hosted mode's admin page and its state."""
