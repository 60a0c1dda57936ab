"""The sidebar: its lines' date groups through a move, the search form's filters, and hits whose
snippets become text parts."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from neural_terminal.domain.conversations import MATCH_END, MATCH_START, SearchHit
from neural_terminal.domain.errors import InvalidInput
from neural_terminal.ui.chat.views import ConversationView, SnippetPart, hit_view
from neural_terminal.ui.library.library_state import labelled, search_filters, with_groups


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


def test_lines_keep_their_date_groups_through_a_move() -> None:
    rows = [
        ConversationView(id=1, group="pinned"),
        ConversationView(id=2, group="today"),
        ConversationView(id=3),
        ConversationView(id=4, group="older"),
    ]
    grouped = with_groups(rows)
    assert [g for g, _row in grouped] == ["pinned", "today", "today", "older"]
    assert labelled(grouped) == rows
    # The oldest moves up to today's top: it names the group, the one below no longer does.
    moved = [grouped[0], ("today", grouped[3][1]), grouped[1], grouped[2]]
    assert [(r.id, r.group) for r in labelled(moved)] == [
        (1, "pinned"),
        (4, "today"),
        (2, ""),
        (3, ""),
    ]
