"""Moving goods: the hub, purchase orders to producers, packing data, documents and the crate ledger.

(Vehicles, rounds and stops come with the planning work; the solver is the plain package logistics/routing.)
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from catalog.models import DepositItem, Product
from coop.models import Cooperative
from members.models import Membership, Producer
from orders.models import Order, OrderCycle


class Hub(models.Model):
    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    name = models.CharField(_("name"), max_length=150)
    street = models.CharField(_("street and number"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=10)
    city = models.CharField(_("municipality"), max_length=100)
    latitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    longitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    has_cooled_storage = models.BooleanField(_("cooled storage"), default=True)
    receiving_windows = models.JSONField(_("receiving windows"), default=list, blank=True,
                                         help_text=_('e.g. [{"day": "thu", "from": "13:00", "to": "19:00"}]'))

    objects = ScopedManager(coop="coop")

    class Meta:
        verbose_name = _("hub")
        verbose_name_plural = _("hubs")
        constraints = [models.UniqueConstraint(fields=["coop"], name="one_hub_per_coop")]

    def __str__(self):
        return self.name


class PurchaseOrder(models.Model):
    """What one producer must harvest or prepare and bring (or have collected) for one cycle."""

    class Status(models.TextChoices):
        SENT = "sent", _("sent")
        CONFIRMED = "confirmed", _("confirmed")
        SHORTAGE = "shortage", _("shortage reported")

    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    cycle = models.ForeignKey(OrderCycle, on_delete=models.PROTECT, related_name="purchase_orders")
    producer = models.ForeignKey(Producer, on_delete=models.PROTECT, related_name="purchase_orders")
    number = models.CharField(_("number"), max_length=30)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SENT)
    delivery_mode = models.CharField(_("to the hub"), max_length=20, choices=Producer.DeliveryMode.choices)
    slot_from = models.DateTimeField(_("bring or collect from"), null=True, blank=True)
    slot_until = models.DateTimeField(_("bring or collect until"), null=True, blank=True)
    respond_before = models.DateTimeField(_("confirm before"))
    responded_at = models.DateTimeField(null=True, blank=True)
    producer_note = models.CharField(_("note"), max_length=500, blank=True)
    total_producer_amount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    # set once the e-mail with the PDF went out, so a retried or repeated task never mails twice
    sent_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    objects = ScopedManager(coop="coop")

    class Meta:
        verbose_name = _("purchase order")
        verbose_name_plural = _("purchase orders")
        ordering = ["producer__farm_name"]
        constraints = [models.UniqueConstraint(fields=["cycle", "producer"], name="one_purchase_order_per_producer")]

    def __str__(self):
        return self.number


class PurchaseOrderLine(models.Model):
    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    purchase_order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    product_name = models.CharField(max_length=200)
    sell_unit = models.CharField(max_length=10)
    storage = models.CharField(max_length=10)
    quantity = models.DecimalField(_("to bring"), max_digits=12, decimal_places=3)
    estimated_kg = models.DecimalField(max_digits=12, decimal_places=3, default=0)
    orders_count = models.PositiveIntegerField(default=0)
    producer_price = models.DecimalField(max_digits=10, decimal_places=2)
    confirmed_quantity = models.DecimalField(_("can bring"), max_digits=12, decimal_places=3, null=True,
                                             blank=True)

    objects = ScopedManager(coop="coop")

    class Meta:
        ordering = ["product_name"]
        constraints = [models.UniqueConstraint(fields=["purchase_order", "product"], name="one_po_line_per_product")]

    def __str__(self):
        return f"{self.quantity} {self.sell_unit} {self.product_name}"


class OrderPacking(models.Model):
    """How one customer order is packed at the hub: crates per storage class, weight, destination."""

    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    cycle = models.ForeignKey(OrderCycle, on_delete=models.CASCADE, related_name="packings")
    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="packing")
    destination_key = models.CharField(max_length=80, help_text=_("pickup:<id>, home:<postcode> or business:<id>"))
    destination_label = models.CharField(max_length=200)
    crates_ambient = models.PositiveSmallIntegerField(default=0)
    crates_chilled = models.PositiveSmallIntegerField(default=0)
    crates_frozen = models.PositiveSmallIntegerField(default=0)
    weight_kg = models.DecimalField(max_digits=10, decimal_places=3, default=0)
    packed_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(coop="coop")

    class Meta:
        ordering = ["destination_key", "order__number"]

    def __str__(self):
        return f"{self.order} → {self.destination_label}"

    @property
    def crates(self) -> int:
        return self.crates_ambient + self.crates_chilled + self.crates_frozen


class CycleDocument(models.Model):
    """A generated document of a cycle; (cycle, kind, subject) is unique, so running the cut-off twice
    or retrying after a crash yields the same set of documents."""

    class Kind(models.TextChoices):
        PURCHASE_ORDER = "purchase_order", _("purchase order")
        PACKING_LIST = "packing_list", _("packing list (customer order)")
        DESTINATION_LIST = "destination_list", _("destination list")
        GOODS_IN = "goods_in", _("pick list for goods in")
        HUB_SUMMARY = "hub_summary", _("hub summary")
        CRATE_LABELS = "crate_labels", _("crate labels")

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        READY = "ready", _("ready")
        FAILED = "failed", _("failed")

    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    cycle = models.ForeignKey(OrderCycle, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    subject = models.CharField(max_length=80, help_text=_("producer:<id>, order:<id>, destination key or 'hub'"))
    title = models.CharField(max_length=200)
    language = models.CharField(max_length=5, default="nl")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    file = models.FileField(upload_to="cycle-documents/%Y/%m/", blank=True)
    error = models.CharField(max_length=300, blank=True)  # why the last render failed; cleared when one succeeds
    # renders queued since it was registered or last retried by hand; after settings.CYCLE_DOCUMENT_MAX_ATTEMPTS
    # a document that still fails is FAILED and no longer queued by the beat scan (services/cycle_documents.py)
    attempts = models.PositiveSmallIntegerField(default=0)
    generated_at = models.DateTimeField(null=True, blank=True)
    # when a render was last queued: a pending document asked for long ago lost its task (the beat scan
    # queues it again); one being rendered is told apart by its row lock, held for the whole render
    requested_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(coop="coop")

    class Meta:
        ordering = ["kind", "title"]
        constraints = [models.UniqueConstraint(fields=["cycle", "kind", "subject"], name="one_document_per_subject")]
        # the beat scan's "anything stuck in this cycle?" looks only at the few pending rows
        indexes = [models.Index(fields=["cycle", "requested_at"], condition=models.Q(status="pending"),
                                name="cycle_document_pending")]

    def __str__(self):
        return self.title


class DepositMovement(models.Model):
    """The crate and deposit ledger: items out with an order or to a producer, and back. Rows are never edited."""

    class Direction(models.TextChoices):
        OUT = "out", _("out")
        BACK = "back", _("back")

    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    item = models.ForeignKey(DepositItem, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    producer = models.ForeignKey(Producer, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    direction = models.CharField(max_length=4, choices=Direction.choices)
    quantity = models.PositiveIntegerField()
    cycle = models.ForeignKey(OrderCycle, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey("members.User", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(coop="coop")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="deposit_movement_positive"),
            models.CheckConstraint(
                condition=(models.Q(customer__isnull=False, producer__isnull=True)
                           | models.Q(customer__isnull=True, producer__isnull=False)),
                name="deposit_movement_one_party",
            ),
            # what goes out with an order at the cut-off is booked once per order and item
            models.UniqueConstraint(fields=["order", "item"], condition=models.Q(direction="out"),
                                    name="deposit_out_once_per_order_item"),
        ]

    def __str__(self):
        return f"{self.direction} {self.quantity} x {self.item}"


from .models_changes import *  # noqa: E402, F403  (what drivers are told when a published plan changes)
from .models_planning import *  # noqa: E402, F403  (rounds: vehicles, drivers, planning runs)
from .models_sheets import *  # noqa: E402, F403  (route sheet PDFs of the driver's day)
