"""Load bench: many concurrent chat sessions streaming replies from one backend process.

Starts the real app (``reflex run --env prod``, one backend worker) with its simulator and
opens N sessions without a browser: each speaks Reflex's Socket.IO event protocol itself
(Engine.IO 4 over a websocket to ``/_event``, as ``.web/utils/state.js`` does), hydrates like a
page load, sends one message and assembles the reply from the ``ntLive.append`` scripts the
backend emits. Then it checks every reply against the simulator and the database:

    .venv/bin/python -m bench.load [--sessions 100] [--tokens 1000] [--rate 50]
                                   [--external-sim] [--ramp S] [--trace] [--profile]

Added latency per piece of text is the time this client received it minus the time the
simulator wrote it (``/generation?timeline=1``), on the same clock as in bench/stream.py,
and minus the time its token was due by the simulator's schedule (which also counts a
simulator that fell behind, as it does when it shares a saturated backend process;
``--external-sim`` runs it in a process of its own, like a remote upstream).
CPU and peak memory are read from ``/proc`` for every process of the app's process group;
the one listening on the app's port is the backend worker that serves the sessions.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.profile_shares import Shares, sampled
from neural_terminal.domain.conversations import MessageStatus, StoredMessage
from neural_terminal.settings import PROJECT_ROOT, load_settings
from neural_terminal.simulator.requests.tokenising import ENCODING_NAME, token_pieces
from neural_terminal.store.conversations.repository import ChatRepository
from neural_terminal.store.engine import make_engine
from neural_terminal.tokens.encodings import get_encoding, use_cache_dir
from tests.e2e.event_socket import CHAT, STATE, Boot, EventSocket, ProtocolError
from tests.e2e.hosted_stack import HostedStack, hosted_stack
from tests.e2e.server import RunningApp, running_app
from tests.e2e.test_hosted import add_user

# What ChatState.stream_reply yields per batch (neural_terminal/ui/chat/live/live_script.py).
APPEND = re.compile(r"window\.ntLive&&window\.ntLive\.append\((\d+),(\d+),(.*)\)", re.DOTALL)

BENCH_USER = ("bench", "the load bench's passphrase")
CONNECT_TIMEOUT_S = 90.0
HTTP_TIMEOUT_S = 30.0


# --- One session ------------------------------------------------------------------------------


@dataclass
class Append:
    """One ``ntLive.append`` the session received."""

    reply_id: int
    offset: int
    text: str
    received: float


@dataclass
class Session:
    """One simulated browser tab: hydrates, sends one message, collects the reply."""

    index: int
    message: str
    token: str = field(default_factory=lambda: str(uuid.uuid4()))
    chat: dict[str, Any] = field(default_factory=dict)
    appends: list[Append] = field(default_factory=list)
    other_events: dict[str, int] = field(default_factory=dict)
    hydrated: asyncio.Event = field(default_factory=asyncio.Event)
    finished: asyncio.Event = field(default_factory=asyncio.Event)
    saw_streaming: bool = False
    socket: EventSocket | None = None
    sent_at: float = 0.0
    error: str = ""

    def on_update(self, update: dict[str, Any], received: float) -> None:
        """Apply one ``event`` message: the chat state's delta and the frontend events."""
        delta = update.get("delta") or {}
        chat = delta.get(CHAT)
        if chat:
            self.chat.update(chat)
            if chat.get("streaming_rx_state_") is True:
                self.saw_streaming = True
            elif chat.get("streaming_rx_state_") is False and self.saw_streaming:
                self.finished.set()
            elif chat.get("notice_rx_state_") and self.sent_at and not self.saw_streaming:
                self.error = f"send refused: {chat['notice_rx_state_']}"
                self.finished.set()
        if (delta.get(STATE) or {}).get("is_hydrated_rx_state_") is True:
            self.hydrated.set()  # load_page (the on_load handler) has run
        for event in update.get("events") or []:
            name = str(event.get("name"))
            code = (event.get("payload") or {}).get("javascript_code", "")
            match = APPEND.fullmatch(code) if name == "_call_script" else None
            if match is None:
                self.other_events[name] = self.other_events.get(name, 0) + 1
                continue
            # The text, then optionally the live cost: both JSON string literals.
            text = json.loads(f"[{match.group(3)}]")[0]
            self.appends.append(Append(int(match[1]), int(match[2]), text, received))

    @property
    def reply_ids(self) -> set[int]:
        """Reply ids the appends named (one, unless text of another reply leaked in)."""
        return {append.reply_id for append in self.appends}

    @property
    def final_view(self) -> str | None:
        """The finished reply as the transcript shows it (last row of ``recent``)."""
        rows = self.chat.get("recent_rx_state_") or []
        replies = [row for row in rows if row.get("role") == "assistant"]
        return str(replies[-1].get("content", "")) if replies else None


async def open_sessions(
    target: Target, sessions: Sequence[Session], boot: Boot, trace_first: bool
) -> None:
    """Connect every session (25 handshakes at a time) and wait until each page has loaded."""
    host, port = target.url.removeprefix("http://").split(":")
    gate = asyncio.Semaphore(25)

    async def one(session: Session) -> None:
        trace = _trace if trace_first and session.index == 0 else None
        async with gate:
            try:
                session.socket = await EventSocket.connect(
                    host,
                    int(port),
                    session.token,
                    boot.auth(),
                    session.on_update,
                    trace,
                    cookie=target.cookie,
                )
                await session.hydrated.wait()
            except (OSError, ProtocolError) as exc:
                session.error = f"connect: {type(exc).__name__}: {exc}"

    try:
        await asyncio.wait_for(asyncio.gather(*(one(s) for s in sessions)), CONNECT_TIMEOUT_S)
    except TimeoutError:
        for session in sessions:
            if not session.hydrated.is_set() and not session.error:
                session.error = "connect: not hydrated in time"


async def stream_all(sessions: Sequence[Session], timeout_s: float, ramp_s: float) -> None:
    """Send each session's message (spread over ``ramp_s``) and wait for every reply."""

    async def one(session: Session) -> None:
        if session.socket is None or session.error:
            return
        await asyncio.sleep(ramp_s * session.index / max(1, len(sessions)))
        session.socket.emit_event(f"{CHAT}.new_conversation", {})
        session.sent_at = time.time()
        # As the page submits the form (getFormData + encodeFormDataArgs in state.js).
        entries = [["message", session.message], ["composer", session.message]]
        form_data = {"__reflex_form_data__": entries}
        session.socket.emit_event(f"{CHAT}.send", {"form_data": form_data})
        closed = asyncio.create_task(session.socket.closed.wait())
        finished = asyncio.create_task(session.finished.wait())
        try:
            await asyncio.wait({closed, finished}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            closed.cancel()
            finished.cancel()
        if not session.finished.is_set():
            session.error = f"socket closed mid-reply: {session.socket.error or 'closed'}"

    try:
        await asyncio.wait_for(asyncio.gather(*(one(s) for s in sessions)), timeout_s)
    except TimeoutError:
        for session in sessions:
            if not session.finished.is_set() and not session.error:
                session.error = f"reply not finished in {timeout_s:.0f} s"


def _trace(text: str) -> None:
    print(f"  << {text[:300]}{'...' if len(text) > 300 else ''}", flush=True)


# --- Checking what arrived --------------------------------------------------------------------


@dataclass
class Assembled:
    """A session's reply text rebuilt from its appends, with every anomaly counted."""

    text: str
    duplicated: list[bool]  # per code point: received more than once
    conflicting: int  # code points received twice with different text
    late: list[bool]  # per code point: arrived after text further on had arrived
    missing: list[bool]  # per code point: never received
    arrivals: list[tuple[int, float]]  # (contiguous code points so far, received at)


def assemble(appends: Sequence[Append]) -> Assembled:
    """Place each append at its offset (in code points), in arrival order."""
    slots: list[str | None] = []
    duplicated: list[bool] = []
    late: list[bool] = []
    conflicting = 0
    contiguous = 0
    furthest = 0
    arrivals: list[tuple[int, float]] = []
    for append in appends:
        chars = list(append.text)
        end = append.offset + len(chars)
        if end > len(slots):
            grow = end - len(slots)
            slots += [None] * grow
            duplicated += [False] * grow
            late += [False] * grow
        for position, char in enumerate(chars, start=append.offset):
            if slots[position] is None:
                slots[position] = char
                late[position] = position < furthest
            else:
                duplicated[position] = True
                conflicting += slots[position] != char
        furthest = max(furthest, end)
        while contiguous < len(slots) and slots[contiguous] is not None:
            contiguous += 1
        arrivals.append((contiguous, append.received))
    missing = [slot is None for slot in slots]
    text = "".join(slot or "" for slot in slots)
    return Assembled(text, duplicated, conflicting, late, missing, arrivals)


def token_spans(text: str) -> list[tuple[int, int]]:
    """Code-point spans of the reply's tokens (cl100k pieces, as the simulator streams them)."""
    spans, start = [], 0
    for piece in token_pieces(get_encoding(ENCODING_NAME), text):
        spans.append((start, start + len(piece)))
        start += len(piece)
    return spans


def tokens_flagged(spans: Sequence[tuple[int, int]], flags: Sequence[bool]) -> int:
    """How many tokens have at least one flagged code point."""
    return sum(any(flags[begin:end]) for begin, end in spans if begin < len(flags))


def latencies_ms(
    timeline: Sequence[tuple[int, float]], arrivals: Sequence[tuple[int, float]]
) -> list[float]:
    """For every write of the simulator: when this client first had it, minus when written."""
    latencies: list[float] = []
    index = 0
    for points, written_at in timeline:
        while index < len(arrivals) and arrivals[index][0] < points:
            index += 1
        if index == len(arrivals):
            break
        latencies.append((arrivals[index][1] - written_at) * 1000)
    return latencies


@dataclass
class Verdict:
    """One session checked against the simulator and the database."""

    ok: bool
    problems: list[str]
    tokens: int = 0
    lost: int = 0
    duplicated: int = 0
    reordered: int = 0
    latencies: list[float] = field(default_factory=list)
    schedule_latencies: list[float] = field(default_factory=list)
    first_text_ms: float | None = None
    end_lag_ms: float | None = None


async def check(
    session: Session, sim_api: str, repo: ChatRepository, http: httpx.AsyncClient, rate: float
) -> Verdict:
    """Compare what the session assembled with the stored reply and the simulator's reply."""
    if session.error:
        return Verdict(False, [session.error])
    problems: list[str] = []
    ids = session.reply_ids
    if len(ids) != 1:
        return Verdict(False, [f"appends named replies {sorted(ids)} (expected exactly one)"])
    reply_id = ids.pop()
    stored = repo.get_message(message_id=reply_id)
    if stored is None:
        return Verdict(False, [f"reply {reply_id} is not in the database"])
    if stored.status != MessageStatus.COMPLETE.value:
        problems.append(f"stored status {stored.status}: {stored.error}")
    upstream = await _simulator_reply(http, sim_api, session.message, stored)
    timeline = await _timeline(http, sim_api, stored.generation_id or "")
    got = assemble(session.appends)
    spans = token_spans(upstream)
    missing = got.missing + [True] * max(0, len(upstream) - len(got.missing))
    verdict = Verdict(
        ok=True,
        problems=problems,
        tokens=len(spans),
        lost=tokens_flagged(spans, missing),
        duplicated=tokens_flagged(spans, got.duplicated),
        reordered=tokens_flagged(spans, got.late),
        latencies=latencies_ms(timeline, got.arrivals),
    )
    if timeline:
        verdict.schedule_latencies = schedule_latencies_ms(
            spans, got.arrivals, timeline[0][1], rate
        )
    if got.text != upstream:
        problems.append(f"client text ({len(got.text)} cp) != simulator's ({len(upstream)} cp)")
    if stored.content != upstream:
        problems.append(f"stored text ({len(stored.content)} cp) != simulator's")
    if got.conflicting:
        problems.append(f"{got.conflicting} code points received twice with different text")
    if session.final_view != stored.content:
        problems.append("the finished transcript row differs from the stored reply")
    if timeline and timeline[-1][0] != len(upstream):
        problems.append(f"timeline ends at {timeline[-1][0]} cp, reply has {len(upstream)}")
    if session.appends:
        verdict.first_text_ms = (session.appends[0].received - session.sent_at) * 1000
        full = next((t for points, t in got.arrivals if points >= len(upstream)), None)
        if full is not None and timeline:
            verdict.end_lag_ms = (full - timeline[-1][1]) * 1000
    verdict.ok = not problems and not (verdict.lost or verdict.duplicated or verdict.reordered)
    return verdict


def schedule_latencies_ms(
    spans: Sequence[tuple[int, int]],
    arrivals: Sequence[tuple[int, float]],
    started: float,
    rate: float,
) -> list[float]:
    """Per token: when this client had it, minus when the simulator's schedule made it due.

    Token ``i`` is due ``i / rate`` after the first write (``due_batches`` in the simulator).
    Unlike the write-time figure this also counts a simulator that fell behind its schedule,
    which happens when it shares a saturated event loop with the backend.
    """
    latencies: list[float] = []
    index = 0
    for token, (_, end) in enumerate(spans):
        while index < len(arrivals) and arrivals[index][0] < end:
            index += 1
        if index == len(arrivals):
            break
        latencies.append((arrivals[index][1] - started - token / rate) * 1000)
    return latencies


async def _simulator_reply(
    http: httpx.AsyncClient, sim_api: str, text: str, stored: StoredMessage
) -> str:
    """What the simulator answers to this first message, asked directly (non-streaming)."""
    response = await http.post(
        f"{sim_api}/chat/completions",
        json={"model": stored.model, "messages": [{"role": "user", "content": text}]},
    )
    response.raise_for_status()
    return str(response.json()["choices"][0]["message"]["content"])


async def _timeline(
    http: httpx.AsyncClient, sim_api: str, generation_id: str
) -> list[tuple[int, float]]:
    response = await http.get(
        f"{sim_api}/generation", params={"id": generation_id, "timeline": "1"}
    )
    response.raise_for_status()
    return [(int(p), float(t)) for p, t in response.json()["data"]["sim_timeline"]]


# --- The processes measured -------------------------------------------------------------------

TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Proc:
    """One measured process."""

    pid: int
    role: str

    def cpu_s(self) -> float:
        """User + system CPU seconds so far (all threads)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS

    def status_kb(self, key: str) -> int:
        """A ``kB`` field of ``/proc/<pid>/status`` (VmRSS, VmHWM)."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
        return 0

    def pss_kb(self) -> int:
        """Proportional set size: shared pages split between the processes sharing them."""
        for line in Path(f"/proc/{self.pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
        return 0


def app_processes(app: RunningApp) -> list[Proc]:
    """Every live process in the app's process group; the port's listener is marked."""
    group = os.getpgid(app.process.pid)
    port = int(app.url.rsplit(":", 1)[1])
    listeners = _listening_inodes(port)
    procs = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(stat[2]) != group:
                continue
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()[:40]
            fds = {os.readlink(fd) for fd in (entry / "fd").iterdir()}
        except (OSError, ValueError):
            continue
        serves = any(f"socket:[{inode}]" in fds for inode in listeners)
        pid = int(entry.name)
        role = f"serves :{port}" if serves else "reflex run" if pid == app.process.pid else cmd
        procs.append(Proc(pid, role))
    return sorted(procs, key=lambda p: p.pid)


def _listening_inodes(port: int) -> set[str]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            cols = line.split()
            if int(cols[1].rsplit(":", 1)[1], 16) == port and cols[3] == "0A":  # LISTEN
                inodes.add(cols[9])
    return inodes


def machine_busy() -> float:
    """Busy CPU seconds of the whole machine so far (all cores), from ``/proc/stat``."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / TICKS


@dataclass(frozen=True)
class Simulator:
    """Where the upstream answers, and its own process when it runs outside the backend."""

    api: str
    process: subprocess.Popen[bytes] | None = None


@dataclass(frozen=True)
class Target:
    """What the sessions connect to: one app process, or the hosted stack (nginx in front
    of several workers)."""

    name: str
    url: str
    database_url: str
    cookie: str  # a let-in browser's (local mode) or a signed-in session's (hosted)
    web_dir: Path  # the compiled page the sessions hydrate like
    processes: Callable[[], list[Proc]]
    log_tail: Callable[[], str]


def local_target(app: RunningApp) -> Target:
    """``make run``'s one process, with its let-in browser's cookie."""
    return Target(
        "one worker",
        app.url,
        app.database_url,
        "; ".join(f"{k}={v}" for k, v in app.cookies.items()),
        PROJECT_ROOT / ".web",
        lambda: app_processes(app),
        lambda: app.log_tail(40),
    )


def hosted_target(stack: HostedStack, user: tuple[str, str]) -> Target:
    """The hosted stack through nginx, signed in as ``user`` (every session shares it)."""
    response = httpx.post(
        stack.url + "/login",
        data={"username": user[0], "password": user[1], "next": "/"},
        headers={"Origin": stack.url},
    )
    if response.status_code != 303:
        raise RuntimeError(f"login refused: {response.status_code} {response.text[:200]}")
    cookie = "; ".join(f"{k}={v}" for k, v in response.cookies.items())

    def processes() -> list[Proc]:
        procs = [Proc(pid, f"serves :{port}") for port, pid in sorted(stack.workers().items())]
        nginx = stack.nginx_pids()
        return procs + [Proc(pid, "nginx") for pid in nginx]

    workers = len(stack.workers())
    return Target(
        f"{workers} workers behind nginx",
        stack.url,
        stack.database_url,
        cookie,
        stack.state_dir / "web",
        processes,
        stack.log_tail,
    )


@contextmanager
def external_simulator(workdir: Path, rate: float) -> Iterator[Simulator]:
    """``python -m neural_terminal.simulator`` in a process of its own, on a free port."""
    log = workdir / "simulator.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                *("-m", "neural_terminal.simulator", "--port", "0", "--rate", f"{rate:g}"),
                *("--tiktoken-dir", str(load_settings().tiktoken_cache_dir)),
            ],
            cwd=PROJECT_ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 30
        while not (found := re.search(r"simulator: (http://\S+)", log.read_text())):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the simulator did not start:\n{log.read_text()}")
            time.sleep(0.1)  # polling a condition: the simulator is not up yet
        yield Simulator(found.group(1), process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- Running it -------------------------------------------------------------------------------


@dataclass
class Usage:
    """CPU and memory over the measured window (first send to last reply)."""

    wall_s: float
    cpu_s: dict[int, float]
    client_cpu_s: float
    machine_busy_s: float
    hwm_kb: dict[int, int]
    rss_before_kb: dict[int, int]
    pss_kb: dict[int, int]


@dataclass(frozen=True)
class Figures:
    """One target's headline figures, for the side-by-side summary."""

    name: str
    ok: int
    sessions: int
    lost: int
    cpu_us_per_token: float
    p95_added_ms: float
    p95_first_text_ms: float
    cpu_per_worker: str


async def run(args: argparse.Namespace, target: Target, sim: Simulator, workdir: str) -> Figures:
    """Open the sessions, stream every reply, check them and print the figures."""
    procs = target.processes()
    sim_procs = [] if sim.process is None else [Proc(sim.process.pid, "simulator")]
    measured = procs + sim_procs
    boot = Boot.from_compiled_page(target.web_dir)
    sessions = [
        Session(
            index,
            f"[[sim:tokens={args.tokens}]] [[sim:rate={args.rate:g}]] "
            f"load bench session {index}: tell me about streaming",
        )
        for index in range(args.sessions)
    ]
    where = "its own process" if sim.process else "the backend process"
    print(
        f"\n== {target.name}: {args.sessions} sessions, {args.tokens:,} tokens each at "
        f"{args.rate:g} tokens/s; simulator in {where}; load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    connect_started = time.monotonic()
    await open_sessions(target, sessions, boot, args.trace)
    print(
        f"connected and hydrated {sum(s.hydrated.is_set() for s in sessions)}/{len(sessions)} "
        f"in {time.monotonic() - connect_started:.1f} s; backend worker pid "
        + ", ".join(str(p.pid) for p in procs if p.role.startswith("serves")),
        flush=True,
    )
    rss_before = {p.pid: p.status_kb("VmRSS") for p in measured}
    cpu_before = {p.pid: p.cpu_s() for p in measured}
    client_before = time.process_time()
    busy_before = machine_busy()
    started = time.monotonic()
    timeout = args.tokens / args.rate * 2 + args.ramp + 60
    serving = next(p.pid for p in procs if p.role.startswith("serves"))
    profile = Path(workdir) / "backend-profile.txt"
    sampling: AbstractContextManager[list[Shares]] = (
        sampled(serving, profile) if args.profile else nullcontext([])
    )
    with sampling as shares:
        await stream_all(sessions, timeout, args.ramp)
    if args.keep_profile is not None and profile.is_file():
        shutil.copyfile(profile, args.keep_profile)
    usage = Usage(
        wall_s=time.monotonic() - started,
        cpu_s={p.pid: p.cpu_s() - cpu_before[p.pid] for p in measured},
        client_cpu_s=time.process_time() - client_before,
        machine_busy_s=machine_busy() - busy_before,
        hwm_kb={p.pid: p.status_kb("VmHWM") for p in measured},
        rss_before_kb=rss_before,
        pss_kb={p.pid: p.pss_kb() for p in measured},
    )
    frames = sum(s.socket.frames for s in sessions if s.socket)
    wire = sum(s.socket.bytes for s in sessions if s.socket)
    await asyncio.gather(*(s.socket.close() for s in sessions if s.socket))
    engine = make_engine(target.database_url)
    repo = ChatRepository(engine)
    async with httpx.AsyncClient(timeout=HTTP_TIMEOUT_S) as http:
        verdicts = [await check(s, sim.api, repo, http, args.rate) for s in sessions]
    engine.dispose()
    if args.trace and sessions:
        print(f"session 0 other events: {sessions[0].other_events}")
    _print(args, sessions, verdicts, usage, procs, sim_procs, frames, wire)
    if shares:
        print(f"where the serving worker's CPU went ({shares[0].total:,} py-spy samples):")
        for line in shares[0].lines():
            print(f"  {line}")
    if not all(v.ok for v in verdicts):
        print(f"app log, last lines:\n{target.log_tail()}")
    tokens = sum(v.tokens for v in verdicts)
    serving_procs = [p for p in procs if p.role.startswith("serves")]
    backend = sum(usage.cpu_s[p.pid] for p in procs)
    return Figures(
        target.name,
        sum(v.ok for v in verdicts),
        len(verdicts),
        sum(v.lost for v in verdicts),
        backend / max(tokens, 1) * 1e6,
        _p95([x for v in verdicts for x in v.latencies]),
        _p95([v.first_text_ms or 0 for v in verdicts]),
        " + ".join(f"{usage.cpu_s[p.pid] / usage.wall_s * 100:.0f}%" for p in serving_procs),
    )


def _p95(values: Sequence[float]) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[94]


def _pct(values: Sequence[float]) -> str:
    if not values:
        return "n/a"
    if len(values) == 1:
        return f"{values[0]:.0f} ms (n=1)"
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return (
        f"p50 {cuts[49]:.0f}  p95 {cuts[94]:.0f}  p99 {cuts[98]:.0f}  max {max(values):.0f} ms"
        f"  (n={len(values):,})"
    )


def _print(
    args: argparse.Namespace,
    sessions: Sequence[Session],
    verdicts: Sequence[Verdict],
    usage: Usage,
    procs: Sequence[Proc],
    sim_procs: Sequence[Proc],
    frames: int,
    wire: int,
) -> None:
    cores = os.cpu_count() or 1
    ok = sum(v.ok for v in verdicts)
    tokens = sum(v.tokens for v in verdicts)
    print(f"sessions OK {ok} / failed {len(verdicts) - ok}")
    for session, verdict in zip(sessions, verdicts, strict=True):
        if not verdict.ok:
            print(f"  session {session.index}: {'; '.join(verdict.problems) or 'token errors'}")
    print(
        f"tokens checked {tokens:,}: lost {sum(v.lost for v in verdicts)}, "
        f"duplicated {sum(v.duplicated for v in verdicts)}, "
        f"reordered {sum(v.reordered for v in verdicts)}"
    )
    print("added latency (target p95 <= 250 ms):")
    print(f"  after the simulator wrote it:  {_pct([x for v in verdicts for x in v.latencies])}")
    scheduled = [x for v in verdicts for x in v.schedule_latencies]
    print(f"  after its token was due:       {_pct(scheduled)}")
    print(f"  send -> first text:            {_pct([v.first_text_ms or 0 for v in verdicts])}")
    print(f"  last write -> all text shown:  {_pct([v.end_lag_ms or 0 for v in verdicts])}")
    print(
        f"wall time {usage.wall_s:.1f} s (one reply alone: {args.tokens / args.rate:.1f} s); "
        f"received {frames:,} frames, {wire / 1e6:.1f} MB ({frames / usage.wall_s:,.0f} frames/s)"
    )
    backend = sum(usage.cpu_s[p.pid] for p in procs)
    print(
        f"backend CPU {backend:.1f} s = {backend / usage.wall_s * 100:.0f}% of one core, "
        f"{backend / usage.wall_s / cores * 100:.0f}% of {cores} cores"
    )
    per_token = backend / max(tokens, 1) * 1e6
    print(
        f"backend CPU per delivered token: {per_token:.0f} us (target <= 40 us; "
        f"the pre-issue-16 code measured about 200 us on these 2-core machines)"
    )
    for proc in [*procs, *sim_procs]:
        pid = proc.pid
        cpu, hwm = usage.cpu_s[pid], usage.hwm_kb[pid] / 1024
        before, pss = usage.rss_before_kb[pid] / 1024, usage.pss_kb[pid] / 1024
        print(
            f"  pid {pid:<7} {proc.role:<14} CPU {cpu:5.1f} s ({cpu / usage.wall_s * 100:3.0f}% "
            f"of a core)  VmHWM {hwm:4.0f} MB  (VmRSS before sends {before:.0f}, Pss {pss:.0f})"
        )
    serving = [usage.hwm_kb[p.pid] / 1024 for p in procs if p.role.startswith("serves")]
    group = sum(usage.hwm_kb[p.pid] for p in procs) / 1024
    print(
        f"backend peak RSS: serving worker VmHWM {' + '.join(f'{mb:.0f}' for mb in serving)} MB;"
        f" sum of VmHWM over the app's process group {group:.0f} MB"
    )
    client = usage.client_cpu_s
    other = usage.machine_busy_s - sum(usage.cpu_s.values()) - client
    print(
        f"bench client CPU {client:.1f} s = {client / usage.wall_s * 100:.0f}% of one core; "
        f"machine busy {usage.machine_busy_s / usage.wall_s / cores * 100:.0f}% of {cores} cores "
        f"(other processes {other:.1f} s = {other / usage.wall_s * 100:.0f}% of a core)"
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the options, start the app (and the simulator) and run the bench."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.load",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--sessions", type=int, default=100)
    parser.add_argument("--tokens", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=50.0, help="tokens per second per reply")
    parser.add_argument("--ramp", type=float, default=0.0, help="spread the sends over S seconds")
    parser.add_argument(
        "--external-sim",
        action="store_true",
        help="run the simulator in its own process, as a remote upstream would be",
    )
    parser.add_argument("--trace", action="store_true", help="print session 0's packets")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="sample the serving worker with py-spy and print its CPU by layer",
    )
    parser.add_argument(
        "--keep-profile",
        type=Path,
        metavar="FILE",
        help="with --profile: keep py-spy's raw stacks in FILE (for flame graphs)",
    )
    parser.add_argument(
        "--hosted",
        type=int,
        default=0,
        metavar="N",
        help="then the same load through nginx to N workers on PostgreSQL and Redis "
        "(needs NEURAL_TERMINAL_TEST_POSTGRES_URL; the simulator runs in its own process)",
    )
    args = parser.parse_args(argv)
    args.external_sim = args.external_sim or bool(args.hosted)
    use_cache_dir(load_settings().tiktoken_cache_dir)
    figures = []
    with tempfile.TemporaryDirectory() as workdir, ExitStack() as stack:
        env: dict[str, str] = {}
        sim: Simulator | None = None
        if args.external_sim:
            sim = stack.enter_context(external_simulator(Path(workdir), args.rate))
            env["NEURAL_TERMINAL_SIMULATOR_URL"] = sim.api
        with running_app(Path(workdir), **env) as app:
            upstream = sim or Simulator(f"{app.url}/sim/api/v1")
            figures.append(asyncio.run(run(args, local_target(app), upstream, workdir)))
        if args.hosted and sim is not None:
            figures.append(_run_hosted(args, Path(workdir), sim, env))
    if len(figures) > 1:
        print("\nside by side, same run (CPU per token: every worker's CPU over every token):")
        for f in figures:
            print(
                f"  {f.name:<26} OK {f.ok}/{f.sessions}, lost {f.lost}; CPU "
                f"{f.cpu_us_per_token:.0f} us/token (workers at {f.cpu_per_worker} of a core); "
                f"added latency p95 {f.p95_added_ms:.0f} ms; send -> first text p95 "
                f"{f.p95_first_text_ms:.0f} ms"
            )


def _run_hosted(
    args: argparse.Namespace, workdir: Path, sim: Simulator, env: dict[str, str]
) -> Figures:
    """The same sessions through nginx to ``args.hosted`` workers (hosted mode, one user)."""
    state = workdir / "hosted"
    state.mkdir()
    limits = {
        "NEURAL_TERMINAL_STREAMS_PER_USER": str(args.sessions * 2),
        "NEURAL_TERMINAL_SENDS_PER_MINUTE": str(args.sessions * 10),
    }
    with hosted_stack(state, workers=args.hosted, **env, **limits) as hosted:
        add_user(hosted.database_url, *BENCH_USER)
        return asyncio.run(run(args, hosted_target(hosted, BENCH_USER), sim, str(workdir)))


if __name__ == "__main__":
    main()
