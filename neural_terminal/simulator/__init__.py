"""A built-in OpenRouter-compatible simulator: offline demos and real-HTTP tests.

``create_simulator_app`` builds the Starlette app (mounted by the main app under ``/sim``);
``running_simulator`` serves one on a loopback port. Fault modes are listed in
:mod:`neural_terminal.simulator.requests.faults`.
"""

from __future__ import annotations

from neural_terminal.simulator.app import create_simulator_app
from neural_terminal.simulator.server import running_simulator

__all__ = ["create_simulator_app", "running_simulator"]
