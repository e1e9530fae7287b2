"""End-to-end: a producer logs in, opens last month's settlement from their portal, reads it, contests a line and
downloads the PDF. Screenshots go to test-artifacts/.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scope

from invoicing.settlements.issuing import settlement_issue
from invoicing.settlements.models import SettlementContest
from invoicing.settlements.policy import previous_month
from tests.e2e.support import PHONE, artifact, login
from tests.invoicing.settlement_world import deliver, make_farm


@pytest.fixture
def settled(transactional_db):
    period = previous_month(timezone.localdate())
    farm = make_farm(fee_percent="5", email="boer@afrekening.example")
    deliver(farm, [("wortelen", "12.5", {"price": "1.85"}), ("bloemkool", "6", {"price": "2.40", "weighed": "7.310"}),
                   ("cider", "6", {"price": "3.10", "short": "1"})], on=period.start + timedelta(days=8))
    with scope(coop=farm.coop):
        settlement = settlement_issue(producer_id=farm.producer.pk, period=period)
    return farm, settlement


def test_producer_reads_their_settlement(chromium, settled):
    farm, settlement = settled
    slug = farm.coop.slug
    with chromium(viewport=PHONE) as page:
        login(page, "boer@afrekening.example", f"/{slug}/settlements/mine/")
        page.click(f"text={settlement.legal_number}")
        page.wait_for_url(re.compile(rf"/settlements/{settlement.pk}/$"))
        body = page.inner_text("main")
        assert "Autofacturatie" in body and "Bloemkool" in body
        assert f"{settlement.total}".replace(".", ",") in body or str(settlement.total) in body
        page.screenshot(path=artifact("producer-settlement-phone.png"), full_page=True)

        line = page.locator("table.settlement-lines tbody tr").first
        line.locator("input[name=note]").fill("Ik leverde 13 kg")
        line.locator("button[type=submit]").click()
        page.wait_for_selector("text=Ik leverde 13 kg")
        with scope(coop=farm.coop):
            assert SettlementContest.objects.filter(settlement=settlement, note="Ik leverde 13 kg").exists()
        page.screenshot(path=artifact("producer-settlement-contested.png"), full_page=True)

        pdf = page.request.get(f"/{slug}/settlements/{settlement.pk}/pdf/")
        assert pdf.ok and pdf.body().startswith(b"%PDF")
