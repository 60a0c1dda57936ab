"""The page's main-thread time (CDP ``Performance.getMetrics``) and its long tasks."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import CDPSession, Page

# Installed before the page's own scripts: every task over 50 ms, kept until read.
LONG_TASKS = """
window.__ntLongTasks = [];
try {
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) window.__ntLongTasks.push(entry.duration);
  }).observe({ type: "longtask", buffered: true });
} catch (error) {}
"""


@dataclass(frozen=True)
class MainThread:
    """Seconds the renderer's main thread spent, cumulative (subtract two readings)."""

    task_s: float
    layout_s: float
    style_s: float
    script_s: float
    layouts: int

    def __sub__(self, other: MainThread) -> MainThread:
        return MainThread(
            self.task_s - other.task_s,
            self.layout_s - other.layout_s,
            self.style_s - other.style_s,
            self.script_s - other.script_s,
            self.layouts - other.layouts,
        )


def main_thread(cdp: CDPSession) -> MainThread:
    """The page's counters now (``Performance.enable`` must have been sent)."""
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    return MainThread(
        task_s=float(metrics["TaskDuration"]),
        layout_s=float(metrics["LayoutDuration"]),
        style_s=float(metrics["RecalcStyleDuration"]),
        script_s=float(metrics["ScriptDuration"]),
        layouts=int(metrics["LayoutCount"]),
    )


def take_long_tasks(page: Page) -> list[float]:
    """The long tasks (ms) seen since the last call, and forget them."""
    durations: list[float] = page.evaluate(
        "() => { const d = window.__ntLongTasks || []; window.__ntLongTasks = []; return d; }"
    )
    return durations


def renderer_cpu_s(browser_cdp: CDPSession) -> tuple[float, float]:
    """``(main thread, whole process)`` CPU seconds of the browser's renderers, so far.

    CPU time, not the wall time of ``TaskDuration``: on a shared machine a task's wall time
    also counts the time its thread waited for a core.
    """
    ticks = os.sysconf("SC_CLK_TCK")
    main = whole = 0.0
    for process in browser_cdp.send("SystemInfo.getProcessInfo")["processInfo"]:
        if process["type"] != "renderer":
            continue
        pid = int(process["id"])
        whole += float(process["cpuTime"])
        try:
            text = Path(f"/proc/{pid}/task/{pid}/stat").read_text()
        except OSError:  # the renderer ended meanwhile
            continue
        fields = text[text.rindex(")") + 2 :].split()
        main += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return main, whole
