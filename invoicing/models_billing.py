"""Billing around issued invoices (issue 11 items 2, 3 and 5): which invoices are issued when, their e-mail,
the money that comes in for them, and the reminders for what stays open.

None of these rows changes an invoice: an issued invoice is frozen (migration 0002), so everything that
happens to it afterwards (sent, paid, reminded) is a row of its own that points to it.
"""

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from coop.models import Cooperative, Job

__all__ = ["BankTransaction", "BillingRun", "BillingSettings", "DepositReturnCredit", "InvoiceEmail", "InvoicePayment",
           "InvoiceReminder"]


class BillingSettings(models.Model):
    """One row per coop (created on first use with the defaults below)."""

    class ConsumerInvoices(models.TextChoices):
        ON_REQUEST = "on_request", _("on request of the consumer")
        AUTOMATIC = "automatic", _("automatically for every delivered order")

    coop = models.OneToOneField(Cooperative, on_delete=models.CASCADE, related_name="+")
    consumer_invoices = models.CharField(_("consumer invoices"), max_length=12, choices=ConsumerInvoices.choices,
                                         default=ConsumerInvoices.ON_REQUEST)
    # Switching to automatic must not invoice the whole history at once: only orders delivered from then on.
    automatic_since = models.DateField(_("automatic from"), null=True, blank=True)
    reminders_enabled = models.BooleanField(_("send payment reminders to businesses"), default=True)
    reminder_1_days = models.PositiveSmallIntegerField(_("first reminder (days after the due date)"), default=7,
                                                       validators=[MinValueValidator(1)])
    reminder_2_days = models.PositiveSmallIntegerField(_("second reminder (days after the due date)"), default=21,
                                                       validators=[MinValueValidator(1)])
    formal_notice_days = models.PositiveSmallIntegerField(_("formal notice (days after the due date)"), default=35,
                                                          validators=[MinValueValidator(1)])
    # The daily reminder scan claims its day with a conditional update on this date.
    reminders_checked_on = models.DateField(null=True, blank=True, editable=False)

    objects = ScopedManager(coop="coop")

    class Meta:
        verbose_name = _("billing settings")
        verbose_name_plural = _("billing settings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(reminder_1_days__lt=models.F("reminder_2_days"),
                                   reminder_2_days__lt=models.F("formal_notice_days"), reminder_1_days__gte=1),
                name="billing_reminder_levels_in_order"),
        ]

    def __str__(self):
        return f"billing settings of {self.coop_id}"

    def reminder_delays(self) -> dict[int, int]:
        """{level: days after the due date}; level 3 is the formal notice."""
        return {1: self.reminder_1_days, 2: self.reminder_2_days, 3: self.formal_notice_days}


class BillingRun(models.Model):
    """One issuing run over a month (business monthly invoices plus whatever per-delivery and automatic
    consumer invoices are still missing). The scheduled run exists once per coop and month (constraint), so
    the beat can try every minute and still launches it once."""

    class Trigger(models.TextChoices):
        SCHEDULED = "scheduled", _("scheduled")
        MANUAL = "manual", _("by hand")

    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    period = models.DateField(_("month"), help_text=_("The first day of the month invoiced."))
    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    job = models.ForeignKey(Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey("members.User", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(coop="coop")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["coop", "period"], condition=models.Q(trigger="scheduled"),
                                    name="billing_run_scheduled_once_per_month"),
        ]

    def __str__(self):
        return f"billing run {self.period:%Y-%m} ({self.trigger})"


class InvoiceEmail(models.Model):
    """The e-mail of an issued invoice or credit note to the customer: sent once (sent_at under a row lock)."""

    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    invoice = models.OneToOneField("invoicing.Invoice", on_delete=models.PROTECT, related_name="email")
    to = models.EmailField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(coop="coop")

    def __str__(self):
        return f"{self.invoice_id} → {self.to} ({'sent' if self.sent_at else 'not sent'})"


class BankTransaction(models.Model):
    """An incoming credit from a bank statement (or typed in), imported once, and what it was matched to."""

    class Source(models.TextChoices):
        CAMT = "camt053", _("CAMT.053 statement")
        CODA = "coda", _("CODA statement")
        MANUAL = "manual", _("entered by hand")

    class Status(models.TextChoices):
        UNMATCHED = "unmatched", _("not matched")
        MATCHED = "matched", _("matched to invoices")
        ORDER = "order", _("matched to an order")
        IGNORED = "ignored", _("not a customer payment")

    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    source = models.CharField(max_length=10, choices=Source.choices)
    bank_reference = models.CharField(max_length=100)
    booking_date = models.DateField(_("booked on"))
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    counterparty_name = models.CharField(_("payer"), max_length=200, blank=True)
    counterparty_iban = models.CharField(_("payer's IBAN"), max_length=34, blank=True, db_index=True)
    structured = models.CharField(max_length=35, blank=True)
    free_text = models.CharField(_("communication"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.UNMATCHED,
                              db_index=True)
    note = models.CharField(max_length=200, blank=True, help_text=_("Why it was not matched, or who matched it."))
    imported_by = models.ForeignKey("members.User", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    imported_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(coop="coop")

    class Meta:
        ordering = ["-booking_date", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["coop", "source", "bank_reference"], name="bank_transaction_once"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="bank_transaction_positive"),
        ]

    def __str__(self):
        return f"{self.booking_date} € {self.amount} {self.counterparty_name}"


class InvoicePayment(models.Model):
    """Money allocated to one invoice: part of a bank transaction, or recorded by hand. Never edited."""

    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    invoice = models.ForeignKey("invoicing.Invoice", on_delete=models.PROTECT, related_name="payments")
    transaction = models.ForeignKey(BankTransaction, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="allocations")
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    received_on = models.DateField(_("received on"))
    matched_by = models.CharField(max_length=10, choices=[("ogm", "OGM"), ("amount", _("amount and IBAN")),
                                                          ("hand", _("by hand"))])
    created_by = models.ForeignKey("members.User", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(coop="coop")

    class Meta:
        ordering = ["received_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="invoice_payment_positive"),
            models.UniqueConstraint(fields=["transaction", "invoice"], name="invoice_payment_once_per_transaction"),
        ]

    def __str__(self):
        return f"€ {self.amount} → {self.invoice_id}"


class InvoiceReminder(models.Model):
    """A payment reminder of one level for one invoice: one row per level ever (constraint), e-mailed once."""

    class Level(models.IntegerChoices):
        FIRST = 1, _("first reminder")
        SECOND = 2, _("second reminder")
        FORMAL_NOTICE = 3, _("formal notice")

    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    invoice = models.ForeignKey("invoicing.Invoice", on_delete=models.PROTECT, related_name="reminders")
    level = models.PositiveSmallIntegerField(choices=Level.choices)
    open_amount = models.DecimalField(_("amount open"), max_digits=12, decimal_places=2)
    days_overdue = models.PositiveSmallIntegerField()
    to = models.EmailField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(coop="coop")

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["invoice", "level"], name="invoice_reminder_level_once")]

    def __str__(self):
        return f"{self.invoice_id} level {self.level}"


class DepositReturnCredit(models.Model):
    """Returned packaging (a logistics ledger row) credited on an invoice; each return is credited once."""

    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    movement_id = models.PositiveBigIntegerField(help_text=_("logistics.DepositMovement id (direction back)."))
    invoice = models.ForeignKey("invoicing.Invoice", on_delete=models.CASCADE, related_name="+")

    objects = ScopedManager(coop="coop")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["movement_id"], name="deposit_return_credited_once")]

    def __str__(self):
        return f"return {self.movement_id} on {self.invoice_id}"
