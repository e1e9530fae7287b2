"""E-mails about invoices, in the invoice's language, with its PDF: the invoice itself once it is issued, and
payment reminders.

Sent once: the InvoiceEmail / InvoiceReminder row is locked while sending and `sent_at` is written in the same
transaction, so a task that runs twice (a retry, a redelivered message) waits for the lock, sees `sent_at` and
sends nothing. (A crash between the mail server's answer and the commit can still send twice; never zero.)
"""

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from coop.payments import ogm_display
from invoicing.models import Invoice, InvoiceEmail, InvoiceReminder

from .documents import invoice_render_pdf

EMAILED_KINDS = (Invoice.Kind.INVOICE, Invoice.Kind.CREDIT_NOTE)


def invoice_email_address(invoice: Invoice) -> str:
    """The business account's invoicing address, else the e-mail of the member who ordered."""
    account = invoice.business_account
    if account is not None and account.invoice_email:
        return account.invoice_email
    if invoice.customer is not None:
        return invoice.customer.user.email
    return invoice.buyer.get("email", "")


def _message(invoice: Invoice, *, template: str, subject: str, to: str, extra: dict | None = None) -> EmailMessage:
    coop = invoice.coop
    path = reverse("invoice_detail", kwargs={"coop_slug": coop.slug, "invoice_id": invoice.pk})
    body = render_to_string(template, {
        "invoice": invoice, "coop": coop, "url": settings.SITE_URL.rstrip("/") + path,
        "ogm": ogm_display(invoice.payment_reference) if invoice.payment_reference else "", **(extra or {})})
    message = EmailMessage(subject, body, None, [to], reply_to=[coop.contact_email] if coop.contact_email else None)
    document = invoice_render_pdf(invoice_id=invoice.pk)
    with document.file.open("rb") as fh:
        message.attach(f"{invoice.number}.pdf", fh.read(), "application/pdf")
    return message


def _load(invoice_id: int) -> Invoice:
    return Invoice.objects.select_related("coop", "business_account", "customer__user", "credited_invoice").get(
        pk=invoice_id)


def invoice_email_send(*, invoice_id: int) -> str:
    """E-mail an issued invoice or credit note to the customer once. Returns what happened."""
    invoice = _load(invoice_id)
    if not invoice.is_issued or invoice.kind not in EMAILED_KINDS:
        return "not-applicable"
    InvoiceEmail.objects.bulk_create([InvoiceEmail(coop=invoice.coop, invoice=invoice)], ignore_conflicts=True)
    invoice_render_pdf(invoice_id=invoice.pk)  # before taking the lock: rendering takes a while
    with transaction.atomic():
        row = InvoiceEmail.objects.select_for_update().get(invoice=invoice)
        if row.sent_at is not None:
            return "already-sent"
        row.to = invoice_email_address(invoice)
        row.attempts += 1
        if not row.to:
            row.last_error = "no e-mail address"
            row.save(update_fields=["to", "attempts", "last_error"])
            return "no-address"
        with translation.override(invoice.language):
            what = _("Credit note") if invoice.is_credit_note else _("Invoice")
            subject = _("%(what)s %(number)s from %(coop)s") % {"what": what, "number": invoice.number,
                                                               "coop": invoice.coop.name}
            message = _message(invoice, template="invoicing/email/invoice.txt", subject=subject, to=row.to)
        message.send()
        row.sent_at, row.last_error = timezone.now(), ""
        row.save(update_fields=["to", "attempts", "sent_at", "last_error"])
    return "sent"


def reminder_email_send(*, reminder_id: int) -> str:
    """E-mail one payment reminder once (the level decides the tone; level 3 is the formal notice)."""
    reminder = InvoiceReminder.objects.get(pk=reminder_id)
    invoice = _load(reminder.invoice_id)
    invoice_render_pdf(invoice_id=invoice.pk)
    with transaction.atomic():
        reminder = InvoiceReminder.objects.select_for_update().get(pk=reminder_id)
        if reminder.sent_at is not None:
            return "already-sent"
        to = invoice_email_address(invoice)
        if not to:
            return "no-address"
        with translation.override(invoice.language):
            subject = {
                1: _("Reminder: invoice %(number)s is overdue"),
                2: _("Second reminder: invoice %(number)s is still unpaid"),
                3: _("Formal notice: invoice %(number)s"),
            }[reminder.level] % {"number": invoice.number}
            message = _message(invoice, template="invoicing/email/reminder.txt", subject=subject, to=to,
                               extra={"reminder": reminder})
        message.send()
        InvoiceReminder.objects.filter(pk=reminder.pk).update(sent_at=timezone.now(), to=to)
    return "sent"
