"""Every table, in one module. Alembic migrations in ``alembic/versions`` must match these."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Column, Index, Integer, String, Text, false, text
from sqlmodel import Field, SQLModel

from neural_terminal.domain.conversations import ContextStrategy, MessageStatus
from neural_terminal.store.money_column import ExactUSD

__all__ = [
    "AuthSession",
    "Budget",
    "BudgetReservation",
    "ContextStrategy",
    "Conversation",
    "FavouriteModel",
    "LoginFailure",
    "Message",
    "MessageStatus",
    "ModelPrice",
    "Preset",
    "PriceChange",
    "Summary",
    "TurnFailure",
    "User",
    "utcnow",
]


# What telemetry reads of a message (a covering index: see Message).
TELEMETRY_COLUMNS = (
    "role",
    "created_at",
    "model",
    "status",
    "conversation_id",
    "cost_usd",
    "prompt_tokens",
    "completion_tokens",
    "first_token_ms",
    "total_ms",
    "estimate_usd",
    "drift_usd",
    "imported_at",
    "forked_from_id",
    "provider",
)


def utcnow() -> datetime:
    """The current time in UTC, zone-aware (SQLModel refuses naive datetimes)."""
    return datetime.now(UTC)


class Conversation(SQLModel, table=True):
    """A chat: its title, model, optional system prompt and context strategy."""

    __tablename__ = "conversations"
    # A shelf (the list, archived, the trash) of one owner, newest activity first.
    __table_args__ = (
        Index(
            "ix_conversations_owner_shelf", "owner_id", "deleted_at", "archived_at", "updated_at"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(default="New conversation", max_length=200)
    model: str = Field(max_length=200)
    system_prompt: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    context_strategy: str = Field(default=ContextStrategy.SLIDING.value, max_length=16)
    # Kept with every insert so a context can say how much it left out without a COUNT.
    message_count: int = 0
    # Optional lifetime limit for this conversation alone (the global budget still applies).
    budget_usd: Decimal | None = Field(default=None, sa_column=Column(ExactUSD, nullable=True))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow, index=True)
    # When a cost in it last changed (a reply stored or reconciled, a summary written): tabs
    # watch it (store/conversations/changes.py), and its MAX says the spend moved somewhere.
    spent_at: datetime | None = Field(default=None, index=True)
    # The newest message of the branch on show: the transcript is the path from the root to
    # it, and a send answers it (None: no messages yet). Not a foreign key, like owner_id.
    active_leaf_id: int | None = None
    # Hosted mode: the user (users.id) it belongs to, with its messages, summaries and
    # reservations. Empty in local mode (one owner, who sees everything). Not a foreign key
    # (see migration 0006); users are never deleted.
    owner_id: int | None = Field(default=None, index=True)
    # The library: pinned to the top; archived (off the list, still found by search); in the
    # trash (restorable until purged); purged (words gone, costs kept, never shown again).
    pinned_at: datetime | None = None
    archived_at: datetime | None = None
    deleted_at: datetime | None = None
    purged_at: datetime | None = None
    # What it was imported from (a digest of the source's own id): one import per source.
    import_key: str | None = Field(default=None, max_length=80, index=True)


class Message(SQLModel, table=True):
    """One node of a conversation's tree; assistant messages carry tokens, cost and latency.

    ``parent_id`` is the message this one answers or follows (None: a root). Siblings are
    alternatives: an edited question, a regenerated or retried reply.
    """

    __tablename__ = "messages"
    __table_args__ = (
        # Contexts walk a conversation back from its newest message.
        Index("ix_messages_conversation_id_id", "conversation_id", "id"),
        # Workers look for replies whose streaming worker is gone (workers/sweeper.py): only
        # the few rows streaming right now are in this index.
        Index(
            "ix_messages_streaming",
            "stream_worker",
            sqlite_where=text("status = 'streaming'"),
            postgresql_where=text("status = 'streaming'"),
        ),
        # The telemetry page reads replies by time from this index alone, never the rows
        # (whose text makes a table scan read every page): store/telemetry/scope.py.
        Index("ix_messages_telemetry", *TELEMETRY_COLUMNS),
    )

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(foreign_key="conversations.id", index=True)
    parent_id: int | None = Field(default=None, foreign_key="messages.id", index=True)
    # Messages above it on its path (0 for a root): a path's length without walking it.
    depth: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    role: str = Field(max_length=16)
    content: str = Field(default="", sa_column=Column(Text, nullable=False))
    status: str = Field(default=MessageStatus.COMPLETE.value, max_length=16)
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # The backend worker streaming it (workers/identity.py), while ``status`` is streaming: the
    # reply is marked interrupted only once that worker's lease has expired.
    stream_worker: str | None = Field(default=None, max_length=64)
    model: str | None = Field(default=None, max_length=200)
    generation_id: str | None = Field(default=None, max_length=200)
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    reasoning_tokens: int | None = None
    cached_tokens: int | None = None
    cost_usd: Decimal | None = Field(default=None, sa_column=Column(ExactUSD, nullable=True))
    # True when the reply broke off before the upstream reported usage, so the tokens and
    # cost above are our own count priced from the catalogue (chat/spend/estimate.py).
    cost_is_estimate: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=false())
    )
    # usage x catalogue prices (domain/costing.py), kept beside the billed ``cost_usd``.
    computed_cost_usd: Decimal | None = Field(
        default=None, sa_column=Column(ExactUSD, nullable=True)
    )
    # Which figure ``cost_usd`` is: upstream, generation, computed or estimate (CostSource).
    cost_source: str | None = Field(default=None, max_length=16)
    # The live estimate when the stream ended, and billed minus estimate (our accuracy).
    estimate_usd: Decimal | None = Field(default=None, sa_column=Column(ExactUSD, nullable=True))
    drift_usd: Decimal | None = Field(default=None, sa_column=Column(ExactUSD, nullable=True))
    first_token_ms: int | None = None
    total_ms: int | None = None
    # Tokens this message adds to a prompt (chat framing included), counted once when stored.
    token_count: int | None = None
    token_encoding: str | None = Field(default=None, max_length=32)
    # A fork's copy of another conversation's message. Copies carry no cost: it was spent
    # (and is counted) once, in the original.
    forked_from_id: int | None = None
    # Imported from a file: its cost is kept for the record, never counted against a budget.
    imported_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow, index=True)
    # Who served it, when the upstream's generation record names it (OpenRouter's
    # ``provider_name``); looked up after the reply (chat/telemetry/providers.py).
    provider: str | None = Field(default=None, max_length=100)


class TurnFailure(SQLModel, table=True):
    """One failure of a turn, for telemetry: a retried attempt, a reply that broke off or
    failed, or a send a limit refused (which stores no message at all)."""

    __tablename__ = "turn_failures"
    # The telemetry page reads one owner's failures in a time range.
    __table_args__ = (Index("ix_turn_failures_owner_created", "owner_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    # Not foreign keys, like owner_id elsewhere: a refused send may have no conversation yet.
    owner_id: int | None = None
    conversation_id: int | None = None
    message_id: int | None = None
    model: str | None = Field(default=None, max_length=200)
    # domain/outcomes.py FailureKind: rate_limit, drop, timeout, budget, upstream, other.
    kind: str = Field(max_length=16)
    # True for an attempt that was tried again (the turn itself may have succeeded).
    retried: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=false())
    )
    created_at: datetime = Field(default_factory=utcnow)


class Summary(SQLModel, table=True):
    """A model-written summary of the path from ``first_message_id`` down to
    ``last_message_id`` (its ancestor chain in the tree, both ends included).

    Bookends conversations put it in place of the middle they leave out; its cost counts
    against the conversation's spend like a reply's.
    """

    __tablename__ = "summaries"

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(foreign_key="conversations.id", index=True)
    first_message_id: int
    last_message_id: int
    message_count: int
    content: str = Field(default="", sa_column=Column(Text, nullable=False))
    model: str = Field(max_length=200)
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cost_usd: Decimal | None = Field(default=None, sa_column=Column(ExactUSD, nullable=True))
    imported_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class Preset(SQLModel, table=True):
    """A named system prompt (and model and strategy, when set) to start conversations from."""

    __tablename__ = "presets"

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int | None = Field(default=None, index=True)
    name: str = Field(max_length=80)
    system_prompt: str = Field(default="", sa_column=Column(Text, nullable=False))
    model: str | None = Field(default=None, max_length=200)
    context_strategy: str | None = Field(default=None, max_length=16)
    is_default: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=false())
    )
    created_at: datetime = Field(default_factory=utcnow)


# Local mode's one owner has no id: these two partial indexes make a model starred at most
# once per owner (a unique index over a NULL owner_id would let duplicates in).
_OWNED = text("owner_id IS NOT NULL")
_UNOWNED = text("owner_id IS NULL")


class FavouriteModel(SQLModel, table=True):
    """A model its owner starred: the picker lists it first (None: local mode's one owner)."""

    __tablename__ = "favourite_models"
    __table_args__ = (
        Index(
            "ux_favourite_models_owner_model",
            "owner_id",
            "model_id",
            unique=True,
            sqlite_where=_OWNED,
            postgresql_where=_OWNED,
        ),
        Index(
            "ux_favourite_models_local_model",
            "model_id",
            unique=True,
            sqlite_where=_UNOWNED,
            postgresql_where=_UNOWNED,
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    # Not a foreign key, like owner_id elsewhere.
    owner_id: int | None = None
    model_id: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow)


class ModelPrice(SQLModel, table=True):
    """The last fetched prices of one model, USD per token as exact decimal text."""

    __tablename__ = "model_prices"

    model_id: str = Field(primary_key=True, max_length=200)
    name: str = Field(default="", max_length=300)
    context_length: int = 0
    # Text, not ExactUSD: a price may have more than twelve places and is never summed.
    prompt: str = Field(default="0", sa_column=Column(String(40), nullable=False))
    completion: str = Field(default="0", sa_column=Column(String(40), nullable=False))
    request: str = Field(default="0", sa_column=Column(String(40), nullable=False))
    input_cache_read: str = Field(default="0", sa_column=Column(String(40), nullable=False))
    input_cache_write: str = Field(default="0", sa_column=Column(String(40), nullable=False))
    internal_reasoning: str = Field(default="0", sa_column=Column(String(40), nullable=False))
    fetched_at: datetime = Field(default_factory=utcnow)


class PriceChange(SQLModel, table=True):
    """One price component of a model that changed between two fetches."""

    __tablename__ = "price_changes"

    id: int | None = Field(default=None, primary_key=True)
    model_id: str = Field(max_length=200, index=True)
    component: str = Field(max_length=32)
    old_price: str = Field(sa_column=Column(String(40), nullable=False))
    new_price: str = Field(sa_column=Column(String(40), nullable=False))
    changed_at: datetime = Field(default_factory=utcnow)


class Budget(SQLModel, table=True):
    """The global budget (row 1): its limit, period and time zone.

    Every check-and-reserve locks this row, so sends from any tab or worker are serialised.
    """

    __tablename__ = "budgets"

    id: int | None = Field(default=None, primary_key=True)
    limit_usd: Decimal | None = Field(default=None, sa_column=Column(ExactUSD, nullable=True))
    period: str = Field(default="none", max_length=16)
    time_zone: str = Field(default="UTC", max_length=64)
    updated_at: datetime = Field(default_factory=utcnow)


class BudgetReservation(SQLModel, table=True):
    """Money set aside for a reply in flight (its pre-flight estimate) until it is stored."""

    __tablename__ = "budget_reservations"

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(foreign_key="conversations.id", index=True)
    amount_usd: Decimal = Field(sa_column=Column(ExactUSD, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    # The worker whose reply it is: released when that worker's lease expires.
    worker: str | None = Field(default=None, max_length=64)


class User(SQLModel, table=True):
    """A local account of hosted mode: a lower-case name and an argon2id password hash."""

    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    # Normalised lower-case (accounts/usernames.py), so unique means unique ignoring case.
    username: str = Field(max_length=64, unique=True, index=True)
    # The argon2 encoded string: algorithm, parameters, salt and hash in one.
    password_hash: str = Field(max_length=255)
    is_admin: bool = False
    disabled_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    password_changed_at: datetime = Field(default_factory=utcnow)
    # This user's own limit and period (set by an admin), under the instance's budget.
    budget_usd: Decimal | None = Field(default=None, sa_column=Column(ExactUSD, nullable=True))
    budget_period: str = Field(default="none", max_length=16)


class AuthSession(SQLModel, table=True):
    """A signed-in browser: the sha256 of its cookie token (never the token), and its times."""

    __tablename__ = "auth_sessions"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    last_seen_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None
    # The address and user agent it signed in from, cut short: shown on the admin page.
    client: str = Field(default="", max_length=200)


class LoginFailure(SQLModel, table=True):
    """Failed logins of one account name or one address, and until when it must wait.

    In the database rather than in memory so every backend worker throttles alike.
    """

    __tablename__ = "login_failures"

    kind: str = Field(primary_key=True, max_length=16)
    value: str = Field(primary_key=True, max_length=200)
    failures: int = 0
    last_failure_at: datetime = Field(default_factory=utcnow)
    locked_until: datetime = Field(default_factory=utcnow)
