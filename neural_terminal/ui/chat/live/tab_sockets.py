"""The tabs whose websocket this worker holds: whether one is here (a tab's watcher stops when
it is not), and making them all reconnect (their state is then rebuilt from the database)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from reflex.utils.prerequisites import get_and_validate_app

if TYPE_CHECKING:
    from reflex.app import EventNamespace

logger = logging.getLogger(__name__)


def connected_here(token: str) -> bool:
    """True while the tab ``token`` has its socket on this process."""
    namespace = get_and_validate_app().app.event_namespace
    if namespace is None:
        return False
    sid = namespace.token_to_sid.get(token)
    # sid_to_token holds this process's sockets only (token_to_sid may name other workers').
    return sid is not None and namespace.sid_to_token.get(sid) == token


async def reconnect_pages_here() -> int:
    """Close the transport of every page connected to this process; returns how many.

    The page's own socket client reconnects (through nginx, maybe to another worker) and
    hydrates as on any reconnect: its state is read again from the database, and what the
    page holds that the server does not (the composer's draft) stays in the page.
    """
    namespace = get_and_validate_app().app.event_namespace
    if namespace is None:
        return 0
    closed = 0
    for sid in list(namespace.sid_to_token):
        closed += await _close_transport(namespace, sid)
    logger.warning("%d pages asked to reconnect", closed)
    return closed


async def reconnect_page(token: str) -> bool:
    """Close the transport of the page ``token`` if it is connected here (as above)."""
    namespace = get_and_validate_app().app.event_namespace
    if namespace is None or not connected_here(token):
        return False
    return await _close_transport(namespace, namespace.token_to_sid[token])


async def _close_transport(namespace: EventNamespace, sid: str) -> bool:
    """Neither Socket.IO's disconnect (a page told "server disconnect" does not reconnect)
    nor Engine.IO's (its CLOSE packet is ignored on a websocket, which stays open until the
    ping timeout) will do: the websocket itself is closed, as Engine.IO closes it when its
    reading side ends, by waking its writer with nothing to send."""
    server = namespace.server
    eio_sid = server.manager.eio_sid_from_sid(sid, namespace.namespace)
    transport = server.eio.sockets.get(eio_sid) if eio_sid is not None else None
    if transport is None or transport.closed:
        return False
    await transport.queue.put(None)
    return True
