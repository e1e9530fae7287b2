"""The week: order cycles, offers, pickup points and delivery zones, orders with price snapshots, payments."""

from decimal import Decimal

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from catalog.models import Product
from coop.models import Cooperative
from coop.versioned import ScopedVersionedManager
from members.models import BusinessAccount, Membership, Producer, Weekday


class CycleSchedule(models.Model):
    """A recurring week: opens, cut-off and delivery on fixed weekdays and times (Europe/Brussels)."""

    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    name = models.CharField(_("name"), max_length=100)
    opens_weekday = models.CharField(_("opens on"), max_length=3, choices=Weekday.choices)
    opens_time = models.TimeField(_("opens at"))
    cutoff_weekday = models.CharField(_("cut-off on"), max_length=3, choices=Weekday.choices)
    cutoff_time = models.TimeField(_("cut-off at"))
    delivery_weekday = models.CharField(_("delivery on"), max_length=3, choices=Weekday.choices)
    weeks_ahead = models.PositiveSmallIntegerField(_("generate weeks ahead"), default=4)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedManager(coop="coop")

    class Meta:
        verbose_name = _("cycle schedule")
        verbose_name_plural = _("cycle schedules")

    def __str__(self):
        return self.name


class OrderCycle(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        OPEN = "open", _("open")
        CLOSING = "closing", _("closing")
        CLOSED = "closed", _("closed")
        PACKED = "packed", _("packed")
        DELIVERED = "delivered", _("delivered")
        SETTLED = "settled", _("settled")
        CANCELLED = "cancelled", _("cancelled")

    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    schedule = models.ForeignKey(CycleSchedule, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="cycles")
    name = models.CharField(_("name"), max_length=100)
    opens_at = models.DateTimeField(_("opens at"))
    cutoff_at = models.DateTimeField(_("cut-off"))
    delivery_date = models.DateField(_("delivery date"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT,
                              db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # The Job of a close started from the page or the API: whoever finishes the close (its own task, the
    # message delivered again, or the beat scan after a crash) finishes this Job too, so it never stays running.
    close_job = models.ForeignKey("coop.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = ScopedVersionedManager(coop="coop")  # bulk writes bump (orders/apps.py)

    class Meta:
        verbose_name = _("order cycle")
        verbose_name_plural = _("order cycles")
        ordering = ["-delivery_date"]
        constraints = [
            models.CheckConstraint(condition=models.Q(opens_at__lt=models.F("cutoff_at")),
                                   name="cycle_opens_before_cutoff"),
            models.UniqueConstraint(fields=["schedule", "delivery_date"], name="one_cycle_per_schedule_and_day"),
        ]

    def __str__(self):
        return self.name


class Offer(models.Model):
    """What a producer can supply in one cycle. `remaining` is NULL when unlimited.

    Reservation is a conditional update on `remaining`, backed by CHECK (remaining >= 0) (DESIGN.md 5).
    """

    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    cycle = models.ForeignKey(OrderCycle, on_delete=models.CASCADE, related_name="offers")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="offers")
    producer = models.ForeignKey(Producer, on_delete=models.PROTECT, related_name="offers")
    quantity_cap = models.DecimalField(_("available quantity"), max_digits=10, decimal_places=3, null=True,
                                       blank=True, help_text=_("Empty: unlimited."))
    ordered = models.DecimalField(_("ordered"), max_digits=10, decimal_places=3, default=0)
    remaining = models.DecimalField(_("remaining"), max_digits=10, decimal_places=3, null=True, blank=True)
    price = models.DecimalField(_("producer price this week"), max_digits=10, decimal_places=2, null=True,
                                blank=True, help_text=_("Empty: the product's price."))
    is_withdrawn = models.BooleanField(_("withdrawn"), default=False)
    created_by = models.ForeignKey("members.User", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedVersionedManager(coop="coop")  # bulk writes bump (orders/apps.py)

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "product"], name="one_offer_per_cycle_product"),
            models.CheckConstraint(condition=models.Q(remaining__isnull=True) | models.Q(remaining__gte=0),
                                   name="offer_remaining_not_negative"),
            models.CheckConstraint(condition=models.Q(ordered__gte=0), name="offer_ordered_not_negative"),
            models.CheckConstraint(
                condition=(models.Q(quantity_cap__isnull=True, remaining__isnull=True)
                           | models.Q(quantity_cap__isnull=False, remaining=models.F("quantity_cap")
                                      - models.F("ordered"))),
                name="offer_remaining_is_cap_minus_ordered",
            ),
            models.CheckConstraint(condition=models.Q(price__isnull=True) | models.Q(price__gt=0),
                                   name="offer_price_positive"),
        ]

    def __str__(self):
        return f"{self.product} ({self.cycle})"


class PickupPoint(models.Model):
    class Kind(models.TextChoices):
        FARM_SHOP = "farm_shop", _("farm shop")
        SCHOOL = "school", _("school")
        LIBRARY = "library", _("library")
        SHOP = "shop", _("shop")
        COMMUNITY_CENTRE = "community_centre", _("community centre")
        HUB = "hub", _("hub")

    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    key = models.SlugField(max_length=60)
    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.SHOP)
    street = models.CharField(_("street and number"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=10)
    city = models.CharField(_("municipality"), max_length=100)
    latitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    longitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    is_cooled = models.BooleanField(_("cooled storage"), default=False)
    capacity_orders = models.PositiveIntegerField(_("maximum orders per cycle"), default=40)
    pickup_hours = models.CharField(_("pickup hours"), max_length=200, blank=True)
    service_minutes = models.PositiveSmallIntegerField(_("minutes to unload"), default=10)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedManager(coop="coop")

    class Meta:
        verbose_name = _("pickup point")
        verbose_name_plural = _("pickup points")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["coop", "key"], name="pickup_key_unique_per_coop")]

    def __str__(self):
        return f"{self.name} ({self.city})"


class CyclePickupPoint(models.Model):
    """A pickup point served in one cycle: when customers collect, how many orders fit, how it is served."""

    class ServedBy(models.TextChoices):
        DELIVERY_ROUND = "round", _("delivered by a delivery round")
        HUB = "hub", _("collected at the hub")
        PRODUCER = "producer", _("stocked by a producer")

    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    cycle = models.ForeignKey(OrderCycle, on_delete=models.CASCADE, related_name="pickup_points")
    pickup_point = models.ForeignKey(PickupPoint, on_delete=models.PROTECT, related_name="cycle_slots")
    pickup_from = models.DateTimeField(_("collect from"))
    pickup_until = models.DateTimeField(_("collect until"))
    capacity = models.PositiveIntegerField(_("maximum orders"))
    orders_count = models.PositiveIntegerField(default=0)
    served_by = models.CharField(_("served by"), max_length=10, choices=ServedBy.choices,
                                 default=ServedBy.DELIVERY_ROUND)

    objects = ScopedManager(coop="coop")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cycle", "pickup_point"], name="pickup_point_once_per_cycle"),
            models.CheckConstraint(condition=models.Q(orders_count__lte=models.F("capacity")),
                                   name="pickup_point_not_over_capacity"),
            models.CheckConstraint(condition=models.Q(pickup_from__lt=models.F("pickup_until")),
                                   name="pickup_window_ordered"),
        ]

    def __str__(self):
        return f"{self.pickup_point} — {self.cycle}"


class DeliveryZone(models.Model):
    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    name = models.CharField(_("name"), max_length=100)
    postcodes = ArrayField(models.CharField(max_length=4), verbose_name=_("postcodes"))
    fee = models.DecimalField(_("delivery fee incl. VAT"), max_digits=8, decimal_places=2, default=0)
    free_from = models.DecimalField(_("free delivery from"), max_digits=8, decimal_places=2, null=True,
                                    blank=True)
    minimum_order = models.DecimalField(_("minimum order"), max_digits=8, decimal_places=2, default=0)
    delivery_weekday = models.CharField(_("delivery day"), max_length=3, choices=Weekday.choices, default="fri")
    window_from = models.TimeField(_("deliver from"))
    window_until = models.TimeField(_("deliver until"))
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedManager(coop="coop")

    class Meta:
        verbose_name = _("delivery zone")
        verbose_name_plural = _("delivery zones")

    def __str__(self):
        return self.name


class Order(models.Model):
    class Status(models.TextChoices):
        PLACED = "placed", _("placed")
        CANCELLED = "cancelled", _("cancelled")
        PACKED = "packed", _("packed")
        DELIVERED = "delivered", _("delivered")

    class Fulfilment(models.TextChoices):
        PICKUP = "pickup", _("collect at a pickup point")
        DELIVERY = "delivery", _("home delivery")
        BUSINESS = "business", _("delivery at the business")

    class PaymentMethod(models.TextChoices):
        TRANSFER = "transfer", _("bank transfer")
        AT_PICKUP = "at_pickup", _("pay at pickup")
        INVOICE = "invoice", _("monthly invoice")

    class PaymentStatus(models.TextChoices):
        UNPAID = "unpaid", _("unpaid")
        PARTLY_PAID = "partly_paid", _("partly paid")
        PAID = "paid", _("paid")

    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    cycle = models.ForeignKey(OrderCycle, on_delete=models.PROTECT, related_name="orders")
    customer = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="orders")
    business_account = models.ForeignKey(BusinessAccount, null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="orders")
    number = models.CharField(_("order number"), max_length=20)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PLACED)
    fulfilment = models.CharField(_("fulfilment"), max_length=10, choices=Fulfilment.choices)
    pickup = models.ForeignKey(CyclePickupPoint, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="orders")
    delivery_zone = models.ForeignKey(DeliveryZone, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="orders")
    delivery_street = models.CharField(_("street and number"), max_length=200, blank=True)
    delivery_postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    delivery_city = models.CharField(_("municipality"), max_length=100, blank=True)
    prices_include_vat = models.BooleanField(default=True)
    purchase_order_reference = models.CharField(_("purchase order reference"), max_length=60, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    total_net = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    total_vat = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    total_gross = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    total_deposit = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    delivery_fee = models.DecimalField(max_digits=8, decimal_places=2, default=0)
    total_to_pay = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    payment_method = models.CharField(_("payment"), max_length=10, choices=PaymentMethod.choices,
                                      default=PaymentMethod.TRANSFER)
    payment_reference = models.CharField(_("structured reference (OGM)"), max_length=12)
    payment_status = models.CharField(_("payment status"), max_length=12, choices=PaymentStatus.choices,
                                      default=PaymentStatus.UNPAID)
    paid_amount = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    language = models.CharField(max_length=5, default="nl")
    idempotency_key = models.CharField(max_length=64, blank=True)
    placed_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedVersionedManager(coop="coop")  # bulk writes bump (orders/apps.py)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-placed_at"]
        constraints = [
            models.UniqueConstraint(fields=["coop", "number"], name="order_number_unique_per_coop"),
            models.UniqueConstraint(fields=["coop", "payment_reference"], name="order_ogm_unique_per_coop"),
            # One active order per customer and cycle: changes edit it rather than adding a second one.
            models.UniqueConstraint(fields=["cycle", "customer"], condition=~models.Q(status="cancelled"),
                                    name="one_active_order_per_customer_cycle"),
            models.UniqueConstraint(fields=["customer", "idempotency_key"], condition=~models.Q(idempotency_key=""),
                                    name="order_idempotency_key_unique"),
            models.CheckConstraint(
                condition=(models.Q(fulfilment="pickup", pickup__isnull=False)
                           | models.Q(fulfilment="delivery", delivery_zone__isnull=False)
                           | models.Q(fulfilment="business", business_account__isnull=False)),
                name="order_has_a_destination",
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def balance_due(self):
        """What is still to pay: nothing once paid (an invoiced order is paid when its invoice is, also when
        the delivered amount was less than the order's total)."""
        if self.payment_status == self.PaymentStatus.PAID:
            return min(self.total_to_pay - self.paid_amount, Decimal("0.00"))
        return self.total_to_pay - self.paid_amount


class OrderLine(models.Model):
    """A line with a snapshot of what the customer was shown: price and VAT never change afterwards."""

    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    product_name = models.CharField(max_length=200)
    quantity = models.DecimalField(_("quantity"), max_digits=10, decimal_places=3)
    sell_unit = models.CharField(max_length=10)
    price_unit = models.CharField(max_length=10)
    is_weighed = models.BooleanField(default=False)
    billed_quantity = models.DecimalField(max_digits=10, decimal_places=3,
                                          help_text=_("In price units: estimated kg for weighed goods."))
    producer_price = models.DecimalField(max_digits=10, decimal_places=2)
    margin_percent = models.DecimalField(max_digits=5, decimal_places=2)
    unit_net = models.DecimalField(max_digits=10, decimal_places=2)
    unit_gross = models.DecimalField(max_digits=10, decimal_places=2)
    vat_percent = models.DecimalField(max_digits=5, decimal_places=2)
    deposit_per_unit = models.DecimalField(max_digits=8, decimal_places=2, default=0)
    line_amount = models.DecimalField(max_digits=10, decimal_places=2,
                                      help_text=_("Incl. VAT when the order shows prices incl. VAT, else excl."))
    line_deposit = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    weighed_quantity = models.DecimalField(max_digits=10, decimal_places=3, null=True, blank=True)
    short_quantity = models.DecimalField(max_digits=10, decimal_places=3, default=0)

    objects = ScopedManager(coop="coop")

    class Meta:
        ordering = ["product_name"]
        constraints = [
            models.UniqueConstraint(fields=["order", "offer"], name="one_line_per_order_offer"),
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="order_line_quantity_positive"),
        ]

    def __str__(self):
        return f"{self.quantity} x {self.product_name}"


class Payment(models.Model):
    """Money received for an order: marked by a fixer, or part of a bank statement entry (CAMT.053/CODA).

    A bank entry is stored once as an invoicing.BankTransaction (the one statement import, in
    invoicing.services.matching); its payments point to it, one row per order: one transfer may pay several
    orders. `invoice` is set when the money went to the order's invoice and this row is the order's share of
    it, so the order's payment status follows the invoice's.
    """

    class Source(models.TextChoices):
        MANUAL = "manual", _("marked by hand")
        CAMT = "camt053", _("CAMT.053 statement")
        CODA = "coda", _("CODA statement")
        AT_PICKUP = "at_pickup", _("paid at pickup")

    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    received_on = models.DateField()
    source = models.CharField(max_length=10, choices=Source.choices)
    transaction = models.ForeignKey("invoicing.BankTransaction", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="order_payments")
    invoice = models.ForeignKey("invoicing.Invoice", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", help_text=_("The invoice this money was paid on, if any."))
    bank_reference = models.CharField(max_length=100, blank=True, help_text=_("The bank's entry reference."))
    payer_name = models.CharField(max_length=200, blank=True)
    payer_iban = models.CharField(max_length=34, blank=True)
    created_by = models.ForeignKey("members.User", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(coop="coop")

    class Meta:
        constraints = [
            # One row per bank entry and order: importing again adds nothing, one transfer may pay several orders.
            models.UniqueConstraint(fields=["transaction", "order"], name="payment_once_per_transaction_and_order"),
        ]

    def __str__(self):
        return f"{self.amount} for {self.order}"


from orders.models_standing import StandingOrder, StandingOrderLine, StandingOrderPause, StandingOrderRun  # noqa: E402, F401
