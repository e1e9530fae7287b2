"""End-to-end: a chef changes next week's order (placed by their standing order) on the quick order page,
with the keyboard only: type a quantity, Tab to the next, Enter saves.
"""

import re
from datetime import date
from decimal import Decimal

import pytest
from django_scopes import scope, scopes_disabled

from orders.models import Order, StandingOrder, StandingOrderLine
from orders.services.standing import standing_orders_place_for_cycle
from tests import factories
from tests.e2e.support import artifact, login


@pytest.fixture
def kitchen(transactional_db):
    with scopes_disabled():
        coop = factories.CooperativeFactory(slug="keukenproef", name="Coöperatie Keukenproef")
        account = factories.BusinessAccountFactory(coop=coop, name="Schoolkeuken De Linde")
        chef = factories.MembershipFactory(coop=coop, roles=["business"], business_account=account,
                                           user__email="chef@linde.example", user__first_name="Chef")
        producer = factories.ProducerFactory(coop=coop, farm_name="Hoeve De Linde")
        potatoes = factories.ProductFactory(coop=coop, producer=producer, name_nl="Aardappelen (zak 10 kg)",
                                            price="8.00")
        carrots = factories.ProductFactory(coop=coop, producer=producer, name_nl="Wortelen (krat 10 kg)",
                                           price="9.50", category=potatoes.category)
        leeks = factories.ProductFactory(coop=coop, producer=producer, name_nl="Prei", price="0.90",
                                         category=potatoes.category)
        cycle = factories.open_cycle(coop, name="Week 48 — levering vrijdag")
        for product, cap in ((potatoes, 40), (carrots, 20), (leeks, None)):
            factories.offer_for(cycle, product, cap=cap)
    with scope(coop=coop):
        standing = StandingOrder.objects.create(coop=coop, account=account, customer=chef, name="Wekelijks",
                                                start_date=date(2026, 1, 1))
        for product, quantity in ((potatoes, 4), (carrots, 2)):
            StandingOrderLine.objects.create(coop=coop, standing_order=standing, product=product, quantity=quantity)
        standing_orders_place_for_cycle(cycle=cycle, notify=False)
    return {"coop": coop, "chef": chef, "account": account, "cycle": cycle,
            "potatoes": potatoes, "carrots": carrots, "leeks": leeks}


def test_a_chef_changes_next_weeks_order_on_the_quick_order_page(chromium, kitchen):
    coop = kitchen["coop"]
    with chromium(viewport={"width": 1100, "height": 900}) as page:
        login(page, "chef@linde.example", f"/{coop.slug}/quick-order/")

        # The standing order placed this week's order; its quantities are in the grid, focus on the first.
        potatoes = page.locator(f"#qty-{kitchen['potatoes'].pk}")
        carrots = page.locator(f"#qty-{kitchen['carrots'].pk}")
        assert potatoes.input_value() == "4" and carrots.input_value() == "2"
        assert page.evaluate("document.activeElement.id") == f"qty-{kitchen['potatoes'].pk}"

        # Keyboard only: 6 sacks of potatoes, Tab, 3 crates of carrots, Enter.
        page.keyboard.press("Control+A")
        page.keyboard.type("6")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == f"qty-{kitchen['carrots'].pk}"
        page.keyboard.press("Control+A")
        page.keyboard.type("3")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(rf"/{coop.slug}/quick-order/\?cycle=\d+$"))
        number = page.locator("#quick-order").get_attribute("data-order")
        assert number and number in page.locator(".messages").inner_text()
        assert page.locator(f"#qty-{kitchen['potatoes'].pk}").input_value() == "6"
        assert page.locator(f"#qty-{kitchen['carrots'].pk}").input_value() == "3"
        page.screenshot(path=artifact("chef-quick-order.png"), full_page=True)

    with scope(coop=coop):
        order = Order.objects.get(cycle=kitchen["cycle"], business_account=kitchen["account"])
        assert dict(order.lines.values_list("product_name", "quantity")) == {
            "Aardappelen (zak 10 kg)": Decimal("6"), "Wortelen (krat 10 kg)": Decimal("3")}
        assert order.prices_include_vat is False
