"""The key's credit in the header (``credit $4.21 of $10.00``), from the upstream's ``/key``:
read when a page opens and after each reply, at most once a minute (chat/telemetry/credit.py).

It is the instance's account, so hosted mode shows it to admins only.
"""

from __future__ import annotations

import reflex as rx

from neural_terminal.bootstrap import services
from neural_terminal.domain.credit import KeyInfo
from neural_terminal.domain.money import exact_usd, format_usd
from neural_terminal.domain.viewer import VIEWER_HEADER, Viewer


def credit_text(info: KeyInfo | None) -> tuple[str, str]:
    """The header's words and their hover text ("" when there is nothing to show)."""
    if info is None:
        return "", ""
    if info.limit_usd is None:
        text = f"credit used {format_usd(info.usage_usd)} · no limit"
    else:
        text = f"credit {format_usd(info.remaining_usd)} of {format_usd(info.limit_usd)}"
    periods = (
        ("today", info.usage_daily_usd),
        ("this week", info.usage_weekly_usd),
        ("this month", info.usage_monthly_usd),
    )
    spent = ", ".join(f"{exact_usd(v)} {name}" for name, v in periods if v is not None)
    title = f"The API key's account: {exact_usd(info.usage_usd)} spent in all"
    if info.limit_usd is not None:
        title += f", {exact_usd(info.remaining_usd)} left of {exact_usd(info.limit_usd)}"
    return text, f"{title}; {spent}" if spent else title


class CreditState(rx.State):
    """What the header says about the key's credit."""

    credit: str = ""
    credit_title: str = ""

    @rx.event
    async def refresh(self) -> None:
        """Read the key's credit (asked upstream at most once a minute)."""
        viewer = Viewer.from_header(self.router.headers.raw_headers.get(VIEWER_HEADER))
        app = services()
        may_see = viewer is not None and (
            viewer.user_id is None or app.accounts.users.is_admin(viewer.user_id)
        )
        info = await app.credit.current() if may_see else None
        self.credit, self.credit_title = credit_text(info)


def credit_meter() -> rx.Component:
    """``credit $4.21 of $10.00`` (nothing when the upstream has no ``/key``)."""
    return rx.cond(
        CreditState.credit != "",
        rx.text(
            CreditState.credit,
            size="1",
            class_name="nt-figure nt-clip",
            id="credit",
            title=CreditState.credit_title,
            tab_index=0,
        ),
    )


def telemetry_link() -> rx.Component:
    """The way to the telemetry page (also the ``t`` key, assets/telemetry.js)."""
    return rx.link(
        "telemetry",
        href="/telemetry",
        id="telemetry-link",
        size="1",
        title="Where the time and the money go (t)",
    )
