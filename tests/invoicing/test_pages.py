"""Pages: the fixer's list and actions, a kitchen's "my invoices", the detail page and the downloads."""

import pytest
from django_scopes import scope

from invoicing.models import Invoice
from invoicing.services.drafts import invoice_draft_for_orders

from .conftest import delivered_order


@pytest.fixture
def draft(shop):
    with scope(coop=shop.coop):
        return invoice_draft_for_orders(orders=[delivered_order(shop, [("wortelen", 4, {"unit_net": "1.85"})],
                                                                business=True)])


def test_the_fixer_lists_invoices_and_issues_a_draft(client, shop, world_a, draft, django_assert_max_num_queries):
    client.force_login(world_a.admin)
    base = f"/{shop.coop.slug}/invoices/"
    with django_assert_max_num_queries(15):
        page = client.get(base)
    assert page.status_code == 200 and world_a.extra["invoice"].number in page.content.decode()
    assert client.get(f"{base}?status=draft").content.decode().count(f'{base}{draft.pk}/"') == 1
    assert client.get(f"{base}{draft.pk}/pdf/")["Content-Type"] == "application/pdf"  # a preview
    response = client.post(f"{base}{draft.pk}/issue/")
    assert response.status_code == 302
    with scope(coop=shop.coop):
        issued = Invoice.objects.get(pk=draft.pk)
    assert issued.status == Invoice.Status.ISSUED and issued.number.startswith("B")
    detail = client.get(f"{base}{draft.pk}/").content.decode()
    assert issued.number in detail and "Peppol" in detail
    ubl = client.get(f"{base}{draft.pk}/ubl/")
    assert ubl.status_code == 200 and ubl["Content-Disposition"].endswith(f'{issued.number}.xml"')


def test_the_fixer_credits_an_invoice_from_its_page(client, shop, world_a):
    client.force_login(world_a.admin)
    invoice = world_a.extra["invoice"]
    response = client.post(f"/{shop.coop.slug}/invoices/{invoice.pk}/credit/")
    assert response.status_code == 302
    with scope(coop=shop.coop):
        credit = Invoice.objects.get(credited_invoice=invoice)
    assert response["Location"].endswith(f"/invoices/{credit.pk}/")
    assert credit.status == Invoice.Status.DRAFT and credit.total_gross == invoice.total_gross
    # crediting again has nothing left: the page says so with a 400
    again = client.post(f"/{shop.coop.slug}/invoices/{invoice.pk}/credit/")
    assert again.status_code == 400


def test_a_kitchen_sees_its_invoices_and_downloads_the_pdf(client, world_a):
    client.force_login(world_a.extra["invoice_buyer"].user)
    invoice = world_a.extra["invoice"]
    base = f"/{world_a.coop.slug}/invoices/"
    page = client.get(f"{base}mine/")
    assert page.status_code == 200 and invoice.number in page.content.decode()
    pdf = client.get(f"{base}{invoice.pk}/pdf/")
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    # not the fixer's pages or actions
    assert client.get(base).status_code == 404
    assert client.post(f"{base}{invoice.pk}/credit/").status_code == 404


def test_other_members_do_not_see_a_kitchens_invoice(client, world_a):
    client.force_login(world_a.member.user)
    invoice = world_a.extra["invoice"]
    base = f"/{world_a.coop.slug}/invoices/"
    assert invoice.number not in client.get(f"{base}mine/").content.decode()
    for suffix in ("", "pdf/", "ubl/"):
        assert client.get(f"{base}{invoice.pk}/{suffix}").status_code == 404


def test_nav_links(client, world_a):
    client.force_login(world_a.admin)
    html = client.get(f"/{world_a.coop.slug}/").content.decode()
    assert f"/{world_a.coop.slug}/invoices/" in html and f"/{world_a.coop.slug}/invoices/mine/" in html
