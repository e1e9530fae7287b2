"""End-to-end: a producer logs in, opens last month's settlement from their portal, reads it, contests a line and
downloads the PDF. Screenshots go to test-artifacts/.

Runs Debian's Chromium through Playwright against pytest-django's live server; skipped without /usr/bin/chromium.
"""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from django_scopes import scope

from invoicing.settlements.issuing import settlement_issue
from invoicing.settlements.models import SettlementContest
from invoicing.settlements.policy import previous_month
from tests.invoicing.settlement_world import deliver, make_farm

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian Chromium (/usr/bin/chromium) is not installed"),
]


@pytest.fixture
def settled(transactional_db):
    period = previous_month(timezone.localdate())
    farm = make_farm(fee_percent="5", email="boer@afrekening.example")
    deliver(farm, [("wortelen", "12.5", {"price": "1.85"}), ("bloemkool", "6", {"price": "2.40", "weighed": "7.310"}),
                   ("cider", "6", {"price": "3.10", "short": "1"})], on=period.start + timedelta(days=8))
    with scope(coop=farm.coop):
        settlement = settlement_issue(producer_id=farm.producer.pk, period=period)
    return farm, settlement


def test_producer_reads_their_settlement(live_server, settled, monkeypatch):
    sync_api = pytest.importorskip("playwright.sync_api")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    farm, settlement = settled
    slug = farm.coop.slug
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM),
                                     args=["--no-sandbox", "--headless", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844}, locale="nl-BE")
            page.set_default_timeout(30_000)
            mine = f"/{slug}/settlements/mine/"
            page.goto(f"{live_server.url}/accounts/login/?next={mine}")
            page.fill("input[name=login]", "boer@afrekening.example")
            page.fill("input[name=password]", "korteketen")
            page.press("input[name=password]", "Enter")
            page.wait_for_url(re.compile(re.escape(mine) + "$"))
            page.click(f"text={settlement.legal_number}")
            page.wait_for_url(re.compile(rf"/settlements/{settlement.pk}/$"))
            body = page.inner_text("main")
            assert "Autofacturatie" in body and "Bloemkool" in body
            assert f"{settlement.total}".replace(".", ",") in body or str(settlement.total) in body
            page.screenshot(path=str(ARTIFACTS / "producer-settlement-phone.png"), full_page=True)

            line = page.locator("table.settlement-lines tbody tr").first
            line.locator("input[name=note]").fill("Ik leverde 13 kg")
            line.locator("button[type=submit]").click()
            page.wait_for_selector("text=Ik leverde 13 kg")
            with scope(coop=farm.coop):
                assert SettlementContest.objects.filter(settlement=settlement, note="Ik leverde 13 kg").exists()
            page.screenshot(path=str(ARTIFACTS / "producer-settlement-contested.png"), full_page=True)

            pdf = page.request.get(f"{live_server.url}/{slug}/settlements/{settlement.pk}/pdf/")
            assert pdf.ok and pdf.body().startswith(b"%PDF")
        finally:
            browser.close()
