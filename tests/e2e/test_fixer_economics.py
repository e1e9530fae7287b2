"""End-to-end: the fixer records a month's costs with the plain form, reads the economics dashboard (figures,
12-month chart, who carries the costs) and the accounting export page. Screenshots go to test-artifacts/.
"""

from datetime import date

import pytest
from django_scopes import scope, scopes_disabled

from orders.models import OrderLine
from tests import factories
from tests.e2e.support import artifact, login
from tests.invoicing.conftest import delivered_order, make_shop


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


def test_fixer_records_costs_and_reads_the_dashboard(chromium, books):
    coop = books["coop"]
    with chromium(viewport={"width": 1200, "height": 900}) as page:
        login(page, books["user"], f"/{coop.slug}/economics/costs/?month=2025-06")

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
        page.screenshot(path=artifact("economics-costs.png"), full_page=True)

        page.goto(f"/{coop.slug}/economics/?month=2025-06")
        assert page.locator("svg.month-chart rect.turnover").count() == 12
        figures = page.inner_text("#figures")
        assert "71,00" in figures  # costs: 35 + 36
        assert page.locator("#cost-sharing tbody tr").count() >= 3
        page.screenshot(path=artifact("economics-dashboard.png"), full_page=True)

        page.goto(f"/{coop.slug}/economics/accounting/?period=2025-Q2")
        assert page.locator("#journal-sales").count() == 1
