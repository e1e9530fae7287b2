"""Reminders for overdue business invoices: levels in order with the coop's delays, never a level twice,
nothing for paid or consumer invoices, e-mailed once, and the daily scan claimed once a day."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from django_scopes import scope

from invoicing.models import InvoiceReminder
from invoicing.services.drafts import invoice_draft_for_orders
from invoicing.services.emails import reminder_email_send
from invoicing.services.issuing import invoice_issue
from invoicing.services.matching import invoice_payment_record
from invoicing.services.reminders import reminders_create, reminders_daily, reminders_due
from invoicing.services.runs import billing_settings_update

from .conftest import delivered_order

TODAY = timezone.localdate()


@pytest.fixture
def overdue(shop, world_a):
    """A business invoice issued today (due in 30 days), so the scan is run on later days. (The world's own
    invoice is paid, so it stays out of the way.)"""
    with scope(coop=shop.coop):
        paid = world_a.extra["invoice"]
        invoice_payment_record(invoice_id=paid.pk, amount=paid.payable_amount, received_on=TODAY)
        order = delivered_order(shop, [("wortelen", 10, {"unit_net": "2.00"})], business=True)
        return invoice_issue(invoice_id=invoice_draft_for_orders(orders=[order]).pk, dispatch=False)


def _levels(shop, invoice):
    with scope(coop=shop.coop):
        return sorted(InvoiceReminder.objects.filter(invoice=invoice).values_list("level", flat=True))


def _scan(shop, day):
    with scope(coop=shop.coop):
        return reminders_create(coop=shop.coop, today=day, send=False)


def test_levels_follow_the_delays_in_order_and_never_twice(shop, overdue):
    due = overdue.due_date
    assert _scan(shop, due + timedelta(days=6)) == []
    assert [r.level for r in _scan(shop, due + timedelta(days=7))] == [1]
    assert _scan(shop, due + timedelta(days=7)) == []  # the same day again: nothing
    assert _scan(shop, due + timedelta(days=20)) == []
    assert [r.level for r in _scan(shop, due + timedelta(days=21))] == [2]
    assert [r.level for r in _scan(shop, due + timedelta(days=35))] == [3]
    assert _scan(shop, due + timedelta(days=90)) == []  # the formal notice is the last level
    assert _levels(shop, overdue) == [1, 2, 3]


def test_an_invoice_found_late_gets_its_levels_spaced_not_all_at_once(shop, overdue):
    late = overdue.due_date + timedelta(days=40)
    assert [r.level for r in _scan(shop, late)] == [1]
    assert _scan(shop, late + timedelta(days=1)) == []  # level 2 waits the 14 days between the levels
    assert [r.level for r in _scan(shop, late + timedelta(days=14))] == [2]


def test_the_coops_own_delays_and_switching_off(shop, overdue):
    with scope(coop=shop.coop):
        billing_settings_update(coop=shop.coop, consumer_invoices="on_request", reminder_1_days=3,
                                reminder_2_days=10, formal_notice_days=20)
    assert [r.level for r in _scan(shop, overdue.due_date + timedelta(days=3))] == [1]
    with scope(coop=shop.coop):
        billing_settings_update(coop=shop.coop, consumer_invoices="on_request", reminders_enabled=False)
    assert _scan(shop, overdue.due_date + timedelta(days=30)) == []


def test_paid_and_consumer_invoices_get_no_reminder(shop, overdue):
    with scope(coop=shop.coop):
        consumer = invoice_issue(invoice_id=invoice_draft_for_orders(
            orders=[delivered_order(shop, [("wijn", 1, {})])]).pk, dispatch=False)
        invoice_payment_record(invoice_id=overdue.pk, amount=overdue.payable_amount, received_on=TODAY)
        assert reminders_due(coop=shop.coop, today=consumer.due_date + timedelta(days=60)) == []


def test_a_partly_paid_invoice_is_reminded_of_what_is_open_by_email_once(shop, overdue):
    with scope(coop=shop.coop):
        invoice_payment_record(invoice_id=overdue.pk, amount="5.00", received_on=TODAY)
    [reminder] = _scan(shop, overdue.due_date + timedelta(days=8))
    assert reminder.open_amount == overdue.payable_amount - Decimal("5.00")
    with scope(coop=shop.coop):
        assert reminder_email_send(reminder_id=reminder.pk) == "sent"
        assert reminder_email_send(reminder_id=reminder.pk) == "already-sent"
    assert len(mail.outbox) == 1 and overdue.number in mail.outbox[0].subject
    assert "16,20" in mail.outbox[0].body and mail.outbox[0].attachments[0][0] == f"{overdue.number}.pdf"


def test_the_daily_scan_runs_once_a_day(shop, overdue, django_capture_on_commit_callbacks, monkeypatch):
    from invoicing import tasks_billing

    queued = []
    monkeypatch.setattr(tasks_billing.reminder_email, "apply_async", lambda args, kwargs: queued.append(args))
    day = overdue.due_date + timedelta(days=7)
    with scope(coop=shop.coop), django_capture_on_commit_callbacks(execute=True):
        assert len(reminders_daily(coop=shop.coop, today=day)) == 1
        assert reminders_daily(coop=shop.coop, today=day) is None
    assert len(queued) == 1
