"""GET /api/v1/<coop>/invoices/: managers see all, a business user their account's, a consumer their own."""

from decimal import Decimal

import pytest
from django_scopes import scope

from invoicing.models import Invoice
from invoicing.services.drafts import invoice_draft_for_orders
from invoicing.services.issuing import invoice_issue

from .conftest import delivered_order


@pytest.fixture
def invoices(shop):
    """An issued business invoice (with Peppol id), an issued consumer invoice and a business draft."""
    with scope(coop=shop.coop):
        business = invoice_issue(invoice_id=invoice_draft_for_orders(orders=[delivered_order(
            shop, [("wortelen", 3, {"unit_net": "1.85"})], business=True, po="PO-9")]).pk, dispatch=False)
        consumer = invoice_issue(invoice_id=invoice_draft_for_orders(orders=[delivered_order(
            shop, [("wijn", 1, {"unit_net": "8.50"})])]).pk, dispatch=False)
        draft = invoice_draft_for_orders(orders=[delivered_order(shop, [("tas", 1, {})], business=True)])
    return {"business": business, "consumer": consumer, "draft": draft}


def _ids(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return {row["id"] for row in response.json()["results"]}


def test_each_member_sees_only_their_invoices(client, shop, world_a, invoices):
    url = f"/api/v1/{shop.coop.slug}/invoices/"
    world_invoice = world_a.extra["invoice"]  # for the world's own business account
    client.force_login(world_a.admin)  # a manager sees every invoice of the coop (other apps' worlds add some)
    with scope(coop=shop.coop):
        every = set(Invoice.objects.values_list("pk", flat=True))
    assert {world_invoice.pk, *(i.pk for i in invoices.values())} <= every
    assert _ids(client, url) == every
    client.force_login(shop.buyer.user)  # buys for the shop's account: issued invoices of that account only
    assert _ids(client, url) == {invoices["business"].pk}
    client.force_login(shop.consumer.user)
    assert _ids(client, url) == {invoices["consumer"].pk}
    client.force_login(world_a.member.user)
    assert _ids(client, url) == set()
    # and not by id either
    assert client.get(f"{url}{invoices['business'].pk}/").status_code == 404
    assert client.get(f"{url}{invoices['business'].pk}/pdf/").status_code == 404


def test_detail_has_lines_vat_and_links_to_pdf_and_ubl(client, shop, invoices):
    client.force_login(shop.buyer.user)
    invoice = invoices["business"]
    data = client.get(f"/api/v1/{shop.coop.slug}/invoices/{invoice.pk}/").json()
    assert (data["number"], data["order_reference"], data["payable_amount"]) == (invoice.number, "PO-9", "5.88")
    assert data["lines"][0]["line_net"] == "5.55" and data["vat_breakdown"][0]["vat_amount"] == "0.33"
    pdf = client.get(data["pdf_url"])
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    ubl = client.get(data["ubl_url"])
    assert ubl.status_code == 200 and invoice.number.encode() in ubl.content


def test_a_consumer_invoice_has_no_ubl(client, shop, invoices):
    client.force_login(shop.consumer.user)
    data = client.get(f"/api/v1/{shop.coop.slug}/invoices/{invoices['consumer'].pk}/").json()
    assert data["ubl_url"] is None and Decimal(data["total_gross"]) > 0
    assert client.get(f"/api/v1/{shop.coop.slug}/invoices/{invoices['consumer'].pk}/ubl/").status_code == 404


def test_the_list_takes_a_fixed_number_of_queries(client, shop, world_a, invoices, django_assert_max_num_queries):
    client.force_login(world_a.admin)
    with scope(coop=shop.coop):
        before = Invoice.objects.count()
        for _ in range(5):
            invoice_draft_for_orders(orders=[delivered_order(shop, [("wortelen", 1, {}), ("melk", 2, {})])])
    with django_assert_max_num_queries(12):
        response = client.get(f"/api/v1/{shop.coop.slug}/invoices/")
    assert response.json()["count"] == before + 5


def test_invoices_are_in_the_openapi_schema(client, world_a):
    client.force_login(world_a.admin)
    schema = client.get("/api/schema/").content.decode()
    assert "/api/v1/{coop_slug}/invoices/{invoice_id}/pdf/" in schema
