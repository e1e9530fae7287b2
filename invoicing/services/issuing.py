"""Issuing: the draft gets its gapless number, dates and payment reference, and is frozen from then on.

Numbering (invoicing.md section 2): one counter row per coop, series and year (InvoiceSeries), created on
first use with INSERT ... ON CONFLICT DO NOTHING and then locked with SELECT ... FOR UPDATE inside the issuing
transaction. Whoever holds the lock takes the next number; a transaction that rolls back gives its number
back with it, so no number is skipped (a database sequence would leave a gap) and none is used twice.
Lock order is always invoice row, then counter row, so issuers never deadlock.
"""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from coop.payments import ogm_from_base
from coop.tenancy.tasks import enqueue_on_commit
from invoicing.models import Invoice, InvoiceSeries, Series
from invoicing.services.order_payments import orders_follow_invoices

# Invoice OGMs start with 2 (order OGMs start with 1, see orders.services.ordering): unique per installation.
OGM_INVOICE_BASE = 2_000_000_000


def _next_sequence(*, coop, series: str, year: int) -> int:
    InvoiceSeries.objects.bulk_create([InvoiceSeries(coop=coop, code=series, year=year)], ignore_conflicts=True)
    counter = InvoiceSeries.objects.select_for_update().get(coop=coop, code=series, year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number


def _check_issuable(invoice: Invoice, issue_date) -> None:
    if not invoice.lines.exists():
        raise ValidationError(_("An invoice without lines cannot be issued."))
    if issue_date > timezone.localdate():
        raise ValidationError(_("The issue date cannot be in the future."))
    if invoice.is_credit_note:
        credited = invoice.credited_invoice
        if not credited.is_issued:
            raise ValidationError(_("A credit note can only correct an issued invoice."))
        if issue_date < credited.issue_date:
            raise ValidationError(_("A credit note cannot be dated before the invoice it corrects."))


def _check_chronology(invoice: Invoice, issue_date) -> None:
    """Numbers follow the dates within a series: no issuing back-dated behind a later invoice."""
    latest = (Invoice.objects.filter(series=invoice.series, year=issue_date.year, status=Invoice.Status.ISSUED)
              .aggregate(latest=Max("issue_date"))["latest"])
    if latest is not None and issue_date < latest:
        raise ValidationError(_("The series already has an invoice dated %(date)s; issue on or after that date.")
                              % {"date": latest.isoformat()})


def invoice_issue(*, invoice_id: int, issue_date=None, dispatch: bool = True) -> Invoice:
    """Issue a draft: number, issue and due date, OGM. Idempotent (an issued invoice is returned as it is).

    `dispatch`: after commit, render the PDF, e-mail it to the customer and (for a business buyer on Peppol)
    send the UBL.
    """
    issue_date = issue_date or timezone.localdate()
    with transaction.atomic():
        invoice = (Invoice.objects.select_for_update(of=("self",)).select_related("credited_invoice")
                   .filter(pk=invoice_id).first())
        if invoice is None:
            raise ValidationError(_("This invoice does not exist."))
        if invoice.is_issued:
            return invoice
        _check_issuable(invoice, issue_date)
        sequence = _next_sequence(coop=invoice.coop, series=invoice.series, year=issue_date.year)
        # Checked after taking the counter lock: nobody else can issue in this series meanwhile.
        _check_chronology(invoice, issue_date)
        reference = invoice.payment_reference
        if not reference and invoice.kind == Invoice.Kind.INVOICE:
            reference = ogm_from_base(OGM_INVOICE_BASE + invoice.pk)
        changed = Invoice.objects.filter(pk=invoice.pk, status=Invoice.Status.DRAFT).update(
            status=Invoice.Status.ISSUED, year=issue_date.year, sequence=sequence,
            number=Series.number(invoice.series, issue_date.year, sequence), issue_date=issue_date,
            due_date=issue_date + timedelta(days=invoice.payment_terms_days), payment_reference=reference,
            issued_at=timezone.now())
        if changed != 1:  # cannot happen while we hold the row lock; never hand out a number twice
            raise RuntimeError(f"invoice {invoice.pk} changed while it was being issued")
        # The orders' payment status is the invoice's from now on (what was paid before counts as prepaid;
        # a credit note lowers what is open on the invoice it corrects).
        if invoice.kind in (Invoice.Kind.INVOICE, Invoice.Kind.CREDIT_NOTE):
            orders_follow_invoices([invoice.credited_invoice_id or invoice.pk])
        if dispatch:
            from invoicing import tasks

            enqueue_on_commit(tasks.invoice_render_pdf, invoice.coop_id, invoice.pk)
            if invoice.kind in (Invoice.Kind.INVOICE, Invoice.Kind.CREDIT_NOTE):  # to the customer, PDF attached
                enqueue_on_commit(tasks.invoice_email, invoice.coop_id, invoice.pk)
            if invoice.business_account_id and invoice.buyer.get("peppol_id"):
                enqueue_on_commit(tasks.invoice_send_peppol, invoice.coop_id, invoice.pk)
    return Invoice.objects.get(pk=invoice.pk)
