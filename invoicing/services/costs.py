"""Writes on the coop's monthly costs (CostEntry): create, change, delete, take quantities from the planning.

The amount of a per-unit cost (vehicles per km or per day, driver hours) is always quantity x unit cost,
rounded to cents; the database checks that too. With `quantity_from_planning` the quantity is the month's
planned km, vehicle-days or driver hours (route_figures.planning_quantities), optionally for one vehicle, and
`cost_entries_refresh_from_planning` brings those entries up to date after the plans change.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from coop import money
from invoicing.models_costs import DEFAULT_ALLOCATION, PER_UNIT, AllocationKey, CostCategory, CostEntry

from .economics import month_add, month_start
from .route_figures import planning_quantities

PLANNING_FIELD = {CostCategory.VEHICLE_KM: "km", CostCategory.VEHICLE_DAY: "vehicle_days",
                  CostCategory.DRIVER_HOURS: "hours"}
FIELDS = ("month", "category", "description", "quantity", "unit_cost", "amount", "quantity_from_planning",
          "vehicle", "allocation_key")


# The largest value each field holds (its max_digits), so a typo gives a form error, not a database error.
LIMITS = {"quantity": Decimal("1e8"), "unit_cost": Decimal("1e6"), "amount": Decimal("1e10")}


def _decimal(value, name: str, errors: dict) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors[name] = _("Enter a number.")
        return None
    if not number.is_finite() or number < 0:
        errors[name] = _("Enter a number of at least 0.")
        return None
    if number >= LIMITS[name]:
        errors[name] = _("This number is too large.")
        return None
    return number


def planned_quantity(*, month: date, category: str, vehicle_id: int | None = None) -> Decimal:
    figures = planning_quantities(month, month_add(month, 1), vehicle_id=vehicle_id)
    return money.round_amount(getattr(figures, PLANNING_FIELD[category]))


def _clean(data: dict) -> dict:
    """Check and complete the fields; raise ValidationError({field: message}) on bad input."""
    errors: dict[str, str] = {}
    month = data.get("month")
    if not isinstance(month, date):
        errors["month"] = _("Choose a month.")
    category = data.get("category")
    if category not in CostCategory.values:
        errors["category"] = _("Choose a category.")
        raise ValidationError(errors)
    key = data.get("allocation_key") or DEFAULT_ALLOCATION[category]
    if key not in AllocationKey.values:
        errors["allocation_key"] = _("Choose how the cost is shared.")
    quantity = _decimal(data.get("quantity"), "quantity", errors)
    unit_cost = _decimal(data.get("unit_cost"), "unit_cost", errors)
    amount = _decimal(data.get("amount"), "amount", errors)
    from_planning = bool(data.get("quantity_from_planning"))
    vehicle = data.get("vehicle")
    cleaned = {"month": month_start(month) if isinstance(month, date) else None, "category": category,
               "description": (data.get("description") or "").strip()[:200], "allocation_key": key,
               "quantity_from_planning": from_planning, "vehicle": vehicle}
    if category in PER_UNIT:
        if unit_cost is None and "unit_cost" not in errors:
            errors["unit_cost"] = _("Give the cost per %(unit)s.") % {"unit": PER_UNIT[category]}
        if from_planning and not errors:
            quantity = planned_quantity(month=cleaned["month"], category=category,
                                        vehicle_id=getattr(vehicle, "pk", None))
        elif quantity is None and "quantity" not in errors:
            errors["quantity"] = _("Give the number of %(unit)s, or take it from the planning.") % {
                "unit": PER_UNIT[category]}
        if quantity is not None and quantity != money.round_amount(quantity):
            errors["quantity"] = _("Use at most two decimals.")
        if not errors:
            amount = money.round_amount(quantity * unit_cost)
        cleaned.update(quantity=quantity, unit_cost=unit_cost, amount=amount)
    else:
        for name, value in (("quantity", quantity), ("unit_cost", unit_cost)):
            if value is not None:
                errors[name] = _("Only costs per km, per day or per hour have a quantity; give the amount.")
        if from_planning:
            errors["quantity_from_planning"] = _("Only costs per km, per day or per hour come from the planning.")
        if vehicle is not None:
            errors["vehicle"] = _("Only vehicle and driver costs belong to a vehicle.")
        if amount is None and "amount" not in errors:
            errors["amount"] = _("Give the amount excl. VAT.")
        elif amount is not None and amount != money.round_amount(amount):
            errors["amount"] = _("Use at most two decimals.")
        cleaned.update(quantity=None, unit_cost=None, amount=amount)
    if cleaned["amount"] is not None and cleaned["amount"] >= LIMITS["amount"]:
        errors["amount"] = _("This number is too large.")
    if errors:
        raise ValidationError(errors)
    return cleaned


def cost_entry_create(*, coop, created_by=None, **data) -> CostEntry:
    """A new cost. Keyword arguments: see FIELDS (month is any day of the month)."""
    cleaned = _clean(data)
    return CostEntry.objects.create(coop=coop, created_by=created_by, **cleaned)


def cost_entry_update(*, entry_id: int, **data) -> CostEntry:
    """Change a cost; fields not given keep their value."""
    with transaction.atomic():
        entry = CostEntry.objects.select_for_update().filter(pk=entry_id).first()
        if entry is None:
            raise ValidationError(_("This cost does not exist."))
        current = {name: getattr(entry, name) for name in FIELDS}
        cleaned = _clean({**current, **data})
        for name, value in cleaned.items():
            setattr(entry, name, value)
        entry.save()
    return entry


def cost_entry_delete(*, entry_id: int) -> None:
    deleted, _rows = CostEntry.objects.filter(pk=entry_id).delete()
    if not deleted:
        raise ValidationError(_("This cost does not exist."))


def cost_entries_refresh_from_planning(*, month: date) -> int:
    """Take the quantities of the month's planning-based costs again from the plans; returns how many changed."""
    changed = 0
    with transaction.atomic():
        for entry in CostEntry.objects.select_for_update().filter(month=month_start(month),
                                                                  quantity_from_planning=True).order_by("pk"):
            quantity = planned_quantity(month=entry.month, category=entry.category, vehicle_id=entry.vehicle_id)
            amount = money.round_amount(quantity * entry.unit_cost)
            if (quantity, amount) != (entry.quantity, entry.amount):
                entry.quantity, entry.amount = quantity, amount
                entry.save(update_fields=["quantity", "amount", "updated_at"])
                changed += 1
    return changed
