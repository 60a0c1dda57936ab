"""Give up the replies and reservations of workers that are gone.

At start and then every ``every_s`` (when workers are shared), the owners named by streaming
replies and reservations are checked against the leases: those without one (a worker killed,
or a process from before the last restart) lose their rows: replies marked interrupted
(Continue completes them), reservations released. A live worker's rows are never touched, and
nothing is given up while liveness cannot be read (Redis down).
"""

from __future__ import annotations

import asyncio
import logging

from neural_terminal.repeated_failures import RepeatedFailures
from neural_terminal.store.stream_owners import GivenUp, StreamOwners
from neural_terminal.workers.leases import WorkerLeases

logger = logging.getLogger(__name__)

GONE = (
    "The server stopped while this reply was streaming; the text saved up to its last "
    "checkpoint is kept: press Continue to complete it."
)


class Sweeper:
    """Finds owners without a lease and gives up their rows."""

    def __init__(self, owners: StreamOwners, leases: WorkerLeases, *, every_s: float) -> None:
        self._owners = owners
        self._leases = leases
        self._every_s = every_s
        self._failures = RepeatedFailures(logger, "sweep for gone workers")

    async def sweep(self) -> GivenUp:
        """One pass: read owners, ask who is alive, give up the rest (database work in a
        thread, off the event loop)."""
        owners = await asyncio.to_thread(self._owners.owners)
        named = {owner for owner in owners if owner is not None}
        alive = await self._leases.alive(named)
        if alive is None:
            return GivenUp()
        gone = owners - alive
        if not gone:
            return GivenUp()
        given_up = await asyncio.to_thread(self._owners.give_up, gone, reason=GONE)
        if given_up:
            logger.warning(
                "workers %s are gone: %d replies marked interrupted, %d reservations released",
                ", ".join(sorted(str(worker) for worker in gone)),
                given_up.replies,
                given_up.reservations,
            )
        return given_up

    async def run(self) -> None:
        """Sweep every ``every_s`` while other workers may exist (the start's sweep is
        awaited by the caller, before the first page is served)."""
        if not self._leases.shared:
            return  # one process: only its own start-up can leave rows behind
        while True:
            await asyncio.sleep(self._every_s)
            await self.sweep_logged()

    async def sweep_logged(self) -> None:
        """One pass; a failure (the database restarting) is logged and waits for the next."""
        try:
            await self.sweep()
        except Exception:  # a failed pass (the database restarting) waits for the next one
            self._failures.failed()
        else:
            self._failures.worked()
