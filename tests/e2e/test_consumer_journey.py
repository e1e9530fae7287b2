"""End-to-end: a consumer logs in, fills the cart, checks out at a pickup point and sees the OGM and the QR code."""

import os
import re

import pytest
from django_scopes import scopes_disabled

from tests import factories
from tests.e2e.support import artifact, login


@pytest.fixture
def journey(transactional_db):
    with scopes_disabled():
        coop = factories.CooperativeFactory(slug="e2e", name="Coöperatie Proef", legal_name="Coöperatie Proef CV")
        consumer = factories.MembershipFactory(coop=coop, user__email="klant@proef.example")
        producer = factories.ProducerFactory(coop=coop, farm_name="Hoeve De Linde")
        carrots = factories.ProductFactory(coop=coop, producer=producer, name_nl="Wortelen", price="2.40")
        cheese = factories.ProductFactory(coop=coop, producer=producer, name_nl="Hoevekaas", price="5.00",
                                          category=carrots.category)
        factories.declare_allergens(cheese, contains=["milk"])
        cycle = factories.open_cycle(coop, name="Week proef")
        offers = [factories.offer_for(cycle, carrots, cap=20), factories.offer_for(cycle, cheese, cap=4)]
    return {"coop": coop, "user": consumer.user, "offers": offers}


def test_consumer_orders_and_sees_payment_details(chromium, journey):
    coop, (carrots, cheese) = journey["coop"], journey["offers"]
    with chromium(viewport={"width": 1280, "height": 900}) as page:
        login(page, journey["user"], f"/{coop.slug}/shop/")

        # Two products into the cart (htmx swaps the cart in place).
        page.locator(f"#offer-{carrots.pk} button[type=submit]").click()
        page.locator(f"#cart-line-{carrots.pk}").wait_for()
        page.fill(f"#qty-{cheese.pk}", "2")
        page.locator(f"#offer-{cheese.pk} button[type=submit]").click()
        page.locator(f"#cart-line-{cheese.pk}").wait_for()
        assert page.locator(f"#offer-note-{cheese.pk}").inner_text().strip() != ""
        page.screenshot(path=artifact("consumer-shop.png"), full_page=True)

        # Checkout at the (only) pickup point, paying by bank transfer.
        page.locator("#cart a.button").click()
        page.wait_for_url(re.compile(rf"/{coop.slug}/shop/checkout/(\?cycle=\d+)?$"))
        page.locator("input[name=pickup]").first.check()
        page.screenshot(path=artifact("consumer-checkout.png"), full_page=True)
        page.locator("form.checkout-form button[type=submit]").click()
        page.wait_for_url(re.compile(rf"/{coop.slug}/orders/\d+/$"))

        ogm = page.locator(".ogm").inner_text()
        assert re.fullmatch(r"\+\+\+\d{3}/\d{4}/\d{5}\+\+\+", ogm)
        qr = page.locator(".epc-qr svg")
        assert qr.is_visible() and qr.bounding_box()["width"] > 100
        body = page.locator("main").inner_text()
        assert "Wortelen" in body and "Hoevekaas" in body
        page.screenshot(path=artifact("consumer-journey.png"), full_page=True)
    assert os.path.getsize(artifact("consumer-journey.png")) > 10_000
