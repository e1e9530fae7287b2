"""An issued invoice cannot be changed or deleted: not through the ORM, the admin, the API, or raw SQL."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django_scopes import scope, scopes_disabled

from invoicing.models import Invoice, InvoiceLine, InvoiceOrder, InvoiceVatBreakdown, IssuedInvoiceError
from invoicing.services.drafts import invoice_draft_delete, invoice_draft_for_orders
from tests import factories

from .conftest import delivered_order


@pytest.fixture
def issued(world_a):
    return world_a.extra["invoice"]


def _unchanged(invoice):
    with scopes_disabled():
        fresh = Invoice.objects.get(pk=invoice.pk)
        assert (fresh.status, fresh.number, fresh.total_gross) == (invoice.status, invoice.number, invoice.total_gross)
        assert fresh.lines.count() == invoice.lines.count() > 0
    return fresh


def test_the_orm_refuses_to_save_or_delete_an_issued_invoice(issued):
    with scope(coop=issued.coop):
        invoice = Invoice.objects.get(pk=issued.pk)
        invoice.note = "changed"
        with pytest.raises(IssuedInvoiceError):
            invoice.save()
        with pytest.raises(IssuedInvoiceError):
            invoice.delete()
        with pytest.raises(IssuedInvoiceError):
            Invoice.objects.filter(pk=issued.pk).update(total_gross=Decimal("0.01"))
        with pytest.raises(IssuedInvoiceError):
            Invoice.objects.filter(pk=issued.pk).delete()
        line = invoice.lines.first()
        line.line_net = Decimal("0.01")
        with pytest.raises(IssuedInvoiceError):
            line.save()
        with pytest.raises(IssuedInvoiceError):
            line.delete()
        with pytest.raises(IssuedInvoiceError):
            InvoiceLine.objects.filter(invoice=invoice).update(line_net=0)
        with pytest.raises(IssuedInvoiceError):
            InvoiceVatBreakdown.objects.filter(invoice=invoice).delete()
        with pytest.raises(IssuedInvoiceError):
            InvoiceOrder.objects.filter(invoice=invoice).delete()
    _unchanged(issued)


def test_an_invoice_cannot_be_created_as_issued(world_a):
    with scope(coop=world_a.coop), pytest.raises(IssuedInvoiceError):
        Invoice.objects.create(coop=world_a.coop, series="consumer", status=Invoice.Status.ISSUED, number="F1",
                               sequence=1)


@pytest.mark.parametrize("sql", [
    "UPDATE invoicing_invoice SET total_gross = 0 WHERE id = %s",
    "UPDATE invoicing_invoice SET status = 'draft', number = '', sequence = NULL WHERE id = %s",
    "DELETE FROM invoicing_invoice WHERE id = %s",
    "UPDATE invoicing_invoiceline SET line_net = 0 WHERE invoice_id = %s",
    "DELETE FROM invoicing_invoiceline WHERE invoice_id = %s",
    "DELETE FROM invoicing_invoicevatbreakdown WHERE invoice_id = %s",
    "UPDATE invoicing_invoicevatbreakdown SET vat_amount = 0 WHERE invoice_id = %s",
    "DELETE FROM invoicing_invoiceorder WHERE invoice_id = %s",
    """INSERT INTO invoicing_invoiceline (coop_id, invoice_id, position, kind, description, item_code, line_note,
       quantity, unit, unit_code, unit_price, line_net, vat_category, vat_percent, exemption_reason)
       SELECT coop_id, id, 99, 'goods', 'extra', '', '', 1, 'kg', 'KGM', 1, 1, 'S', 6, '' FROM invoicing_invoice
       WHERE id = %s""",
])
def test_the_database_refuses_raw_sql_on_an_issued_invoice(issued, sql):
    with pytest.raises(IntegrityError, match="is issued"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [issued.pk])
    _unchanged(issued)


def test_the_database_refuses_inserting_an_issued_row(world_a):
    with pytest.raises(IntegrityError, match="draft"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO invoicing_invoice (coop_id, kind, status, series, number, year, sequence, issue_date,
               seller, buyer, language, currency, prices_include_vat, payment_terms_days, payment_reference,
               buyer_reference, order_reference, note, total_net, total_vat, total_gross, prepaid_amount,
               rounding_amount, payable_amount, created_at)
               VALUES (%s, 'invoice', 'issued', 'consumer', 'X1', 2026, 999, '2026-01-05', '{}', '{}', 'nl', 'EUR',
               true, 0, '', '', '', '', 0, 0, 0, 0, 0, 0, now())""", [world_a.coop.pk])


def test_drafts_can_change_and_be_deleted(shop):
    order = delivered_order(shop, [("wortelen", 2, {})])
    with scope(coop=shop.coop):
        draft = invoice_draft_for_orders(orders=[order])
        draft.note = "Met dank"
        draft.save()
        InvoiceLine.objects.filter(invoice=draft).update(description="Wortelen (bio)")
        invoice_draft_delete(invoice_id=draft.pk)
        assert not Invoice.objects.filter(pk=draft.pk).exists()


def _superuser_client(client):
    client.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    return client


def test_the_admin_delete_action_leaves_issued_invoices(client, issued):
    _superuser_client(client)
    url = "/admin/invoicing/invoice/"
    response = client.post(url, {"action": "delete_selected", "_selected_action": [issued.pk], "post": "yes"})
    # refused: no permission to delete issued rows (403/redirect), or the admin's confirmation page saying so
    # (200, e.g. when other rows protect the invoice: reminders, payments); never a deletion
    assert response.status_code in (200, 302, 403)
    if response.status_code == 200:
        refused = response.context.get("perms_lacking") or response.context.get("protected")
        assert refused, "the admin offered to delete an issued invoice"
    _unchanged(issued)
    # the change page is read-only and its delete page is refused
    assert client.get(f"{url}{issued.pk}/delete/").status_code == 403
    page = client.get(f"{url}{issued.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    client.post(f"{url}{issued.pk}/change/", {"note": "changed"})
    assert _unchanged(issued).note == ""


def test_the_api_is_read_only(client, world_a, issued):
    client.force_login(world_a.admin)
    url = f"/api/v1/{world_a.coop.slug}/invoices/{issued.pk}/"
    assert client.get(url).status_code == 200
    for method in ("put", "patch", "delete"):
        response = getattr(client, method)(url, {"note": "x"}, content_type="application/json")
        assert response.status_code == 405, method
    assert client.post(f"/api/v1/{world_a.coop.slug}/invoices/", {}).status_code == 405
    _unchanged(issued)


def test_pages_cannot_delete_or_reissue_an_issued_invoice(client, world_a, issued):
    client.force_login(world_a.admin)
    base = f"/{world_a.coop.slug}/invoices/{issued.pk}"
    assert client.post(f"{base}/delete/").status_code == 400
    assert client.post(f"{base}/issue/").status_code == 302  # issuing again is a no-op
    _unchanged(issued)


def test_the_admin_delete_action_removes_drafts(client, shop):
    with scope(coop=shop.coop):
        draft = invoice_draft_for_orders(orders=[delivered_order(shop, [("wortelen", 1, {})])])
    _superuser_client(client)
    response = client.post("/admin/invoicing/invoice/", {"action": "delete_selected", "_selected_action": [draft.pk],
                                                         "post": "yes"})
    assert response.status_code == 302
    with scopes_disabled():
        assert not Invoice.objects.filter(pk=draft.pk).exists()
        assert not InvoiceLine.objects.filter(invoice_id=draft.pk).exists()
