"""The browser block's promise (tests/e2e/support.py): database queries inside it are fine, because the connection
Django opens for them there is closed on the way out. One left open would keep the test database from being
dropped at the end of the run, which pytest only reports as a warning."""

from django.contrib.auth import get_user_model
from django.db import connection


def _sessions_on_the_test_database() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
        return cursor.fetchone()[0]


def test_the_browser_block_closes_the_connection_it_opened(chromium):
    before = _sessions_on_the_test_database()
    with chromium(viewport={"width": 400, "height": 300}) as page:
        page.goto("about:blank")
        get_user_model().objects.count()
        inside = _sessions_on_the_test_database()
    assert inside == before + 1, "inside the block the ORM has a connection of its own"
    assert _sessions_on_the_test_database() == before
