"""Payment reminders for overdue business invoices (issue 11 item 5).

Three levels with delays per coop (BillingSettings: e.g. 7, 21 and 35 days after the due date; level 3 is the
formal notice). Levels go in order, one at a time: the next level is due when the invoice is that many days
overdue *and* at least the gap between the two levels has passed since the previous reminder, so an invoice
that is found late (reminders just switched on) does not get three letters in three days. One row per
invoice and level (database constraint): a level is never sent twice, whoever runs the scan.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from coop.tenancy.tasks import enqueue_on_commit
from invoicing.models import BillingSettings, Invoice, InvoiceReminder
from invoicing.selectors_billing import with_payment_state

from .runs import billing_settings


@dataclass(frozen=True)
class DueReminder:
    invoice: Invoice
    level: int
    days_overdue: int
    open_amount: Decimal


def reminders_due(*, coop, today: date | None = None) -> list[DueReminder]:
    today = today or timezone.localdate()
    settings = billing_settings(coop)
    delays = settings.reminder_delays()
    overdue = (with_payment_state(Invoice.objects.filter(status=Invoice.Status.ISSUED, kind=Invoice.Kind.INVOICE,
                                                         business_account__isnull=False, due_date__lt=today))
               .filter(open_amount__gt=0).prefetch_related("reminders").order_by("due_date", "pk"))
    due = []
    for invoice in overdue:
        sent = {r.level: r for r in invoice.reminders.all()}
        level = max(sent, default=0) + 1
        if level > max(delays):
            continue
        days = (today - invoice.due_date).days
        if days < delays[level]:
            continue
        previous = sent.get(level - 1)
        if previous is not None:
            gap = delays[level] - delays[level - 1]
            # the day of the previous reminder, as its scan saw it (due date + days overdue then)
            if days - previous.days_overdue < gap:
                continue
        due.append(DueReminder(invoice=invoice, level=level, days_overdue=days, open_amount=invoice.open_amount))
    return due


def reminders_create(*, coop, today: date | None = None, send: bool = True) -> list[InvoiceReminder]:
    """Create the reminders due today and e-mail them after commit. Safe to run any number of times."""
    from invoicing import tasks_billing

    settings = billing_settings(coop)
    if not settings.reminders_enabled:
        return []
    created = []
    for item in reminders_due(coop=coop, today=today):
        try:
            with transaction.atomic():
                reminder = InvoiceReminder.objects.create(coop=coop, invoice=item.invoice, level=item.level,
                                                          open_amount=item.open_amount,
                                                          days_overdue=min(item.days_overdue, 32767))
                if send:
                    enqueue_on_commit(tasks_billing.reminder_email, coop.pk, reminder.pk)
        except IntegrityError:
            continue  # another scan made this level a moment ago
        created.append(reminder)
    return created


def reminders_daily(*, coop, today: date | None = None) -> list[InvoiceReminder] | None:
    """The daily scan, claimed once per coop and day (a conditional update), so the minute tick runs it once."""
    today = today or timezone.localdate()
    settings = billing_settings(coop)
    claimed = BillingSettings.objects.filter(pk=settings.pk).filter(
        Q(reminders_checked_on__isnull=True) | Q(reminders_checked_on__lt=today)).update(reminders_checked_on=today)
    if not claimed:
        return None
    return reminders_create(coop=coop, today=today)
