"""The composition root: builds the object graph once per process, on first use.

settings -> engine -> one pooled httpx.AsyncClient -> upstream client -> services.
Nothing here runs at import time.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from decimal import Decimal

import httpx
from sqlalchemy import Engine

from neural_terminal.accounts.services import AccountServices, build_accounts
from neural_terminal.chat.access import ConversationAccess
from neural_terminal.chat.bus import EventBus
from neural_terminal.chat.catalogue import ModelCatalogue
from neural_terminal.chat.context.builder import ContextBuilder
from neural_terminal.chat.context.summaries import CompletionUpstream, Summariser
from neural_terminal.chat.context.window import WindowPolicy
from neural_terminal.chat.favourites import FavouriteModels
from neural_terminal.chat.library import Library
from neural_terminal.chat.library.exporter import Exporter
from neural_terminal.chat.library.importer import Importer
from neural_terminal.chat.library.presets import Presets
from neural_terminal.chat.spend.budget import BudgetGuard
from neural_terminal.chat.spend.estimate import CostEstimator
from neural_terminal.chat.spend.reconcile import Reconciler
from neural_terminal.chat.spend.send_limits import SendLimits
from neural_terminal.chat.spend.spending import Spending
from neural_terminal.chat.telemetry.credit import AccountCredit
from neural_terminal.chat.telemetry.metrics import LiveSources, TelemetryMetrics
from neural_terminal.chat.telemetry.outcomes import TurnRecorder
from neural_terminal.chat.telemetry.providers import ProviderNames
from neural_terminal.chat.telemetry.turn_log import TurnLog
from neural_terminal.chat.telemetry.view import Telemetry
from neural_terminal.chat.turns.active import ActiveTurns
from neural_terminal.chat.turns.orchestrator import ChatOrchestrator
from neural_terminal.chat.turns.streaming import Resilience
from neural_terminal.chat.turns.upstream import ChatStreamLike, ChatUpstream
from neural_terminal.chat.watch import ConversationWatch
from neural_terminal.domain.chat import ChatRequest, UsageReport
from neural_terminal.domain.errors import UpstreamNotConfigured
from neural_terminal.domain.events import MessageCompleted
from neural_terminal.domain.models import ModelInfo, ModelPricing
from neural_terminal.domain.money import set_display_places
from neural_terminal.domain.periods import Period, zone
from neural_terminal.settings import OPENROUTER_BASE_URL, Settings, load_settings
from neural_terminal.store.conversations.changes import ConversationChanges
from neural_terminal.store.conversations.context_store import ContextStore
from neural_terminal.store.conversations.import_store import ImportStore
from neural_terminal.store.conversations.library_store import LibraryStore
from neural_terminal.store.conversations.preset_store import PresetStore
from neural_terminal.store.conversations.repository import ChatRepository
from neural_terminal.store.conversations.search_store import SearchStore
from neural_terminal.store.engine import make_engine
from neural_terminal.store.favourite_models import FavouriteModelStore
from neural_terminal.store.spend.budget_store import BudgetConfig, BudgetStore
from neural_terminal.store.spend.price_store import PriceStore
from neural_terminal.store.spend.send_activity import SendActivityStore
from neural_terminal.store.stream_owners import StreamOwners
from neural_terminal.store.telemetry.failure_store import FailureStore
from neural_terminal.store.telemetry.telemetry_store import TelemetryStore
from neural_terminal.tokens.counter import TokenCounter
from neural_terminal.tokens.encodings import use_cache_dir
from neural_terminal.upstream import OpenRouterClient, build_http_client
from neural_terminal.upstream.records import UpstreamRecords
from neural_terminal.upstream.resilience.breaker import CircuitBreaker
from neural_terminal.upstream.resilience.retry import RetryPolicy
from neural_terminal.workers.sharing import Sharing, build_sharing
from neural_terminal.workers.sweeper import Sweeper

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Services:
    """Everything the UI layer may call, built once per process."""

    settings: Settings
    engine: Engine
    http: httpx.AsyncClient
    upstream: OpenRouterClient
    repository: ChatRepository
    bus: EventBus
    chat: ChatOrchestrator
    catalogue: ModelCatalogue
    favourites: FavouriteModels
    budget: BudgetGuard
    prices: PriceStore
    reconciler: Reconciler
    access: ConversationAccess
    accounts: AccountServices
    send_limits: SendLimits
    library: Library
    exporter: Exporter
    importer: Importer
    presets: Presets
    telemetry: Telemetry
    recorder: TurnRecorder
    credit: AccountCredit
    providers: ProviderNames
    sharing: Sharing
    sweeper: Sweeper
    watch: ConversationWatch

    async def aclose(self) -> None:
        """Close the pooled HTTP client and the database pool."""
        await self.sharing.close()
        await self.reconciler.wait()
        await self.providers.wait()
        await self.http.aclose()
        self.engine.dispose()


def own_ports() -> tuple[int, ...]:
    """The ports this app is served on: the public one behind a proxy (hosted: nginx's, which
    names the cookies every worker must share), the backend's, and a dev frontend's."""
    names = ("NEURAL_TERMINAL_PUBLIC_PORT", "REFLEX_BACKEND_PORT", "REFLEX_FRONTEND_PORT")
    ports = [os.environ.get(name) for name in names]
    found = tuple(dict.fromkeys(int(port) for port in ports if port and port.isdigit()))
    return found or (3000,)


def own_backend_url() -> str:
    """Where this process's backend listens (the simulator is served there under /sim)."""
    port = os.environ.get("REFLEX_BACKEND_PORT", "")
    return f"http://127.0.0.1:{int(port) if port.isdigit() else own_ports()[0]}"


class UnconfiguredUpstream:
    """Stands in for the upstream when there is no key, no base URL and no simulator."""

    def stream_chat(self, request: ChatRequest) -> AbstractAsyncContextManager[ChatStreamLike]:
        """Refuse with the message that says what to set."""
        raise UpstreamNotConfigured()

    async def list_models(self) -> list[ModelInfo]:
        """Refuse with the message that says what to set."""
        raise UpstreamNotConfigured()

    async def complete(self, request: ChatRequest) -> tuple[str, UsageReport | None]:
        """Refuse with the message that says what to set."""
        raise UpstreamNotConfigured()

    async def generation_cost(self, generation_id: str) -> Decimal | None:
        """Refuse with the message that says what to set."""
        raise UpstreamNotConfigured()


def window_policy(settings: Settings) -> WindowPolicy:
    """The context window's knobs from the settings."""
    return WindowPolicy(
        reply_reserve_tokens=settings.reply_reserve_tokens,
        unknown_context_tokens=settings.unknown_context_tokens,
        approximate_margin=settings.approximate_margin,
        summary_max_tokens=settings.summary_max_tokens,
        summary_model=settings.summary_model,
    )


def is_configured(settings: Settings) -> bool:
    """False when nothing could answer: no simulator, no key, and OpenRouter's own URL."""
    own_url = settings.base_url != OPENROUTER_BASE_URL
    return settings.uses_simulator or bool(settings.api_key) or own_url


def build_services(
    settings: Settings,
    *,
    resilience: Resilience | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Services:
    """Wire the whole graph for ``settings``; tests may inject a sleep-free resilience and a
    transport that counts requests."""
    use_cache_dir(settings.tiktoken_cache_dir)
    engine = make_engine(settings.database_url)
    http = build_http_client(settings, transport=transport)
    upstream = OpenRouterClient.from_settings(http, settings)
    sharing = build_sharing(settings)
    repository = ChatRepository(engine, worker=sharing.worker_id)
    bus = EventBus()
    configured = is_configured(settings)
    reachable: ChatUpstream = upstream if configured else UnconfiguredUpstream()
    summaries: CompletionUpstream = upstream if configured else UnconfiguredUpstream()
    set_display_places(small=settings.money_places_small, large=settings.money_places_large)
    prices = PriceStore(engine)
    catalogue = ModelCatalogue(
        upstream.list_models if configured else UnconfiguredUpstream().list_models,
        seed=prices.load(),
        on_fetch=prices.record,
    )
    store = ContextStore(engine)
    counter = TokenCounter()
    context = ContextBuilder(
        store=store,
        counter=counter,
        catalogue=catalogue,
        bus=bus,
        policy=window_policy(settings),
        summariser=Summariser(upstream=summaries, store=store, counter=counter),
    )
    estimator = CostEstimator(_prices_from(catalogue), counter)
    budget = BudgetGuard(
        BudgetStore(engine, defaults=budget_defaults(settings), worker=sharing.worker_id), bus
    )
    spending = Spending(
        guard=budget,
        estimator=estimator,
        expected_reply_tokens=settings.expected_reply_tokens,
    )
    reconciler = Reconciler(
        engine, upstream.generation_cost if configured else UnconfiguredUpstream().generation_cost
    )
    bus.subscribe(MessageCompleted, reconciler.on_completed)
    send_limits = SendLimits(
        SendActivityStore(engine),
        sends_per_minute=max(1, settings.sends_per_minute),
        streams_per_user=max(1, settings.streams_per_user),
    )
    access = ConversationAccess(repository)
    shelves = LibraryStore(engine)
    chat = ChatOrchestrator(
        repository=repository,
        upstream=reachable,
        bus=bus,
        turns=ActiveTurns(sharing.leases),
        context=context,
        max_message_chars=settings.max_message_chars,
        estimator=estimator,
        spending=spending,
        send_limits=send_limits,
        resilience=resilience or resilience_from(settings, breaker=sharing.breaker),
        mirror=sharing.mirror,
    )
    records = UpstreamRecords.from_settings(http, settings)
    telemetry_store = TelemetryStore(engine)
    providers = ProviderNames(telemetry_store, records.provider_of)
    if configured:
        bus.subscribe(MessageCompleted, providers.on_completed)
    metrics = TelemetryMetrics(
        known_model=lambda model: catalogue.get(model) is not None,
        live=LiveSources(breaker=chat.upstream_status, active_streams=chat.streams_in_flight),
    )
    return Services(
        settings=settings,
        engine=engine,
        http=http,
        upstream=upstream,
        repository=repository,
        bus=bus,
        chat=chat,
        catalogue=catalogue,
        favourites=FavouriteModels(FavouriteModelStore(engine), catalogue),
        budget=budget,
        prices=prices,
        reconciler=reconciler,
        access=access,
        accounts=build_accounts(engine),
        send_limits=send_limits,
        exporter=Exporter(repository=repository, library=shelves, access=access),
        importer=Importer(ImportStore(engine)),
        presets=Presets(PresetStore(engine)),
        library=Library(
            store=shelves,
            search=SearchStore(engine),
            repository=repository,
            access=access,
            trash_days=settings.trash_days,
            time_zone=lambda: zone(budget.store.config().time_zone),
        ),
        telemetry=Telemetry(store=telemetry_store, budget=budget),
        recorder=TurnRecorder(
            metrics=metrics,
            log=TurnLog(as_json=settings.log_json),
            failures=FailureStore(engine),
            repository=repository,
        ),
        credit=AccountCredit(records.key_info if configured else _no_key_info),
        providers=providers,
        sharing=sharing,
        sweeper=Sweeper(
            StreamOwners(engine), sharing.leases, every_s=max(0.5, settings.worker_lease_s / 4)
        ),
        watch=ConversationWatch(ConversationChanges(engine).signatures),
    )


async def _no_key_info() -> None:
    """No upstream: no key to describe."""
    return None


def budget_defaults(settings: Settings) -> BudgetConfig:
    """The global budget a new database starts with."""
    return BudgetConfig(settings.budget_usd, Period(settings.budget_period), settings.time_zone)


def resilience_from(settings: Settings, *, breaker: CircuitBreaker | None = None) -> Resilience:
    """The retry policy and the upstream's circuit breaker (``breaker``: one shared by the
    workers; else this process's own), as configured."""
    return Resilience(
        policy=RetryPolicy(
            attempts=max(1, settings.retry_attempts),
            base_s=settings.retry_base_s,
            max_wait_s=settings.retry_max_wait_s,
            budget_s=settings.retry_budget_s,
        ),
        breaker=breaker or breaker_from(settings),
    )


def breaker_from(settings: Settings) -> CircuitBreaker:
    """This process's own breaker for the upstream (one upstream per process: one breaker)."""
    return CircuitBreaker(
        failure_threshold=max(1, settings.breaker_failures),
        cooldown_s=settings.breaker_cooldown_s,
    )


def _prices_from(catalogue: ModelCatalogue) -> Callable[[str], ModelPricing | None]:
    def prices(model_id: str) -> ModelPricing | None:
        model = catalogue.get(model_id)
        return model.pricing if model else None

    return prices


_services: Services | None = None


def services() -> Services:
    """The process's services, built on first call from the environment."""
    global _services
    if _services is None:
        settings = load_settings(backend_url=own_backend_url())
        logger.info("starting with %r", settings)
        _services = build_services(settings)
        # Replies and reservations of stopped workers are given up by the sweeper (started
        # with the app: neural_terminal.py), never by another worker's start-up.
        _services.budget.store.ensure()
        purged = _services.library.purge_expired()
        if purged:
            logger.info("purged %d conversations past their time in the trash", purged)
        if settings.auth == "accounts":
            _give_unowned_to_first_admin(_services)
    return _services


def _give_unowned_to_first_admin(app: Services) -> None:
    """Hosted mode: conversations made before accounts (local mode) go to the first admin."""
    admin = app.accounts.users.first_admin()
    if admin is None:
        return
    claimed = app.repository.claim_unowned(owner_id=admin.id)
    if claimed:
        logger.info("gave %d conversations without an owner to %s", claimed, admin.username)


async def shutdown() -> None:
    """Release the process's services (lifespan end)."""
    global _services
    if _services is not None:
        await _services.aclose()
        _services = None
