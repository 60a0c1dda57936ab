"""Your conversations as a library: shelves (shelves.py), export (export.py, markdown.py)."""

from neural_terminal.chat.library.shelves import (
    PAGE,
    Library,
    ShelfPage,
    check_system_prompt,
    date_group,
)

__all__ = ["PAGE", "Library", "ShelfPage", "check_system_prompt", "date_group"]
