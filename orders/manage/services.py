"""Writes behind the fixer's pages that orders.services does not cover yet: editing a cycle, the per-cycle
pickup settings, and pickup points, delivery zones and schedules. Same style: keyword-only, atomic, a
ValidationError with a clear message for anything refused.
"""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from coop.geo import postcode_location
from orders.models import CyclePickupPoint, CycleSchedule, DeliveryZone, Order, OrderCycle, PickupPoint
from orders.services.cycles import BRUSSELS, cycle_transition

EDITABLE = (OrderCycle.Status.DRAFT, OrderCycle.Status.OPEN)


# --- cycles ---------------------------------------------------------------------------------------------

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


# --- pickup points, delivery zones, schedules -----------------------------------------------------------

def _save(instance, fields: dict):
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.full_clean(exclude=["coop"], validate_unique=False, validate_constraints=False)
    instance.save()
    return instance


def pickup_point_save(*, coop, point: PickupPoint | None = None, data: dict) -> PickupPoint:
    """Create or change a pickup point; without coordinates they come from the postcode (coop.geo)."""
    data = dict(data)
    data["key"] = slugify(data.get("key") or data.get("name") or "")[:60]
    if not data["key"]:
        raise ValidationError({"key": _("Give a name or a code.")})
    if PickupPoint.objects.filter(key=data["key"]).exclude(pk=point.pk if point else None).exists():
        raise ValidationError({"key": _("Another pickup point already has the code %(key)s.") % {"key": data["key"]}})
    if data.get("latitude") is None or data.get("longitude") is None:
        location = postcode_location(data.get("postcode", ""), data.get("city", ""))
        if location is None:
            raise ValidationError({"postcode": _("Unknown postcode: give the coordinates yourself.")})
        data["latitude"], data["longitude"] = location
    with transaction.atomic():
        return _save(point or PickupPoint(coop=coop), data)


def _remove(instance) -> bool:
    """Delete what was never used; deactivate what orders still point to. True when deleted."""
    try:
        with transaction.atomic():
            instance.delete()
        return True
    except ProtectedError:
        type(instance).objects.filter(pk=instance.pk).update(is_active=False)
        return False


def pickup_point_remove(*, point_id: int) -> bool:
    point = PickupPoint.objects.get(pk=point_id)
    with transaction.atomic():
        # Slots of cycles without orders there are just defaults: they go with the point.
        CyclePickupPoint.objects.filter(pickup_point=point, orders_count=0, orders__isnull=True).exclude(
            cycle__status__in=[s for s in OrderCycle.Status.values if s not in EDITABLE]).delete()
    return _remove(point)


def delivery_zone_save(*, coop, zone: DeliveryZone | None = None, data: dict) -> DeliveryZone:
    data = dict(data)
    data["postcodes"] = sorted({p.strip() for p in data.get("postcodes") or [] if p.strip()})
    if not data["postcodes"]:
        raise ValidationError({"postcodes": _("Give at least one postcode.")})
    if data.get("window_from") and data.get("window_until") and data["window_from"] >= data["window_until"]:
        raise ValidationError({"window_until": _("The delivery window must end after it starts.")})
    clash = (DeliveryZone.objects.filter(is_active=True, postcodes__overlap=data["postcodes"])
             .exclude(pk=zone.pk if zone else None).first())
    if clash is not None and data.get("is_active", True):
        raise ValidationError({"postcodes": _("Some postcodes are already in zone %(zone)s.") % {"zone": clash.name}})
    with transaction.atomic():
        return _save(zone or DeliveryZone(coop=coop), data)


def delivery_zone_remove(*, zone_id: int) -> bool:
    return _remove(DeliveryZone.objects.get(pk=zone_id))


def schedule_save(*, coop, schedule: CycleSchedule | None = None, data: dict) -> CycleSchedule:
    if data.get("weeks_ahead") is not None and not 1 <= data["weeks_ahead"] <= 12:
        raise ValidationError({"weeks_ahead": _("Between 1 and 12 weeks.")})
    with transaction.atomic():
        return _save(schedule or CycleSchedule(coop=coop), data)
