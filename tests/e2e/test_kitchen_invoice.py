"""End-to-end: a kitchen's purchaser logs in, finds last month's invoice among the account's invoices (a
colleague's orders included, another kitchen's not) and downloads the PDF.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from invoicing.services.calendar import previous_month
from invoicing.services.runs import billing_run
from tests import factories
from tests.e2e.support import artifact, login
from tests.invoicing.conftest import delivered_order, make_shop

LAST_MONTH = previous_month(timezone.localdate())


@pytest.fixture
def invoiced(transactional_db):
    with scopes_disabled():
        coop = factories.CooperativeFactory(slug="keukenfactuur", name="Coöperatie Keukenfactuur")
    shop = make_shop(coop)
    with scopes_disabled():
        purchaser = factories.MembershipFactory(coop=coop, roles=["business"], business_account=shop.account,
                                                user__email="aankoop@delinde.example", user__first_name="Els")
        other_account = factories.BusinessAccountFactory(coop=coop, name="Restaurant De Overkant")
        other_chef = factories.MembershipFactory(coop=coop, roles=["business"], business_account=other_account)
    # Two deliveries last month by a colleague (shop.buyer) and one by the purchaser; another kitchen's too.
    for day, customer in ((3, shop.buyer), (10, purchaser), (17, shop.buyer)):
        delivered_order(shop, [("wortelen", 10, {"unit_net": "1.85"}), ("melk", 6, {"unit_net": "1.10"})],
                        business=True, customer=customer, po="BB-2026-0042",
                        delivered_on=LAST_MONTH + timedelta(days=day))
    other = delivered_order(shop, [("tas", 3, {})], business=True, customer=other_chef,
                            delivered_on=LAST_MONTH + timedelta(days=5))
    with scopes_disabled():
        type(other).objects.filter(pk=other.pk).update(business_account=other_account)
    with scope(coop=coop):
        billing_run(coop=coop, period=LAST_MONTH, dispatch=False)
        from invoicing.models import Invoice

        mine = Invoice.objects.get(business_account=shop.account)
        theirs = Invoice.objects.get(business_account=other_account)
    return {"coop": coop, "invoice": mine, "other": theirs}


def test_a_kitchens_purchaser_downloads_last_months_invoice(chromium, invoiced):
    coop, invoice = invoiced["coop"], invoiced["invoice"]
    with chromium(viewport={"width": 1100, "height": 900}, accept_downloads=True) as page:
        login(page, "aankoop@delinde.example", f"/{coop.slug}/invoices/mine/")

        table = page.locator("table.invoice-table").inner_text()
        assert invoice.number in table and invoiced["other"].number not in table
        page.screenshot(path=artifact("kitchen-invoices.png"), full_page=True)

        page.get_by_role("link", name=invoice.number).click()
        page.wait_for_url(re.compile(rf"/{coop.slug}/invoices/{invoice.pk}/$"))
        facts = page.locator("dl.facts").inner_text()
        assert "BB-2026-0042" in facts and invoice.due_date.strftime("%d/%m/%Y") in facts
        page.screenshot(path=artifact("kitchen-invoice-detail.png"), full_page=True)

        with page.expect_download() as download_info:
            page.locator(f"a[href$='/invoices/{invoice.pk}/pdf/']").first.click()
        download = download_info.value
        assert download.suggested_filename == f"{invoice.number}.pdf"
        saved = artifact("kitchen-invoice.pdf")
        download.save_as(saved)
        assert saved.read_bytes().startswith(b"%PDF")
