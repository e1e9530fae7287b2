"""Browser journeys: every test in this folder is marked `e2e` and skipped without Debian's Chromium
(`apt-get install chromium`), so a bare CI machine still passes. Helpers: tests/e2e/support.py."""

from functools import partial
from pathlib import Path

import pytest

from tests.e2e.support import CHROMIUM, open_page

HERE = Path(__file__).resolve().parent
NO_CHROMIUM = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Debian Chromium ({CHROMIUM}) is not installed")


@pytest.hookimpl(tryfirst=True)  # before `-m` selects by marker
def pytest_collection_modifyitems(items):
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.e2e)
            item.add_marker(NO_CHROMIUM)


@pytest.fixture
def chromium(live_server, monkeypatch):
    """Opens a page against the live server: `with chromium(viewport={...}, locale="en-GB") as page:` (more
    keyword arguments go to Playwright's new_context: has_touch, accept_downloads...)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    return partial(open_page, sync_api, live_server.url)
