"""`make run` twice with nothing changed: the second start reuses the build and still works.

(That a changed source rebuilds is tests/launch/test_build_key.py's and test_frontend.py's.)
"""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page

from tests.e2e.server import running_app
from tests.e2e.test_chat import open_app, send, wait_reply_done


def test_a_second_start_with_nothing_changed_reuses_the_build_and_chats(
    page: Page, tmp_path_factory: pytest.TempPathFactory
) -> None:
    with running_app(tmp_path_factory.mktemp("first-start")) as first:
        pass  # builds, or reuses an earlier module's build: either way the site is built now
    assert "frontend " in first.log.read_text()

    started = time.monotonic()
    with running_app(tmp_path_factory.mktemp("second-start")) as second:
        serving_after_s = time.monotonic() - started
        assert "frontend unchanged, reused" in second.log.read_text(), second.log_tail()
        open_app(page, second)  # the reused bundle talks to this backend: it hydrates
        send(page, "[[sim:tokens=5]] still there?")
        wait_reply_done(page)
    print(f"\nsecond start served the page after {serving_after_s:.1f} s")
