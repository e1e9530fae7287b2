"""Issued invoices are e-mailed once, PDF attached, to the invoicing address, in the customer's language."""

from decimal import Decimal

import pytest
from django.core import mail
from django_scopes import scope, scopes_disabled

from invoicing import tasks
from invoicing.models import InvoiceEmail
from invoicing.services.drafts import invoice_draft_for_orders
from invoicing.services.emails import invoice_email_send
from invoicing.services.issuing import invoice_issue
from members.models import BusinessAccount

from .conftest import delivered_order


@pytest.fixture
def issued(shop):
    with scope(coop=shop.coop):
        order = delivered_order(shop, [("wortelen", 3, {"unit_net": "1.85"})], business=True)
        return invoice_issue(invoice_id=invoice_draft_for_orders(orders=[order]).pk, dispatch=False)


def test_issuing_queues_the_email_after_commit(shop, django_capture_on_commit_callbacks, monkeypatch):
    queued = []
    monkeypatch.setattr(tasks.invoice_email, "apply_async", lambda args, kwargs: queued.append(args))
    monkeypatch.setattr(tasks.invoice_render_pdf, "apply_async", lambda args, kwargs: None)
    with scope(coop=shop.coop):
        draft = invoice_draft_for_orders(orders=[delivered_order(shop, [("tas", 1, {})], business=True)])
        with django_capture_on_commit_callbacks(execute=True):
            invoice_issue(invoice_id=draft.pk)
    assert queued == [(shop.coop.pk, draft.pk)]


def test_the_invoice_is_mailed_once_to_the_accounts_invoicing_address_in_its_language(shop, issued):
    with scopes_disabled():
        BusinessAccount.objects.filter(pk=shop.account.pk).update(invoice_email="boekhouding@delinde.example")
    with scope(coop=shop.coop):
        assert tasks.invoice_email(shop.coop.pk, issued.pk) == "sent"
        assert tasks.invoice_email(shop.coop.pk, issued.pk) == "already-sent"  # a retried task sends nothing
        row = InvoiceEmail.objects.get(invoice=issued)
    assert len(mail.outbox) == 1 and row.sent_at is not None and row.attempts == 1
    message = mail.outbox[0]
    assert message.to == ["boekhouding@delinde.example"]
    assert issued.number in message.subject and "Factuur" in message.subject  # Dutch, the account's language
    assert "€ 5,88" in message.body and issued.payment_reference[:3] in message.body
    [(name, content, mimetype)] = message.attachments
    assert name == f"{issued.number}.pdf" and mimetype == "application/pdf" and content.startswith(b"%PDF")


def test_without_an_invoicing_address_the_member_who_ordered_gets_it(shop, issued):
    with scope(coop=shop.coop):
        assert invoice_email_send(invoice_id=issued.pk) == "sent"
    assert mail.outbox[0].to == [shop.buyer.user.email]


def test_a_consumer_gets_it_in_french_when_the_order_was_in_french(shop):
    from orders.models import Order

    order = delivered_order(shop, [("wijn", 1, {"unit_net": "8.50"})])
    with scopes_disabled():
        Order.objects.filter(pk=order.pk).update(language="fr")
    with scope(coop=shop.coop):
        invoice = invoice_issue(invoice_id=invoice_draft_for_orders(orders=[order]).pk, dispatch=False)
        assert invoice_email_send(invoice_id=invoice.pk) == "sent"
    assert mail.outbox[0].to == [shop.consumer.user.email] and "Facture" in mail.outbox[0].subject
    assert invoice.payable_amount == Decimal("10.29")
