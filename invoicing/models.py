"""Invoices, credit notes and their numbering (DESIGN.md section 4, shared/domain/invoicing.md).

An issued invoice is an immutable snapshot: seller, buyer, lines, VAT breakdown and totals never change, and
neither the model nor the database (triggers in migration 0002) lets an issued row or its lines be updated or
deleted. Corrections are credit notes. Payment tracking and generated files live in rows of their own
(InvoiceDocument, PeppolDelivery) so the invoice row itself never needs an update after issuing.

Numbers are gapless per coop, series and year: InvoiceSeries holds one counter row per (coop, series, year),
locked with SELECT ... FOR UPDATE inside the issuing transaction (invoicing.services.issuing).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from coop.models import Cooperative
from members.models import BusinessAccount, Membership, Producer
from orders.models import Order, OrderLine


class IssuedInvoiceError(Exception):
    """Raised on any attempt to change or delete an issued invoice or its lines."""

    def __init__(self, message=None):
        super().__init__(message or _("An issued invoice cannot be changed or deleted; issue a credit note."))


class Series:
    """Numbering series codes. Self-billing gets one series per producer ("self_billing:<producer id>")."""

    CONSUMER = "consumer"
    BUSINESS = "business"
    CREDIT_NOTE = "credit_note"
    PURCHASE_SLIP = "purchase_slip"
    SELF_BILLING = "self_billing"

    PREFIXES = {CONSUMER: "F", BUSINESS: "B", CREDIT_NOTE: "C", PURCHASE_SLIP: "AB", SELF_BILLING: "SB"}

    @classmethod
    def self_billing(cls, producer_id: int) -> str:
        return f"{cls.SELF_BILLING}:{producer_id}"

    @classmethod
    def number(cls, code: str, year: int, sequence: int) -> str:
        """F2026-000042; self-billing SB17-2026-000003 (the producer's id keeps each series unique)."""
        base, _sep, producer = code.partition(":")
        return f"{cls.PREFIXES[base]}{producer and producer + '-'}{year}-{sequence:06d}"


class InvoiceSeries(models.Model):
    """The counter of one numbering series in one year. Never a database sequence: sequences leave gaps."""

    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    code = models.CharField(_("series"), max_length=40)
    year = models.PositiveSmallIntegerField(_("year"))
    last_number = models.PositiveIntegerField(_("last number issued"), default=0)

    objects = ScopedManager(coop="coop")

    class Meta:
        verbose_name = _("invoice series")
        verbose_name_plural = _("invoice series")
        constraints = [models.UniqueConstraint(fields=["coop", "code", "year"], name="invoice_series_once_per_year")]

    def __str__(self):
        return f"{self.code} {self.year}: {self.last_number}"


class _ImmutableQuerySet(models.QuerySet):
    """Bulk updates and deletes refuse issued rows too (the database trigger would refuse them anyway)."""

    issued_filter: dict = {}

    def _refuse_issued(self):
        if self.filter(**self.issued_filter).exists():
            raise IssuedInvoiceError()

    def update(self, **kwargs):
        self._refuse_issued()
        return super().update(**kwargs)

    def delete(self):
        self._refuse_issued()
        return super().delete()


class InvoiceQuerySet(_ImmutableQuerySet):
    issued_filter = {"status": "issued"}


class InvoicePartQuerySet(_ImmutableQuerySet):
    issued_filter = {"invoice__status": "issued"}


class Invoice(models.Model):
    class Kind(models.TextChoices):
        INVOICE = "invoice", _("invoice")
        CREDIT_NOTE = "credit_note", _("credit note")
        SELF_BILLING = "self_billing", _("self-billing invoice")
        PURCHASE_SLIP = "purchase_slip", _("purchase slip")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        ISSUED = "issued", _("issued")

    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.INVOICE)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.DRAFT)
    series = models.CharField(_("series"), max_length=40)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    sequence = models.PositiveIntegerField(null=True, blank=True)
    number = models.CharField(_("number"), max_length=40, blank=True)
    issue_date = models.DateField(_("issue date"), null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    supply_from = models.DateField(_("delivered from"), null=True, blank=True)
    supply_until = models.DateField(_("delivered until"), null=True, blank=True)
    # Who: links for selecting and permissions; the snapshots are what the document shows.
    customer = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    business_account = models.ForeignKey(BusinessAccount, null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="invoices")
    producer = models.ForeignKey(Producer, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 help_text=_("The supplier of a self-billing invoice or purchase slip."))
    seller = models.JSONField(_("seller"), default=dict)
    buyer = models.JSONField(_("buyer"), default=dict)
    language = models.CharField(_("language"), max_length=5, default="nl")
    currency = models.CharField(max_length=3, default="EUR")
    prices_include_vat = models.BooleanField(
        default=False, help_text=_("A consumer document: the customer was charged prices incl. VAT."))
    payment_terms_days = models.PositiveSmallIntegerField(_("payment terms (days)"), default=0)
    payment_reference = models.CharField(_("structured reference (OGM)"), max_length=12, blank=True)
    buyer_reference = models.CharField(_("buyer reference"), max_length=100, blank=True)
    order_reference = models.CharField(_("purchase order reference"), max_length=60, blank=True)
    credited_invoice = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="credit_notes")
    note = models.CharField(_("note"), max_length=300, blank=True)
    # Totals (EN 16931 BT-106 .. BT-115), all sums of rounded parts.
    total_net = models.DecimalField(_("total excl. VAT"), max_digits=12, decimal_places=2, default=0)
    total_vat = models.DecimalField(_("VAT"), max_digits=12, decimal_places=2, default=0)
    total_gross = models.DecimalField(_("total incl. VAT"), max_digits=12, decimal_places=2, default=0)
    prepaid_amount = models.DecimalField(_("already paid"), max_digits=12, decimal_places=2, default=0)
    rounding_amount = models.DecimalField(_("rounding"), max_digits=6, decimal_places=2, default=0)
    payable_amount = models.DecimalField(_("amount due"), max_digits=12, decimal_places=2, default=0)
    orders = models.ManyToManyField(Order, through="InvoiceOrder", related_name="invoices", blank=True)
    # PROTECT, not SET_NULL: nulling it would be an UPDATE of an issued row, which the database refuses.
    created_by = models.ForeignKey("members.User", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    issued_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(coop="coop", _manager_class=models.Manager.from_queryset(InvoiceQuerySet))

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-issue_date", "-sequence", "-pk"]
        indexes = [models.Index(fields=["coop", "payment_reference"], name="invoice_ogm_idx")]
        constraints = [
            models.UniqueConstraint(fields=["coop", "number"], condition=~models.Q(number=""),
                                    name="invoice_number_unique_per_coop"),
            models.UniqueConstraint(fields=["coop", "series", "year", "sequence"],
                                    condition=models.Q(sequence__isnull=False), name="invoice_sequence_unique"),
            models.CheckConstraint(
                condition=(models.Q(status="draft", number="", sequence__isnull=True)
                           | models.Q(status="issued", sequence__isnull=False, issue_date__isnull=False)
                           & ~models.Q(number="")),
                name="invoice_number_only_when_issued",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="credit_note", credited_invoice__isnull=False)
                | (~models.Q(kind="credit_note") & models.Q(credited_invoice__isnull=True)),
                name="invoice_credit_note_references_invoice",
            ),
            models.CheckConstraint(
                condition=models.Q(payable_amount=models.F("total_gross") - models.F("prepaid_amount")
                                   + models.F("rounding_amount")),
                name="invoice_payable_adds_up",
            ),
        ]

    def __str__(self):
        return self.number or f"{self.get_kind_display()} (draft #{self.pk})"

    def save(self, *args, **kwargs):
        # Issuing is a conditional UPDATE in invoicing.services.issuing, never a save().
        if getattr(self, "_loaded_status", None) == self.Status.ISSUED or (
                self._state.adding and self.status == self.Status.ISSUED):
            raise IssuedInvoiceError()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if getattr(self, "_loaded_status", self.status) == self.Status.ISSUED:
            raise IssuedInvoiceError()
        return super().delete(*args, **kwargs)

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded_status = instance.__dict__.get("status")
        return instance

    @property
    def is_issued(self) -> bool:
        return self.status == self.Status.ISSUED

    @property
    def is_credit_note(self) -> bool:
        return self.kind == self.Kind.CREDIT_NOTE

    @property
    def is_business(self) -> bool:
        return self.business_account_id is not None


class _InvoicePart(models.Model):
    """A row that belongs to an invoice: frozen with it once it is issued."""

    objects = ScopedManager(coop="coop", _manager_class=models.Manager.from_queryset(InvoicePartQuerySet))

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self._invoice_is_issued():
            raise IssuedInvoiceError()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._invoice_is_issued():
            raise IssuedInvoiceError()
        return super().delete(*args, **kwargs)

    def _invoice_is_issued(self) -> bool:
        return Invoice.objects.with_scopes_disabled().filter(pk=self.invoice_id, status="issued").exists()


class InvoiceOrder(_InvoicePart):
    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="order_links")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="invoice_links")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["invoice", "order"], name="invoice_order_once")]

    def __str__(self):
        return f"{self.invoice} ← {self.order}"


class InvoiceLine(_InvoicePart):
    """One document line. Amounts excl. VAT (EN 16931); a deposit is a line of its own outside the VAT base."""

    class Kind(models.TextChoices):
        GOODS = "goods", _("goods")
        DEPOSIT = "deposit", _("deposit")
        FEE = "fee", _("delivery fee")

    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.GOODS)
    order_line = models.ForeignKey(OrderLine, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    credited_line = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="credits")
    description = models.CharField(_("description"), max_length=250)
    item_code = models.CharField(max_length=60, blank=True)
    line_note = models.CharField(max_length=200, blank=True, help_text=_("e.g. the order and delivery date"))
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    unit = models.CharField(_("unit"), max_length=10, help_text=_("As shown: kg, piece ..."))
    unit_code = models.CharField(max_length=3, help_text=_("UN/ECE Rec. 20/21 code (KGM, H87, ...)"))
    unit_price = models.DecimalField(_("unit price excl. VAT"), max_digits=12, decimal_places=4)
    line_net = models.DecimalField(_("amount excl. VAT"), max_digits=12, decimal_places=2)
    vat_category = models.CharField(_("VAT category"), max_length=2, default="S")
    vat_percent = models.DecimalField(_("VAT rate"), max_digits=5, decimal_places=2)
    exemption_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "position"], name="invoice_line_position_unique"),
            models.CheckConstraint(condition=models.Q(unit_price__gte=0), name="invoice_line_price_not_negative"),
            models.CheckConstraint(condition=models.Q(vat_category__in=["S", "Z", "E", "AE", "K", "G", "O"]),
                                   name="invoice_line_vat_category_known"),
        ]

    def __str__(self):
        return f"{self.quantity} {self.unit} {self.description}"


class InvoiceVatBreakdown(_InvoicePart):
    """BG-23: one row per VAT category and rate, VAT computed once on the sum of the rounded line nets."""

    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="vat_breakdown")
    category = models.CharField(max_length=2)
    percent = models.DecimalField(max_digits=5, decimal_places=2)
    taxable_amount = models.DecimalField(max_digits=12, decimal_places=2)
    vat_amount = models.DecimalField(max_digits=12, decimal_places=2)
    exemption_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["percent", "category"]
        constraints = [models.UniqueConstraint(fields=["invoice", "category", "percent"],
                                               name="invoice_vat_breakdown_once_per_rate")]

    def __str__(self):
        return f"{self.category} {self.percent} %: {self.taxable_amount} + {self.vat_amount}"


def _document_path(instance, filename):
    return f"invoices/{instance.coop_id}/{instance.invoice_id}/{filename}"


class InvoiceDocument(models.Model):
    """A file generated from an issued invoice (the PDF). Rendered once; the invoice row stays untouched."""

    class Kind(models.TextChoices):
        PDF = "pdf", "PDF"

    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.PDF)
    file = models.FileField(upload_to=_document_path)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(coop="coop")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["invoice", "kind"], name="invoice_document_once")]

    def __str__(self):
        return f"{self.invoice} ({self.kind})"


class PeppolDelivery(models.Model):
    """One Peppol transmission per invoice (unique): the UBL sent, where it stands, and the last error."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting to be sent")
        SENDING = "sending", _("being sent")
        OUTBOX = "outbox", _("ready for manual upload")
        SENT = "sent", _("accepted by the access point")
        DELIVERED = "delivered", _("delivered to the buyer")
        FAILED = "failed", _("failed")

    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    invoice = models.OneToOneField(Invoice, on_delete=models.PROTECT, related_name="peppol_delivery")
    transport = models.CharField(max_length=20)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    receiver = models.CharField(_("receiver"), max_length=60)
    xml = models.TextField()
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    external_id = models.CharField(max_length=120, blank=True, help_text=_("The access point's message id."))
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(coop="coop")

    class Meta:
        verbose_name = _("Peppol delivery")
        verbose_name_plural = _("Peppol deliveries")

    def __str__(self):
        return f"{self.invoice} → {self.receiver} ({self.status})"


from invoicing.settlements.models import *  # noqa: E402, F403  (producer settlements)

from .models_billing import *  # noqa: E402, F403  (billing: runs, e-mail, payments, reminders)
from .models_costs import *  # noqa: E402, F403  (monthly costs for cost sharing and break-even)
