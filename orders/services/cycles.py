"""Order cycles: generation from a schedule (DST-safe), and state moves by conditional updates."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.models import CyclePickupPoint, CycleSchedule, OrderCycle, PickupPoint

BRUSSELS = ZoneInfo("Europe/Brussels")
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

# Allowed moves; anything else is refused. Later issues move closed -> packed -> delivered -> settled.
TRANSITIONS = {
    OrderCycle.Status.DRAFT: {OrderCycle.Status.OPEN, OrderCycle.Status.CANCELLED},
    OrderCycle.Status.OPEN: {OrderCycle.Status.CLOSING, OrderCycle.Status.CANCELLED},
    OrderCycle.Status.CLOSING: {OrderCycle.Status.CLOSED},
    OrderCycle.Status.CLOSED: {OrderCycle.Status.PACKED},
    OrderCycle.Status.PACKED: {OrderCycle.Status.DELIVERED},
    OrderCycle.Status.DELIVERED: {OrderCycle.Status.SETTLED},
}


def local_datetime(day: date, at: time) -> datetime:
    """A wall-clock time in Brussels on a day, as an aware datetime (correct on DST change days)."""
    return datetime.combine(day, at, tzinfo=BRUSSELS)


def _weekday_on_or_before(delivery: date, weekday: str) -> date:
    """The latest `weekday` on or before `delivery` (the week's opening/cut-off before its delivery)."""
    back = (delivery.weekday() - WEEKDAYS.index(weekday)) % 7
    return delivery - timedelta(days=back)


def schedule_dates(schedule: CycleSchedule, delivery: date) -> tuple[datetime, datetime]:
    cutoff_day = _weekday_on_or_before(delivery, schedule.cutoff_weekday)
    opens_day = _weekday_on_or_before(cutoff_day, schedule.opens_weekday)
    opens_at, cutoff_at = local_datetime(opens_day, schedule.opens_time), local_datetime(cutoff_day,
                                                                                        schedule.cutoff_time)
    if opens_at >= cutoff_at:  # same weekday for both: open a week earlier
        opens_at = local_datetime(opens_day - timedelta(days=7), schedule.opens_time)
    return opens_at, cutoff_at


def cycle_generate(*, schedule: CycleSchedule, now: datetime | None = None) -> list[OrderCycle]:
    """Create the schedule's cycles for the coming `weeks_ahead` weeks; running it again adds nothing."""
    now = now or timezone.now()
    today = timezone.localtime(now, BRUSSELS).date()
    first = today + timedelta(days=(WEEKDAYS.index(schedule.delivery_weekday) - today.weekday()) % 7)
    created = []
    for week in range(schedule.weeks_ahead):
        delivery = first + timedelta(weeks=week)
        opens_at, cutoff_at = schedule_dates(schedule, delivery)
        if cutoff_at <= now:
            continue
        cycle, was_created = OrderCycle.objects.get_or_create(
            schedule=schedule, delivery_date=delivery,
            defaults={"coop": schedule.coop, "opens_at": opens_at, "cutoff_at": cutoff_at,
                      "name": _("Week %(week)s — delivery %(day)s") % {
                          "week": delivery.isocalendar().week, "day": delivery.strftime("%d/%m/%Y")}},
        )
        if was_created:
            cycle_add_default_pickup_points(cycle=cycle)
            created.append(cycle)
    return created


def cycle_add_default_pickup_points(*, cycle: OrderCycle, collect_from: time = time(16, 0),
                                    collect_until: time = time(19, 0)) -> None:
    """Serve every active pickup point in a new cycle; the fixer can change it per cycle."""
    for point in PickupPoint.objects.filter(is_active=True):
        CyclePickupPoint.objects.get_or_create(
            cycle=cycle, pickup_point=point,
            defaults={"coop": cycle.coop, "capacity": point.capacity_orders,
                      "pickup_from": local_datetime(cycle.delivery_date, collect_from),
                      "pickup_until": local_datetime(cycle.delivery_date, collect_until)},
        )


def cycle_create(*, coop, name: str, opens_at: datetime, cutoff_at: datetime, delivery_date: date) -> OrderCycle:
    if opens_at >= cutoff_at:
        raise ValidationError({"cutoff_at": _("The cut-off must come after the opening.")})
    if delivery_date < timezone.localtime(cutoff_at, BRUSSELS).date():
        raise ValidationError({"delivery_date": _("Delivery cannot be before the cut-off.")})
    with transaction.atomic():
        cycle = OrderCycle.objects.create(coop=coop, name=name, opens_at=opens_at, cutoff_at=cutoff_at,
                                          delivery_date=delivery_date)
        cycle_add_default_pickup_points(cycle=cycle)
    return cycle


def cycle_transition(*, cycle_id: int, to: str, expected: str | None = None) -> bool:
    """Move a cycle by a conditional update on its current state; False if another worker moved it first."""
    cycle = OrderCycle.objects.get(pk=cycle_id)
    current = expected or cycle.status
    if to not in TRANSITIONS.get(current, set()):
        raise ValidationError(_("A cycle cannot go from %(from)s to %(to)s.") % {"from": current, "to": to})
    return bool(OrderCycle.objects.filter(pk=cycle_id, status=current).update(status=to))


def cycle_open_due(*, now: datetime | None = None) -> list[int]:
    """Open every draft cycle whose opening time has come (the beat task calls this per coop)."""
    now = now or timezone.now()
    opened = []
    for cycle_id in OrderCycle.objects.filter(status=OrderCycle.Status.DRAFT, opens_at__lte=now,
                                              cutoff_at__gt=now).values_list("pk", flat=True):
        if OrderCycle.objects.filter(pk=cycle_id, status=OrderCycle.Status.DRAFT).update(
                status=OrderCycle.Status.OPEN):
            opened.append(cycle_id)
    return opened


def cycle_extend(*, cycle_id: int, cutoff_at: datetime) -> OrderCycle:
    """Move the cut-off later (or earlier, but not into the past) while the cycle is not closed yet."""
    with transaction.atomic():
        cycle = OrderCycle.objects.select_for_update().get(pk=cycle_id)
        if cycle.status not in (OrderCycle.Status.DRAFT, OrderCycle.Status.OPEN):
            raise ValidationError(_("Only a draft or open cycle can be changed."))
        if cutoff_at <= max(cycle.opens_at, timezone.now()):
            raise ValidationError({"cutoff_at": _("The cut-off must be after the opening and in the future.")})
        cycle.cutoff_at = cutoff_at
        cycle.save(update_fields=["cutoff_at"])
    return cycle


def cycle_cancel(*, cycle_id: int) -> None:
    """Cancel a cycle that has not closed; its orders are cancelled and their reservations released."""
    from .ordering import order_cancel_all_of_cycle

    with transaction.atomic():
        cycle = OrderCycle.objects.select_for_update().get(pk=cycle_id)
        if cycle.status not in (OrderCycle.Status.DRAFT, OrderCycle.Status.OPEN):
            raise ValidationError(_("Only a draft or open cycle can be cancelled."))
        order_cancel_all_of_cycle(cycle=cycle)
        cycle.status = OrderCycle.Status.CANCELLED
        cycle.save(update_fields=["status"])


def cycle_accepts_orders(cycle: OrderCycle, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return cycle.status == OrderCycle.Status.OPEN and cycle.opens_at <= now < cycle.cutoff_at
