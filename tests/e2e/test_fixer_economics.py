"""End-to-end: the fixer records a month's costs with the plain form, reads the economics dashboard (figures,
12-month chart, who carries the costs) and the accounting export page. Screenshots go to test-artifacts/.

Runs Debian's Chromium through Playwright against pytest-django's live server; skipped without /usr/bin/chromium.
"""

import re
from datetime import date
from pathlib import Path

import pytest
from django_scopes import scope, scopes_disabled

from orders.models import OrderLine
from tests import factories
from tests.invoicing.conftest import delivered_order, make_shop

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian Chromium (/usr/bin/chromium) is not installed"),
]


@pytest.fixture
def books(transactional_db):
    with scopes_disabled():
        coop = factories.CooperativeFactory(slug="boekjaar", name="Coöperatie Boekjaar")
        fixer = factories.MembershipFactory(coop=coop, roles=["fixer"], user__email="fixer@boekjaar.example")
    shop = make_shop(coop)
    with scope(coop=coop):
        for month in range(1, 7):
            for day in (3, 17):
                order = delivered_order(shop, [("wortelen", 20 + 3 * month, {"unit_net": "2.10"}),
                                               ("melk", 12, {"unit_net": "1.15"})],
                                        business=day == 17, delivered_on=date(2025, month, day))
                OrderLine.objects.filter(order=order).update(producer_price=1.40)
    return {"coop": coop, "user": fixer.user}


def test_fixer_records_costs_and_reads_the_dashboard(live_server, books, monkeypatch):
    sync_api = pytest.importorskip("playwright.sync_api")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    coop = books["coop"]
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM),
                                     args=["--no-sandbox", "--headless", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900}, locale="nl-BE")
            page.set_default_timeout(30_000)
            costs = f"/{coop.slug}/economics/costs/?month=2025-06"
            page.goto(f"{live_server.url}/accounts/login/?next={costs}")
            page.fill("input[name=login]", books["user"].email)
            page.fill("input[name=password]", "korteketen")
            page.press("input[name=password]", "Enter")
            page.wait_for_url(re.compile(re.escape(costs) + "$"))

            page.select_option("select[name=category]", "hub_rent")
            page.fill("input[name=amount]", "35")
            page.click("#new-cost button[type=submit]")
            page.wait_for_selector("#cost-entries table")
            page.select_option("select[name=category]", "driver_hours")
            page.fill("input[name=quantity]", "1.5")
            page.fill("input[name=unit_cost]", "24")
            page.click("#new-cost button[type=submit]")
            page.wait_for_selector("#cost-entries tbody tr:nth-child(2)")
            assert "36,00" in page.inner_text("#cost-entries")  # 1.5 h x 24
            page.screenshot(path=str(ARTIFACTS / "economics-costs.png"), full_page=True)

            page.goto(f"{live_server.url}/{coop.slug}/economics/?month=2025-06")
            assert page.locator("svg.month-chart rect.turnover").count() == 12
            figures = page.inner_text("#figures")
            assert "71,00" in figures  # costs: 35 + 36
            assert page.locator("#cost-sharing tbody tr").count() >= 3
            page.screenshot(path=str(ARTIFACTS / "economics-dashboard.png"), full_page=True)

            page.goto(f"{live_server.url}/{coop.slug}/economics/accounting/?period=2025-Q2")
            assert page.locator("#journal-sales").count() == 1
        finally:
            browser.close()
