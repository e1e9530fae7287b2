"""Producer settlements (issue 11 item 6): what the coop owes a producer for one period, and the document that
says so (a self-billing invoice, a purchase slip for a flat-rate farmer, or a statement).

A Settlement row is written once, at issuing, with its lines, and never changes: the model refuses and the
database refuses (triggers in the migration). Corrections are new settlements (`corrects`) with their own
documents. What does change lives in rows of its own: the PDF and its e-mail (SettlementDocument), contests of
a line (SettlementContest) and payment batches (SettlementPaymentBatch).

Imported by invoicing.models so Django sees these models in the invoicing app.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from catalog.models import Product
from coop.models import Cooperative
from members.models import Producer

from ..models import Invoice

__all__ = [
    "ProducerSettlementTerms",
    "SettledDocumentError",
    "Settlement",
    "SettlementContest",
    "SettlementDocument",
    "SettlementLine",
    "SettlementPayment",
    "SettlementPaymentBatch",
    "SettlementPeriod",
    "SettlementPolicy",
]


class SettledDocumentError(Exception):
    """Raised on any attempt to change or delete an issued settlement or its lines."""

    def __init__(self, message=None):
        super().__init__(message or _("An issued settlement cannot be changed; resolve a contest with a correction."))


class SettlementPeriod(models.TextChoices):
    CYCLE = "cycle", _("per order cycle")
    MONTH = "month", _("per calendar month")


class SettlementPolicy(models.Model):
    """The coop's settlement rules. Without a row, the defaults below apply (see settlements.policy)."""

    coop = models.OneToOneField(Cooperative, on_delete=models.CASCADE, related_name="+")
    period = models.CharField(_("settlement period"), max_length=5, choices=SettlementPeriod.choices,
                              default=SettlementPeriod.MONTH)
    fee_percent = models.DecimalField(_("fee (% of the producer price)"), max_digits=5, decimal_places=2, default=0)
    fee_per_unit = models.DecimalField(_("fee per delivered unit (EUR)"), max_digits=8, decimal_places=4,
                                       default=0)
    contest_days = models.PositiveSmallIntegerField(
        _("days to contest a line"), default=7,
        help_text=_("Also the acceptance procedure of self-billing: no objection within these days is acceptance."))
    payment_days = models.PositiveSmallIntegerField(_("pay producers after (days)"), default=10)

    objects = ScopedManager(coop="coop")

    class Meta:
        verbose_name = _("settlement policy")
        verbose_name_plural = _("settlement policies")
        constraints = [
            models.CheckConstraint(condition=models.Q(fee_percent__gte=0, fee_percent__lt=100, fee_per_unit__gte=0),
                                   name="settlement_policy_fees_sane"),
        ]

    def __str__(self):
        return f"{self.coop}: {self.period}"


class ProducerSettlementTerms(models.Model):
    """What was agreed with one producer: the self-billing agreement (KB no. 1 art. 6: prior agreement) and
    fees that differ from the coop's."""

    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    producer = models.OneToOneField(Producer, on_delete=models.CASCADE, related_name="settlement_terms")
    self_billing_agreed_on = models.DateField(
        _("self-billing agreed on"), null=True, blank=True,
        help_text=_("Date of the written agreement that the coop issues the producer's invoices. Empty: no "
                    "agreement, the producer invoices the coop."))
    fee_percent = models.DecimalField(_("fee (%)"), max_digits=5, decimal_places=2, null=True, blank=True,
                                      help_text=_("Empty: the coop's fee."))
    fee_per_unit = models.DecimalField(_("fee per unit (EUR)"), max_digits=8, decimal_places=4, null=True,
                                       blank=True, help_text=_("Empty: the coop's fee."))
    bic = models.CharField(_("BIC"), max_length=11, blank=True)

    objects = ScopedManager(coop="coop")

    class Meta:
        verbose_name = _("producer settlement terms")
        verbose_name_plural = _("producer settlement terms")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(fee_percent__isnull=True) | models.Q(fee_percent__gte=0, fee_percent__lt=100))
                & (models.Q(fee_per_unit__isnull=True) | models.Q(fee_per_unit__gte=0)),
                name="producer_terms_fees_sane"),
        ]

    def __str__(self):
        return str(self.producer)


class Settlement(models.Model):
    class Kind(models.TextChoices):
        ORIGINAL = "original", _("settlement")
        CORRECTION = "correction", _("correction")

    class Document(models.TextChoices):
        SELF_BILLING = "self_billing", _("self-billing invoice")
        PURCHASE_SLIP = "purchase_slip", _("purchase slip")
        STATEMENT = "statement", _("statement")

    class Reason(models.TextChoices):
        NONE = "", _("—")
        NO_AGREEMENT = "no_agreement", _("no self-billing agreement: the producer invoices the coop")
        SMALL_BUSINESS = "small_business", _("exempt small business")

    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    producer = models.ForeignKey(Producer, on_delete=models.PROTECT, related_name="settlements")
    number = models.CharField(_("number"), max_length=30)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.ORIGINAL)
    corrects = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="corrections")
    period_kind = models.CharField(_("period"), max_length=5, choices=SettlementPeriod.choices)
    period_key = models.CharField(max_length=20, help_text=_("2026-10 for a month, cycle-<id> for a cycle"))
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("until"))
    cycle = models.ForeignKey("orders.OrderCycle", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    document = models.CharField(_("document"), max_length=15, choices=Document.choices)
    statement_reason = models.CharField(_("why a statement"), max_length=15, choices=Reason.choices, blank=True)
    invoice = models.OneToOneField(Invoice, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="settlement",
                                   help_text=_("The self-billing invoice or purchase slip (numbered by invoicing)."))
    language = models.CharField(_("language"), max_length=5, default="nl")
    vat_status = models.CharField(_("VAT status"), max_length=30, choices=Producer.VatStatus.choices)
    self_billing_agreed_on = models.DateField(null=True, blank=True)
    producer_snapshot = models.JSONField(default=dict)
    coop_snapshot = models.JSONField(default=dict)
    fee_percent = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    fee_per_unit = models.DecimalField(max_digits=8, decimal_places=4, default=0)
    goods_net = models.DecimalField(_("goods at producer prices"), max_digits=12, decimal_places=2)
    fees = models.DecimalField(_("fees"), max_digits=12, decimal_places=2, help_text=_("Deducted; positive."))
    net = models.DecimalField(_("net"), max_digits=12, decimal_places=2)
    vat = models.DecimalField(_("VAT"), max_digits=12, decimal_places=2, default=0)
    compensation = models.DecimalField(_("flat-rate compensation"), max_digits=12, decimal_places=2, default=0)
    total = models.DecimalField(_("amount payable"), max_digits=12, decimal_places=2)
    crates = models.JSONField(_("crates"), default=list, blank=True,
                              help_text=_("Per deposit item: out, back in the period, balance at its end."))
    contest_until = models.DateField(_("contest until"))
    issue_date = models.DateField(_("issue date"))
    issued_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey("members.User", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    objects = ScopedManager(coop="coop")

    class Meta:
        verbose_name = _("producer settlement")
        verbose_name_plural = _("producer settlements")
        ordering = ["-period_start", "producer__farm_name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["coop", "number"], name="settlement_number_unique"),
            models.UniqueConstraint(fields=["coop", "producer", "period_key"], condition=models.Q(kind="original"),
                                    name="settlement_once_per_producer_period"),
            models.CheckConstraint(
                condition=models.Q(kind="original", corrects__isnull=True)
                | models.Q(kind="correction", corrects__isnull=False),
                name="settlement_correction_references_original"),
            models.CheckConstraint(condition=models.Q(net=models.F("goods_net") - models.F("fees")),
                                   name="settlement_net_adds_up"),
            models.CheckConstraint(
                condition=models.Q(total=models.F("net") + models.F("vat") + models.F("compensation")),
                name="settlement_total_adds_up"),
        ]
        indexes = [models.Index(fields=["coop", "period_key"], name="settlement_period_idx")]

    def __str__(self):
        return self.number

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise SettledDocumentError()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise SettledDocumentError()

    @property
    def legal_number(self) -> str:
        """The number of the legal document (self-billing invoice, purchase slip), else the statement's."""
        return self.invoice.number if self.invoice_id else self.number


class SettlementLine(models.Model):
    class Kind(models.TextChoices):
        GOODS = "goods", _("goods")
        FEE = "fee", _("fee")

    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    settlement = models.ForeignKey(Settlement, on_delete=models.PROTECT, related_name="lines")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=5, choices=Kind.choices, default=Kind.GOODS)
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    delivery_date = models.DateField(null=True, blank=True)
    description = models.CharField(_("description"), max_length=250)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    unit = models.CharField(_("unit"), max_length=10)
    sell_units = models.DecimalField(max_digits=12, decimal_places=3, default=0,
                                     help_text=_("Delivered sell units (what a per-unit fee counts)."))
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=4)
    line_net = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    vat_percent = models.DecimalField(_("VAT rate"), max_digits=5, decimal_places=2)
    compensation_percent = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    corrected_line = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="corrections")

    objects = ScopedManager(coop="coop")

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["settlement", "position"], name="settlement_line_once")]

    def __str__(self):
        return f"{self.quantity} {self.unit} {self.description}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise SettledDocumentError()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise SettledDocumentError()


def _settlement_path(instance, filename):
    return f"settlements/{instance.coop_id}/{instance.settlement_id}/{filename}"


class SettlementDocument(models.Model):
    """The PDF of a settlement, rendered once, and when it was e-mailed (once)."""

    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    settlement = models.OneToOneField(Settlement, on_delete=models.PROTECT, related_name="pdf")
    file = models.FileField(upload_to=_settlement_path)
    created_at = models.DateTimeField(auto_now_add=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(coop="coop")

    def __str__(self):
        return f"{self.settlement} (PDF)"


class SettlementContest(models.Model):
    """A producer disputes one line before the deadline; a fixer resolves it (with a correction or not)."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        CORRECTED = "corrected", _("corrected")
        REJECTED = "rejected", _("rejected")

    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    settlement = models.ForeignKey(Settlement, on_delete=models.PROTECT, related_name="contests")
    line = models.ForeignKey(SettlementLine, on_delete=models.PROTECT, related_name="contests")
    note = models.CharField(_("what is wrong"), max_length=500)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey("members.User", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    resolution = models.CharField(_("answer"), max_length=500, blank=True)
    resolved_by = models.ForeignKey("members.User", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    correction = models.ForeignKey(Settlement, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    objects = ScopedManager(coop="coop")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["line"], condition=models.Q(status="open"),
                                    name="settlement_contest_one_open_per_line"),
            models.CheckConstraint(condition=~models.Q(status="corrected") | models.Q(correction__isnull=False),
                                   name="settlement_contest_corrected_has_correction"),
        ]

    def __str__(self):
        return f"{self.line}: {self.note[:40]}"


class SettlementPaymentBatch(models.Model):
    """One SEPA credit transfer file (pain.001) paying the producers of a period. Stored as generated, so a
    second download gives the same file (same message id: the bank refuses a duplicate)."""

    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    period_key = models.CharField(max_length=20)
    message_id = models.CharField(max_length=35)
    schema = models.CharField(max_length=20)
    execution_date = models.DateField(_("execution date"))
    transactions = models.PositiveIntegerField(_("transfers"))
    total = models.DecimalField(_("total"), max_digits=12, decimal_places=2)
    xml = models.TextField()
    settlements = models.ManyToManyField(Settlement, through="SettlementPayment", related_name="+")
    created_by = models.ForeignKey("members.User", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(coop="coop")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.period_key}: {self.message_id}"


class SettlementPayment(models.Model):
    """A settlement is paid in exactly one batch."""

    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    batch = models.ForeignKey(SettlementPaymentBatch, on_delete=models.CASCADE, related_name="payments")
    settlement = models.OneToOneField(Settlement, on_delete=models.PROTECT, related_name="payment")

    objects = ScopedManager(coop="coop")

    def __str__(self):
        return f"{self.settlement} in {self.batch}"
