"""Where and when a coop delivers: pickup points, home-delivery zones and the cycle schedules, as the fixer
edits them. Keyword-only, atomic, a ValidationError with a clear message for anything refused."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.text import slugify
from django.utils.translation import gettext as _

from coop.geo import postcode_location
from orders.models import CyclePickupPoint, CycleSchedule, DeliveryZone, OrderCycle, PickupPoint
from orders.services.cycle_edits import EDITABLE


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
