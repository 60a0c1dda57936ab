"""What a server sent and spent: bytes on its sockets (the kernel's counts) and CPU time."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

_ACKED = re.compile(r"\bbytes_acked:(\d+)")
_RECEIVED = re.compile(r"\bbytes_received:(\d+)")


Sockets = dict[str, tuple[int, int]]


def socket_bytes(port: int) -> Sockets:
    """For each connection to the server on ``port``: ``(sent, received)`` TCP payload bytes.

    Counted by the kernel (``ss -ti``: ``bytes_acked``, ``bytes_received``), so a compressed
    websocket counts as compressed, frame headers included.
    """
    out = subprocess.run(
        ["ss", "-tinH", "state", "established", f"( sport = :{port} )"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    sockets: Sockets = {}
    peer = ""
    for line in out.splitlines():
        if not line.startswith((" ", "\t")):  # "Recv-Q Send-Q local peer", then its details
            peer = " ".join(line.split()[2:4])
            continue
        acked, received = _ACKED.search(line), _RECEIVED.search(line)
        sockets[peer] = (int(acked[1]) if acked else 0, int(received[1]) if received else 0)
    return sockets


def bytes_since(before: Sockets, after: Sockets) -> tuple[int, int]:
    """``(sent, received)`` between two readings, over the connections open at the second
    (a connection opened meanwhile counts from zero)."""
    sent = sum(s - before.get(peer, (0, 0))[0] for peer, (s, _) in after.items())
    received = sum(r - before.get(peer, (0, 0))[1] for peer, (_, r) in after.items())
    return sent, received


def server_cpu_s(session: int) -> float:
    """CPU seconds (user + system) of every process in session ``session``, so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # the process ended meanwhile
            continue
        # The command name is in parentheses and may hold spaces: split after it.
        fields = text[text.rindex(")") + 2 :].split()
        if int(fields[3]) == session:  # field 6 of stat: the session id
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks
