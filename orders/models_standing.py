"""Standing orders of business accounts: what repeats every week, and one recorded run per cycle.

Imported at the end of orders/models.py so Django registers these models in the `orders` app.
A run row is claimed before anything is placed; UNIQUE (standing_order, cycle) makes a second placement
impossible, whatever retries or concurrent workers do (see orders/services/standing.py).
"""

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from catalog.models import Product
from coop.models import Cooperative
from members.models import BusinessAccount, Membership, Weekday


class StandingOrder(models.Model):
    class Frequency(models.TextChoices):
        EVERY_CYCLE = "every_cycle", _("every cycle")
        EVERY_SECOND_WEEK = "every_second_week", _("every second week")
        WEEKDAYS = "weekdays", _("cycles delivering on chosen weekdays")

    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    account = models.ForeignKey(BusinessAccount, on_delete=models.CASCADE, related_name="standing_orders")
    # Orders are placed in this person's name (a business user of the account).
    customer = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="standing_orders",
                                 verbose_name=_("placed for"))
    name = models.CharField(_("name"), max_length=100)
    frequency = models.CharField(_("frequency"), max_length=20, choices=Frequency.choices,
                                 default=Frequency.EVERY_CYCLE)
    weekdays = ArrayField(models.CharField(max_length=3, choices=Weekday.choices), default=list, blank=True,
                          verbose_name=_("delivery weekdays"))
    start_date = models.DateField(_("first delivery on or after"))
    end_date = models.DateField(_("last delivery on or before"), null=True, blank=True)
    purchase_order_reference = models.CharField(_("purchase order reference"), max_length=60, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey("members.User", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(coop="coop")

    class Meta:
        verbose_name = _("standing order")
        verbose_name_plural = _("standing orders")
        ordering = ["account__name", "name"]
        indexes = [models.Index(fields=["coop", "is_active"], name="standing_active_idx")]
        constraints = [
            models.UniqueConstraint(fields=["coop", "account", "name"], name="standing_name_unique_per_account"),
            models.CheckConstraint(condition=models.Q(end_date__isnull=True)
                                   | models.Q(end_date__gte=models.F("start_date")),
                                   name="standing_period_ordered"),
            models.CheckConstraint(condition=~models.Q(frequency="weekdays") | ~models.Q(weekdays=[]),
                                   name="standing_weekdays_given"),
        ]

    def __str__(self):
        return f"{self.account}: {self.name}"


class StandingOrderLine(models.Model):
    class Rule(models.TextChoices):
        SKIP = "skip", _("skip the line")
        TAKE_REMAINING = "take_remaining", _("take what is left")
        SUBSTITUTE = "substitute", _("order the substitute")

    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    standing_order = models.ForeignKey(StandingOrder, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("quantity"), max_digits=10, decimal_places=3)
    rule = models.CharField(_("when not offered or short"), max_length=16, choices=Rule.choices,
                            default=Rule.TAKE_REMAINING)
    substitute = models.ForeignKey(Product, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("substitute"))

    objects = ScopedManager(coop="coop")

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["standing_order", "product"], name="standing_line_product_once"),
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="standing_line_quantity_positive"),
            models.CheckConstraint(condition=~models.Q(rule="substitute") | models.Q(substitute__isnull=False),
                                   name="standing_line_substitute_named"),
        ]

    def __str__(self):
        return f"{self.quantity} x {self.product}"


class StandingOrderPause(models.Model):
    """No placement for cycles delivering in [start, end] (school holidays, closing weeks)."""

    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    standing_order = models.ForeignKey(StandingOrder, on_delete=models.CASCADE, related_name="pauses")
    start = models.DateField(_("from"))
    end = models.DateField(_("until"))
    reason = models.CharField(_("reason"), max_length=100, blank=True)

    objects = ScopedManager(coop="coop")

    class Meta:
        ordering = ["start"]
        constraints = [models.CheckConstraint(condition=models.Q(end__gte=models.F("start")),
                                              name="standing_pause_ordered")]

    def __str__(self):
        return f"{self.start} – {self.end}"


class StandingOrderRun(models.Model):
    """What happened with one standing order in one cycle. Claimed first, then finished in the same
    transaction as the order it placed; a claimed run that is not locked by a live worker can be retried."""

    class Status(models.TextChoices):
        CLAIMED = "claimed", _("in progress")
        PLACED = "placed", _("placed")
        PARTLY_PLACED = "partly_placed", _("partly placed")
        SKIPPED = "skipped", _("skipped")
        FAILED = "failed", _("failed")

    FINAL = (Status.PLACED, Status.PARTLY_PLACED, Status.SKIPPED, Status.FAILED)

    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    standing_order = models.ForeignKey(StandingOrder, on_delete=models.CASCADE, related_name="runs")
    cycle = models.ForeignKey("orders.OrderCycle", on_delete=models.CASCADE, related_name="standing_runs")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.CLAIMED,
                              db_index=True)
    order = models.ForeignKey("orders.Order", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="standing_runs")
    # One entry per standing line: {product_id, product, requested, placed, product_placed, outcome, reason}
    outcomes = models.JSONField(default=list, blank=True)
    message = models.CharField(_("message"), max_length=500, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    claimed_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey("members.User", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    objects = ScopedManager(coop="coop")

    class Meta:
        verbose_name = _("standing order run")
        verbose_name_plural = _("standing order runs")
        ordering = ["-claimed_at"]
        constraints = [
            models.UniqueConstraint(fields=["standing_order", "cycle"], name="standing_run_once_per_cycle"),
        ]

    def __str__(self):
        return f"{self.standing_order} / {self.cycle}: {self.status}"

    @property
    def needs_attention(self) -> bool:
        return self.status in (self.Status.FAILED, self.Status.PARTLY_PLACED) and self.resolved_at is None
