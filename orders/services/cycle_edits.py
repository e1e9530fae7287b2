"""The fixer's edits of a cycle: its name, dates and opening, and which pickup points serve it with which
window and capacity. Keyword-only, atomic, a ValidationError with a clear message for anything refused."""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.models import CyclePickupPoint, Order, OrderCycle, PickupPoint
from orders.services.cycles import BRUSSELS, cycle_transition

EDITABLE = (OrderCycle.Status.DRAFT, OrderCycle.Status.OPEN)


def cycle_update(*, cycle_id: int, name: str, delivery_date: date, opens_at: datetime | None = None) -> OrderCycle:
    """Rename a draft or open cycle, move its delivery day, and (draft only) its opening."""
    with transaction.atomic():
        cycle = OrderCycle.objects.select_for_update().get(pk=cycle_id)
        if cycle.status not in EDITABLE:
            raise ValidationError(_("Only a draft or open cycle can be changed."))
        if opens_at is not None and opens_at != cycle.opens_at:
            if cycle.status != OrderCycle.Status.DRAFT:
                raise ValidationError({"opens_at": _("An open cycle's opening cannot move.")})
            if opens_at >= cycle.cutoff_at:
                raise ValidationError({"opens_at": _("The opening must come before the cut-off.")})
            cycle.opens_at = opens_at
        if delivery_date < timezone.localtime(cycle.cutoff_at, BRUSSELS).date():
            raise ValidationError({"delivery_date": _("Delivery cannot be before the cut-off.")})
        cycle.name, cycle.delivery_date = name.strip()[:100], delivery_date
        try:
            with transaction.atomic():
                cycle.save(update_fields=["name", "delivery_date", "opens_at"])
        except IntegrityError as exc:
            raise ValidationError({"delivery_date": _("The schedule already has a cycle on that day.")}) from exc
    return cycle


def cycle_open_now(*, cycle_id: int) -> OrderCycle:
    """Open a draft cycle now instead of at its opening time (a conditional update on the state)."""
    now = timezone.now()
    cycle = OrderCycle.objects.get(pk=cycle_id)
    if cycle.status != OrderCycle.Status.DRAFT:
        raise ValidationError(_("Only a draft cycle can be opened."))
    if cycle.cutoff_at <= now:
        raise ValidationError(_("The cut-off has passed; move it first."))
    with transaction.atomic():
        OrderCycle.objects.filter(pk=cycle.pk, status=OrderCycle.Status.DRAFT, opens_at__gt=now).update(opens_at=now)
        if not cycle_transition(cycle_id=cycle.pk, to=OrderCycle.Status.OPEN, expected=OrderCycle.Status.DRAFT):
            raise ValidationError(_("Someone else changed this cycle first; reload the page."))
    cycle.refresh_from_db()
    return cycle


def cycle_pickup_set(*, cycle: OrderCycle, settings: dict[int, dict]) -> None:
    """Which pickup points serve the cycle and how: {point id: {served, pickup_from, pickup_until, capacity,
    served_by}}. A point with orders keeps being served; capacity never drops below the orders it has."""
    if cycle.status not in EDITABLE:
        raise ValidationError(_("Pickup points can be changed until the cycle closes."))
    points = PickupPoint.objects.in_bulk(list(settings))
    with transaction.atomic():
        slots = {s.pickup_point_id: s for s in CyclePickupPoint.objects.select_for_update().filter(cycle=cycle)}
        for point_id, row in settings.items():
            point, slot = points.get(point_id), slots.get(point_id)
            if point is None:
                continue
            if not row.get("served"):
                if slot is not None:
                    if slot.orders_count or Order.objects.filter(pickup=slot).exists():
                        raise ValidationError(_("%(point)s has orders this cycle; it stays served.")
                                              % {"point": point.name})
                    slot.delete()
                continue
            if row["pickup_from"] >= row["pickup_until"]:
                raise ValidationError(_("%(point)s: collection must end after it starts.") % {"point": point.name})
            if slot is not None and row["capacity"] < slot.orders_count:
                raise ValidationError(_("%(point)s already has %(count)s orders; the maximum cannot be lower.")
                                      % {"point": point.name, "count": slot.orders_count})
            CyclePickupPoint.objects.update_or_create(
                cycle=cycle, pickup_point=point,
                defaults={"coop": cycle.coop, "pickup_from": row["pickup_from"], "pickup_until": row["pickup_until"],
                          "capacity": row["capacity"], "served_by": row["served_by"]})
