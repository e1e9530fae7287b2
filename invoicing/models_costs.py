"""What running the cooperative costs, per month (issue 11 item 7): the input of cost sharing and break-even.

A `CostEntry` is one cost of one month, excluding VAT (the coop deducts the VAT it pays). Flat costs (hub rent,
packaging, software, staff, other) are an amount; vehicles per km, vehicles per day and driver hours are a
quantity times a unit cost, and the quantity may come from the month's planned routes (km, vehicle-days, hours).
Each entry says by which key it is shared out over the month's delivered orders (invoicing.services.allocation).
Flows live in invoicing/services/costs.py, never here.
"""

from django.db import models
from django.db.models.functions import Round
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from coop.models import Cooperative

__all__ = ["AllocationKey", "CostCategory", "CostEntry"]


class AllocationKey(models.TextChoices):
    ORDER = "order", _("per order")
    KG = "kg", _("per kg")
    CRATE = "crate", _("per crate")
    KM = "km", _("per km share of the routes")


class CostCategory(models.TextChoices):
    HUB_RENT = "hub_rent", _("hub rent")
    VEHICLE_KM = "vehicle_km", _("vehicles per km")
    VEHICLE_DAY = "vehicle_day", _("vehicles per day")
    DRIVER_HOURS = "driver_hours", _("driver hours")
    PACKAGING = "packaging", _("packaging")
    SOFTWARE = "software", _("software")
    STAFF = "staff", _("staff")
    OTHER = "other", _("other")


# Categories counted as quantity x unit cost, with the unit they are counted in.
PER_UNIT = {
    CostCategory.VEHICLE_KM: _("km"),
    CostCategory.VEHICLE_DAY: _("vehicle-days"),
    CostCategory.DRIVER_HOURS: _("hours"),
}

# What each cost is shared by unless the fixer chooses otherwise: the hub and packaging by the room goods take
# (crates), moving goods by the km of the routes that carried them, the rest by order (every order needs them).
DEFAULT_ALLOCATION = {
    CostCategory.HUB_RENT: AllocationKey.CRATE,
    CostCategory.VEHICLE_KM: AllocationKey.KM,
    CostCategory.VEHICLE_DAY: AllocationKey.KM,
    CostCategory.DRIVER_HOURS: AllocationKey.KM,
    CostCategory.PACKAGING: AllocationKey.CRATE,
    CostCategory.SOFTWARE: AllocationKey.ORDER,
    CostCategory.STAFF: AllocationKey.ORDER,
    CostCategory.OTHER: AllocationKey.ORDER,
}

_PER_UNIT_VALUES = [str(c) for c in PER_UNIT]


class CostEntry(models.Model):
    coop = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+", db_index=True)
    month = models.DateField(_("month"), help_text=_("The first day of the month the cost belongs to."))
    category = models.CharField(_("category"), max_length=20, choices=CostCategory.choices)
    description = models.CharField(_("description"), max_length=200, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=10, decimal_places=2, null=True, blank=True)
    unit_cost = models.DecimalField(_("cost per unit excl. VAT"), max_digits=10, decimal_places=4, null=True,
                                    blank=True)
    amount = models.DecimalField(_("amount excl. VAT"), max_digits=12, decimal_places=2)
    quantity_from_planning = models.BooleanField(
        _("quantity from the planned routes"), default=False,
        help_text=_("Take the km, vehicle-days or hours from the month's planned routes."))
    vehicle = models.ForeignKey("logistics.Vehicle", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+", verbose_name=_("vehicle"),
                                help_text=_("Only this vehicle's routes (empty: all vehicles)."))
    allocation_key = models.CharField(_("shared"), max_length=8, choices=AllocationKey.choices)
    created_by = models.ForeignKey("members.User", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(coop="coop")

    class Meta:
        verbose_name = _("cost")
        verbose_name_plural = _("costs")
        ordering = ["month", "category", "pk"]
        indexes = [models.Index(fields=["coop", "month"], name="cost_entry_coop_month")]
        constraints = [
            models.CheckConstraint(condition=models.Q(month__day=1), name="cost_entry_month_first_day"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="cost_entry_amount_not_negative"),
            models.CheckConstraint(
                condition=(models.Q(category__in=_PER_UNIT_VALUES, quantity__gte=0, unit_cost__gte=0)
                           | (~models.Q(category__in=_PER_UNIT_VALUES) & models.Q(
                               quantity__isnull=True, unit_cost__isnull=True, quantity_from_planning=False))),
                name="cost_entry_quantity_only_per_unit",
            ),
            # quantity x unit cost, rounded half up to cents (PostgreSQL rounds numeric halves away from zero,
            # the same for amounts that cannot be negative).
            models.CheckConstraint(
                condition=models.Q(quantity__isnull=True)
                | models.Q(amount=Round(models.F("quantity") * models.F("unit_cost"), 2)),
                name="cost_entry_amount_is_quantity_times_unit_cost",
            ),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.get_category_display()}: {self.amount}"

    @property
    def is_per_unit(self) -> bool:
        return self.category in PER_UNIT

    @property
    def unit_label(self) -> str:
        return str(PER_UNIT.get(self.category, ""))
