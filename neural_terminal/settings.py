"""Every setting, read once from the environment (see README: Settings)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Literal

PROJECT_ROOT = Path(__file__).resolve().parent.parent
OPENROUTER_BASE_URL = "https://openrouter.ai/api/v1"
SIMULATOR_PATH = "/sim/api/v1"

SimulatorMode = Literal["auto", "on", "off"]
AuthMode = Literal["local", "accounts"]
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


@dataclass(frozen=True)
class Settings:
    """Immutable application settings; build with :func:`load_settings`."""

    api_key: str | None = None
    base_url: str = OPENROUTER_BASE_URL
    simulator: SimulatorMode = "auto"
    simulator_url: str = f"http://localhost:8000{SIMULATOR_PATH}"
    simulator_tokens_per_second: float = 40.0
    database_url: str = f"sqlite:///{PROJECT_ROOT / 'data' / 'neural_terminal.db'}"
    default_model: str | None = None
    max_message_chars: int = 200_000
    connect_timeout_s: float = 10.0
    first_byte_timeout_s: float = 60.0
    read_timeout_s: float = 60.0
    retry_attempts: int = 3
    retry_base_s: float = 1.0
    retry_max_wait_s: float = 20.0
    retry_budget_s: float = 60.0
    breaker_failures: int = 5
    breaker_cooldown_s: float = 30.0
    tiktoken_cache_dir: Path = PROJECT_ROOT / ".cache" / "tiktoken"
    app_url: str = "http://localhost:3000"
    app_title: str = "Neural Terminal"
    reply_reserve_tokens: int = 1_024
    unknown_context_tokens: int = 8_192
    approximate_margin: float = 0.15
    summary_model: str | None = None
    summary_max_tokens: int = 512
    # The global budget's defaults, used when the database has none yet (the UI edits it).
    budget_usd: Decimal | None = Decimal("5.00")
    budget_period: str = "none"
    time_zone: str = "UTC"
    expected_reply_tokens: int = 512
    # Days a deleted conversation stays in the trash (restorable) before it is purged.
    trash_days: int = 30
    money_places_small: int = 4
    money_places_large: int = 2
    # Set by ``python -m neural_terminal.launch``: the backend serves the built site itself.
    serve_frontend: bool = False
    # Who may use the app (README: Security). The launcher passes the address it binds.
    bind_host: str = "127.0.0.1"
    auth: AuthMode = "local"
    allowed_origins: tuple[str, ...] = ()
    # The per-install secret of local mode: NEURAL_TERMINAL_TOKEN, else this file (made once).
    local_token: str | None = None
    token_file: Path = PROJECT_ROOT / "data" / "local-token"
    # Hosted mode: what one user may ask for (each refused with a clear message).
    sends_per_minute: int = 30
    streams_per_user: int = 2
    # Telemetry: GET /metrics (off unless asked for; an admin session or this bearer token),
    # turn log lines as JSON, and the simulator key's spending limit (None: none).
    metrics_enabled: bool = False
    metrics_token: str | None = None
    log_json: bool = False
    sim_key_limit_usd: Decimal | None = Decimal("10.00")
    # Several backend workers (README: Hosting): the Redis they share (Reflex's own
    # REFLEX_REDIS_URL), a prefix for our keys, how long a silent worker counts as alive,
    # and how long a stopping worker lets its replies finish.
    redis_url: str | None = None
    redis_prefix: str = "nt"
    worker_lease_s: float = 4.0
    shutdown_grace_s: float = 20.0
    # How often a streaming reply's page is sent its new text at most (seconds; spaced out
    # further while many replies stream). Each update costs the page about the same work
    # whatever its size (bench/stream.py, 8,000 tokens at 200/s: 0.04 s, 25 a second, keeps
    # a core 10-11% busy; 0.1 s, 6%; 0.12 s, 5%), and adds up to its interval of latency.
    page_update_s: float = 0.1

    @property
    def uses_simulator(self) -> bool:
        """True when replies come from the built-in simulator rather than a real provider."""
        if self.simulator == "on":
            return True
        if self.simulator == "off":
            return False
        return not self.api_key and self.base_url == OPENROUTER_BASE_URL

    @property
    def upstream_url(self) -> str:
        """The base URL every upstream call goes to."""
        return self.simulator_url if self.uses_simulator else self.base_url

    @property
    def model(self) -> str:
        """The model a new conversation starts with."""
        if self.default_model:
            return self.default_model
        return "sim/terminal-small" if self.uses_simulator else "openai/gpt-4o-mini"

    @property
    def binds_beyond_loopback(self) -> bool:
        """True when the server listens on an address other machines can reach."""
        return self.bind_host.strip("[]").lower() not in LOOPBACK_HOSTS

    def __repr__(self) -> str:  # the key and the token must never reach a log line
        key = "set" if self.api_key else "unset"
        return f"Settings(api_key=<{key}>, upstream_url={self.upstream_url!r})"


def websocket_frame_limit(max_message_chars: int) -> int:
    """Bytes the websocket must accept for the longest message: JSON may spend 6 bytes on a
    character (``\\u0000``), and the event around it needs room too."""
    return max_message_chars * 6 + 1_000_000


def _simulator_mode(raw: str) -> SimulatorMode:
    value = raw.strip().lower()
    if value in ("on", "1", "true", "yes"):
        return "on"
    if value in ("off", "0", "false", "no"):
        return "off"
    return "auto"


def _flag(raw: str) -> bool:
    return raw.strip().lower() in ("on", "1", "true", "yes")


def _budget(raw: str | None, default: Decimal | None = Settings.budget_usd) -> Decimal | None:
    """``5.00`` -> Decimal; ``none``/``off`` -> no limit; unset or unreadable -> the default."""
    if raw is None or not raw.strip():
        return default
    if raw.strip().lower() in ("none", "off", "unlimited"):
        return None
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:
        return default
    return value if value.is_finite() and value >= 0 else default


def _auth(raw: str) -> AuthMode:
    return "accounts" if raw.strip().lower() == "accounts" else "local"


def _origins(raw: str) -> tuple[str, ...]:
    return tuple(part.strip().rstrip("/") for part in raw.split(",") if part.strip())


def _period(raw: str) -> str:
    value = raw.strip().lower()
    return value if value in ("none", "daily", "monthly") else "none"


def load_settings(
    env: Mapping[str, str] | None = None, *, backend_url: str | None = None
) -> Settings:
    """Read settings from ``env`` (default: the process environment).

    ``backend_url`` is where this process's own backend listens; the built-in simulator is
    served there under ``/sim/api/v1`` unless ``NEURAL_TERMINAL_SIMULATOR_URL`` says otherwise.
    """
    env = os.environ if env is None else env
    defaults = Settings()

    def text(name: str, default: str) -> str:
        return env.get(name, "").strip() or default

    def number(name: str) -> float:
        # The env name maps to the field: NEURAL_TERMINAL_RETRY_BASE_S -> retry_base_s.
        field = name.removeprefix("NEURAL_TERMINAL_").lower()
        return float(text(name, str(getattr(defaults, field))))

    backend = (backend_url or "http://localhost:8000").rstrip("/")
    return Settings(
        api_key=env.get("OPENROUTER_API_KEY", "").strip() or None,
        base_url=text("OPENROUTER_BASE_URL", OPENROUTER_BASE_URL).rstrip("/"),
        simulator=_simulator_mode(env.get("NEURAL_TERMINAL_SIMULATOR", "auto")),
        simulator_url=text("NEURAL_TERMINAL_SIMULATOR_URL", backend + SIMULATOR_PATH).rstrip("/"),
        simulator_tokens_per_second=float(
            text("NEURAL_TERMINAL_SIM_TOKENS_PER_SECOND", str(defaults.simulator_tokens_per_second))
        ),
        database_url=text("NEURAL_TERMINAL_DATABASE_URL", defaults.database_url),
        default_model=env.get("NEURAL_TERMINAL_DEFAULT_MODEL", "").strip() or None,
        max_message_chars=int(
            text("NEURAL_TERMINAL_MAX_MESSAGE_CHARS", str(defaults.max_message_chars))
        ),
        connect_timeout_s=float(
            text("NEURAL_TERMINAL_CONNECT_TIMEOUT_S", str(defaults.connect_timeout_s))
        ),
        first_byte_timeout_s=number("NEURAL_TERMINAL_FIRST_BYTE_TIMEOUT_S"),
        read_timeout_s=number("NEURAL_TERMINAL_READ_TIMEOUT_S"),
        retry_attempts=int(number("NEURAL_TERMINAL_RETRY_ATTEMPTS")),
        retry_base_s=number("NEURAL_TERMINAL_RETRY_BASE_S"),
        retry_max_wait_s=number("NEURAL_TERMINAL_RETRY_MAX_WAIT_S"),
        retry_budget_s=number("NEURAL_TERMINAL_RETRY_BUDGET_S"),
        breaker_failures=int(number("NEURAL_TERMINAL_BREAKER_FAILURES")),
        breaker_cooldown_s=number("NEURAL_TERMINAL_BREAKER_COOLDOWN_S"),
        tiktoken_cache_dir=Path(
            text("NEURAL_TERMINAL_TIKTOKEN_DIR", str(defaults.tiktoken_cache_dir))
        ),
        app_url=text("NEURAL_TERMINAL_APP_URL", defaults.app_url),
        reply_reserve_tokens=int(
            text("NEURAL_TERMINAL_REPLY_RESERVE_TOKENS", str(defaults.reply_reserve_tokens))
        ),
        unknown_context_tokens=int(
            text("NEURAL_TERMINAL_UNKNOWN_CONTEXT_TOKENS", str(defaults.unknown_context_tokens))
        ),
        approximate_margin=float(
            text("NEURAL_TERMINAL_APPROXIMATE_MARGIN", str(defaults.approximate_margin))
        ),
        summary_model=env.get("NEURAL_TERMINAL_SUMMARY_MODEL", "").strip() or None,
        summary_max_tokens=int(
            text("NEURAL_TERMINAL_SUMMARY_MAX_TOKENS", str(defaults.summary_max_tokens))
        ),
        budget_usd=_budget(env.get("NEURAL_TERMINAL_BUDGET_USD")),
        budget_period=_period(env.get("NEURAL_TERMINAL_BUDGET_PERIOD", "none")),
        time_zone=text("NEURAL_TERMINAL_TIME_ZONE", defaults.time_zone),
        expected_reply_tokens=int(number("NEURAL_TERMINAL_EXPECTED_REPLY_TOKENS")),
        trash_days=max(0, int(number("NEURAL_TERMINAL_TRASH_DAYS"))),
        money_places_small=int(number("NEURAL_TERMINAL_MONEY_PLACES_SMALL")),
        money_places_large=int(number("NEURAL_TERMINAL_MONEY_PLACES_LARGE")),
        serve_frontend=_flag(env.get("NEURAL_TERMINAL_SERVE_FRONTEND", "")),
        bind_host=text("NEURAL_TERMINAL_BIND_HOST", defaults.bind_host),
        auth=_auth(env.get("NEURAL_TERMINAL_AUTH", "")),
        allowed_origins=_origins(env.get("NEURAL_TERMINAL_ALLOWED_ORIGINS", "")),
        local_token=env.get("NEURAL_TERMINAL_TOKEN", "").strip() or None,
        token_file=Path(text("NEURAL_TERMINAL_TOKEN_FILE", str(defaults.token_file))),
        sends_per_minute=int(number("NEURAL_TERMINAL_SENDS_PER_MINUTE")),
        streams_per_user=int(number("NEURAL_TERMINAL_STREAMS_PER_USER")),
        metrics_enabled=_flag(env.get("NEURAL_TERMINAL_METRICS", "")),
        metrics_token=env.get("NEURAL_TERMINAL_METRICS_TOKEN", "").strip() or None,
        log_json=_flag(env.get("NEURAL_TERMINAL_LOG_JSON", "")),
        sim_key_limit_usd=_budget(env.get("NEURAL_TERMINAL_SIM_KEY_LIMIT_USD"), Decimal("10.00")),
        redis_url=env.get("REFLEX_REDIS_URL", "").strip() or None,
        redis_prefix=text("NEURAL_TERMINAL_REDIS_PREFIX", defaults.redis_prefix),
        worker_lease_s=max(1.0, number("NEURAL_TERMINAL_WORKER_LEASE_S")),
        shutdown_grace_s=max(0.0, number("NEURAL_TERMINAL_SHUTDOWN_GRACE_S")),
        page_update_s=min(1.0, max(0.01, number("NEURAL_TERMINAL_PAGE_UPDATE_S"))),
    )
