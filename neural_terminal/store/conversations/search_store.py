"""Full-text search over every message of every branch, ranked, with a snippet per hit.

One method over both databases: SQLite's FTS5 (``MATCH``, ``bm25``, ``snippet``) and
PostgreSQL's text search (``@@``, ``ts_rank``, ``ts_headline``); see search_index.py.
Conversations in the trash or purged are never searched; archived ones are.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Engine, bindparam, text
from sqlalchemy.engine import Connection

from neural_terminal.domain.conversations import (
    MATCH_END,
    MATCH_START,
    SearchFilters,
    SearchHit,
)
from neural_terminal.store.conversations.paths import MESSAGES
from neural_terminal.store.conversations.search_index import FTS_TABLE, PG_CONFIG, WRITTEN
from neural_terminal.store.money_column import ExactUSD

WORD = re.compile(r"\w+", re.UNICODE)
SNIPPET_WORDS = 16


def fts5_query(words: str) -> str | None:
    """The user's words as an FTS5 query: every word must appear, the last one as a prefix
    (found while it is being typed); each is quoted, so nothing typed is FTS5 syntax."""
    tokens = WORD.findall(words)
    if not tokens:
        return None
    quoted = [f'"{token}"' for token in tokens]
    quoted[-1] += "*"
    return " ".join(quoted)


class SearchStore:
    """Search queries over one database."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def search(
        self, *, owner_id: int | None, words: str, filters: SearchFilters, limit: int = 50
    ) -> list[SearchHit]:
        """The best ``limit`` messages matching every word, best first."""
        with self._engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                return self._sqlite(connection, owner_id, words, filters, limit)
            return self._postgres(connection, owner_id, words, filters, limit)

    def _sqlite(
        self,
        connection: Connection,
        owner_id: int | None,
        words: str,
        filters: SearchFilters,
        limit: int,
    ) -> list[SearchHit]:
        query = fts5_query(words)
        if query is None:
            return []
        where, params = _filters(owner_id, filters)
        sql = (
            f"SELECT m.id, m.conversation_id, c.title, m.role, "
            f"snippet({FTS_TABLE}, 0, :start, :end, '…', {SNIPPET_WORDS}), "
            f"m.model, m.created_at AS created_at, m.cost_usd AS cost_usd "
            f"FROM {FTS_TABLE} JOIN messages AS m ON m.id = {FTS_TABLE}.rowid "
            f"JOIN conversations AS c ON c.id = m.conversation_id "
            f"WHERE {FTS_TABLE} MATCH :query {where} "
            f"ORDER BY bm25({FTS_TABLE}), m.id DESC LIMIT :limit"
        )
        params.update(query=query, start=MATCH_START, end=MATCH_END, limit=limit)
        return _hits(connection, sql, params)

    def _postgres(
        self,
        connection: Connection,
        owner_id: int | None,
        words: str,
        filters: SearchFilters,
        limit: int,
    ) -> list[SearchHit]:
        if not WORD.search(words):
            return []
        where, params = _filters(owner_id, filters)
        vector = f"to_tsvector('{PG_CONFIG}', m.content)"
        asked = f"plainto_tsquery('{PG_CONFIG}', :words)"
        sql = (
            f"SELECT m.id, m.conversation_id, c.title, m.role, "
            f"ts_headline('{PG_CONFIG}', m.content, {asked}, :options), "
            f"m.model, m.created_at AS created_at, m.cost_usd AS cost_usd "
            f"FROM messages AS m JOIN conversations AS c ON c.id = m.conversation_id "
            # A reply still streaming is not indexed (search_index.py): the partial index.
            f"WHERE {vector} @@ {asked} AND m.{WRITTEN} {where} "
            f"ORDER BY ts_rank({vector}, {asked}) DESC, m.id DESC LIMIT :limit"
        )
        options = (
            f"StartSel={MATCH_START}, StopSel={MATCH_END}, "
            f"MaxWords={SNIPPET_WORDS}, MinWords={SNIPPET_WORDS // 2}, ShortWord=0"
        )
        params.update(words=" ".join(WORD.findall(words)), options=options, limit=limit)
        return _hits(connection, sql, params)


def _filters(owner_id: int | None, filters: SearchFilters) -> tuple[str, dict[str, Any]]:
    clauses = ["c.deleted_at IS NULL", "c.purged_at IS NULL"]
    params: dict[str, Any] = {}
    if owner_id is not None:
        clauses.append("c.owner_id = :owner_id")
        params["owner_id"] = owner_id
    if filters.model:
        clauses.append("m.model = :model")
        params["model"] = filters.model
    if filters.role:
        clauses.append("m.role = :role")
        params["role"] = filters.role
    if filters.since is not None:
        clauses.append("m.created_at >= :since")
        params["since"] = filters.since
    if filters.until is not None:
        clauses.append("m.created_at < :until")
        params["until"] = filters.until
    if filters.cost_above is not None:
        clauses.append("m.cost_usd > :cost_above")
        params["cost_above"] = filters.cost_above
    return "".join(f" AND {clause}" for clause in clauses), params


def _hits(connection: Connection, sql: str, params: dict[str, Any]) -> list[SearchHit]:
    """Run it with money and times bound and read as their columns do (text() knows no types)."""
    created = MESSAGES.c.created_at.type
    typed = {"cost_above": ExactUSD(), "since": created, "until": created}
    statement = (
        text(sql)
        .bindparams(
            *(bindparam(name, type_=kind) for name, kind in typed.items() if name in params)
        )
        .columns(created_at=created, cost_usd=ExactUSD())
    )
    hits = []
    for row in connection.execute(statement, params):
        hits.append(
            SearchHit(
                message_id=int(row[0]),
                conversation_id=int(row[1]),
                conversation_title=str(row[2]),
                role=str(row[3]),
                snippet=str(row[4] or ""),
                model=row[5],
                created_at=row[6],
                cost_usd=row[7],
            )
        )
    return hits
