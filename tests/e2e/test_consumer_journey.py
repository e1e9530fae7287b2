"""End-to-end: a consumer logs in, fills the cart, checks out at a pickup point and sees the OGM and the QR code.

Runs Debian's Chromium (`apt-get install chromium`) through Playwright against pytest-django's live server.
Skipped when /usr/bin/chromium is missing, so a bare CI machine still passes.
"""

import os
import re
from pathlib import Path

import pytest
from django_scopes import scopes_disabled

from tests import factories

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian Chromium (/usr/bin/chromium) is not installed"),
]


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


def test_consumer_orders_and_sees_payment_details(live_server, journey, monkeypatch):
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    coop, (carrots, cheese) = journey["coop"], journey["offers"]
    ARTIFACTS.mkdir(exist_ok=True)

    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"],
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="nl-BE")
            page.set_default_timeout(30_000)
            page.goto(f"{live_server.url}/accounts/login/?next=/{coop.slug}/shop/")
            page.fill("input[name=login]", journey["user"].email)
            page.fill("input[name=password]", "korteketen")
            page.press("input[name=password]", "Enter")
            page.wait_for_url(re.compile(rf"/{coop.slug}/shop/$"))

            # Two products into the cart (htmx swaps the cart in place).
            page.locator(f"#offer-{carrots.pk} button[type=submit]").click()
            page.locator(f"#cart-line-{carrots.pk}").wait_for()
            page.fill(f"#qty-{cheese.pk}", "2")
            page.locator(f"#offer-{cheese.pk} button[type=submit]").click()
            page.locator(f"#cart-line-{cheese.pk}").wait_for()
            assert page.locator(f"#offer-note-{cheese.pk}").inner_text().strip() != ""
            page.screenshot(path=str(ARTIFACTS / "consumer-shop.png"), full_page=True)

            # Checkout at the (only) pickup point, paying by bank transfer.
            page.locator("#cart a.button").click()
            page.wait_for_url(re.compile(rf"/{coop.slug}/shop/checkout/(\?cycle=\d+)?$"))
            page.locator("input[name=pickup]").first.check()
            page.screenshot(path=str(ARTIFACTS / "consumer-checkout.png"), full_page=True)
            page.locator("form.checkout-form button[type=submit]").click()
            page.wait_for_url(re.compile(rf"/{coop.slug}/orders/\d+/$"))

            ogm = page.locator(".ogm").inner_text()
            assert re.fullmatch(r"\+\+\+\d{3}/\d{4}/\d{5}\+\+\+", ogm)
            qr = page.locator(".epc-qr svg")
            assert qr.is_visible() and qr.bounding_box()["width"] > 100
            body = page.locator("main").inner_text()
            assert "Wortelen" in body and "Hoevekaas" in body
            page.screenshot(path=str(ARTIFACTS / "consumer-journey.png"), full_page=True)
        finally:
            browser.close()
    assert os.path.getsize(ARTIFACTS / "consumer-journey.png") > 10_000
