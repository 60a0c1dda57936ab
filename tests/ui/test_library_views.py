"""The sidebar's search: the form's filters, and hits whose snippets become text parts."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from neural_terminal.domain.conversations import MATCH_END, MATCH_START, SearchHit
from neural_terminal.domain.errors import InvalidInput
from neural_terminal.ui.chat.views import SnippetPart, hit_view
from neural_terminal.ui.library.library_state import search_filters


def test_the_form_becomes_filters_and_refuses_a_bad_amount() -> None:
    filters = search_filters(
        {"role": "user", "range": "7 days", "cost_above": "$0.01", "model": " m "}
    )
    assert (filters.role, filters.model, filters.cost_above) == ("user", "m", Decimal("0.01"))
    assert filters.since is not None
    assert search_filters({"role": "wizard", "range": "all"}).role is None
    assert search_filters({}).since is None
    for bad in ("ten", "-1", "NaN"):
        with pytest.raises(InvalidInput, match="cost above"):
            search_filters({"cost_above": bad})


def test_a_snippet_becomes_parts_and_markup_stays_text() -> None:
    hit = SearchHit(
        message_id=7,
        conversation_id=3,
        conversation_title="t",
        role="assistant",
        snippet=f"<b>not bold</b> and {MATCH_START}kiwi{MATCH_END} too",
        model="m",
        created_at=datetime(2026, 12, 4, tzinfo=UTC),
        cost_usd=Decimal("0.00023"),
    )
    view = hit_view(hit)
    assert view.parts == [
        SnippetPart("<b>not bold</b> and ", match=False),
        SnippetPart("kiwi", match=True),
        SnippetPart(" too", match=False),
    ]
    assert view.meta == "m · 2026-12-04 · $0.00023"
    assert view.cost_exact == "cost $0.000230000000 exactly"
