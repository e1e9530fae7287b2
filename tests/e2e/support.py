"""What every browser journey needs: Debian's Chromium driven by Playwright's sync API, a page logged in through the
real login form, and a place for screenshots (test-artifacts/, ignored by git).

The `chromium` fixture (tests/e2e/conftest.py) opens a page: `with chromium(viewport=PHONE) as page:`. Inside that
block Playwright marks an event loop as running in this thread, so Django hands the ORM a database connection of
its own there; the block closes it on the way out, or the test database could not be dropped at the end. Database
queries inside the block are therefore fine.
"""

import re
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

from django.db import connections

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORD = "korteketen"  # tests/factories.py gives every user this one

PHONE = {"width": 390, "height": 844}
LAUNCH_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync"]


def artifact(name: str) -> Path:
    """Where a screenshot or download called `name` goes."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / name


@contextmanager
def open_page(sync_api, base_url: str, *, viewport: dict, locale: str = "nl-BE", **context_options):
    """A fresh browser and a page in a context of its own (`page.context` for going offline); relative URLs go to
    `base_url`. Everything is closed on the way out, the database connection opened meanwhile too."""
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            context = browser.new_context(base_url=base_url, viewport=viewport, locale=locale, **context_options)
            page = context.new_page()
            page.set_default_timeout(30_000)
            yield page
        finally:
            try:
                browser.close()
            finally:
                _close_connections_of_the_block()


def _close_connections_of_the_block() -> None:
    # Still inside sync_playwright(): the loop counts as running, so these are the block's connections, not the
    # test's own (which pytest-django keeps and closes).
    for connection in connections.all(initialized_only=True):
        connection.close()


def login(page, user, next_url: str) -> None:
    """Logs `user` (a user or an e-mail address) in through the login form and waits until `next_url` is shown."""
    page.goto(f"/accounts/login/?{urlencode({'next': next_url})}")
    page.fill("input[name=login]", getattr(user, "email", user))
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(re.compile(re.escape(next_url) + "$"))
