"""The fixer's hand on a plan: move a stop to another route or position, or onto a vehicle the plan does not use
yet (its route is made on the spot), pin stops and routes.

A move re-times the routes it touches at once (no solve) and stores the new km, hours, cost, load and any
warning (late for a window, too much on board, a cooled stop on a plain van), so the planning page can show
them immediately. A collection moves together with its unloading at the hub. Stops already visited and pinned
routes do not move. On a published plan every driver whose day changed is told, once the fixer stops editing
for a moment (route_changes.py).

A stop moved by hand is pinned where it was put (any move, onto a used vehicle or one brought into use): the
move is the fixer's decision, and re-optimising must keep it until the fixer unpins it. What the solve cannot
keep any more is released with a warning on the run (planning_pins.py), never dropped silently. A stop left out
loses its pin (it holds the stop on no vehicle).
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coop.tenancy.tasks import enqueue_on_commit
from logistics.models import PlanningRun, Route, Stop, Vehicle

from .planning_instance import PlanningInput, PlanVehicle, build_instance, planning_input_for_cycle
from .planning_store import _driver_picker, _unassign, route_refresh, run_totals, travel_matrix
from .route_changes import driver_days, route_changes_record

EDITABLE = (PlanningRun.Status.READY, PlanningRun.Status.PUBLISHED)


def _lock_run(run_id: int) -> PlanningRun:
    run = PlanningRun.objects.select_for_update().select_related("cycle__coop").get(pk=run_id)
    if run.status not in EDITABLE:
        raise ValidationError(_("This plan cannot be changed now (it is %(status)s).")
                              % {"status": run.get_status_display()})
    return run


def _ordered(route: Route, leaving: set[int]) -> list[Stop]:
    return [s for s in Stop.objects.filter(route=route).order_by("sequence") if s.pk not in leaving]


def stop_move(*, stop_id: int, route_id: int | None = None, position: int | None = None,
              vehicle_id: int | None = None, day: date | None = None, vehicle_key: str = "") -> Stop:
    """Put a stop on `route_id` at `position` (1-based; default: last), or leave it out with route_id None.

    With `vehicle_id` instead of a route the stop goes on that vehicle's route of the run: the shift
    `vehicle_key`, else its shift on `day`, else on the stop's own day. A vehicle the plan does not use yet gets
    its route (from and back to its home, as the solver would plan it; its usual driver when free), evaluated
    like the others. The stop (with its unloading at the hub) is pinned where it lands; a stop left out is
    unpinned. A route left without stops is removed."""
    with transaction.atomic():
        run = _lock_run(Stop.objects.values_list("run_id", flat=True).get(pk=stop_id))
        before = driver_days(run)  # a published plan: its drivers are told what changes (route_changes.py)
        stop = Stop.objects.select_related("route").get(pk=stop_id)
        data, shift = None, None
        if vehicle_id is not None:
            if route_id is not None:
                raise ValidationError(_("Move the stop to a route or to a vehicle, not both."))
            data = _planning_input(run, extra_vehicle=vehicle_id)
            shift = _vehicle_shift(run, data, stop, vehicle_id, day, vehicle_key)
            target = Route.objects.filter(run=run, vehicle_key=shift.key).first()
        else:
            target = Route.objects.filter(pk=route_id, run=run).first() if route_id else None
            if route_id and target is None:
                raise ValidationError(_("That route is not part of this plan."))
        drop_key = f"{stop.task_key}:hub" if stop.kind == Stop.Kind.COLLECT else None
        sources = set(Stop.objects.filter(run=run, task_key__in=[stop.task_key, drop_key], route__isnull=False)
                      .values_list("route_id", flat=True))
        # Same order as every edit: the run (above), then its routes by pk, then the stops.
        locked = {r.pk: r for r in Route.objects.select_for_update().filter(
            pk__in=sources | ({target.pk} if target else set())).order_by("pk")}
        target = locked.get(target.pk) if target else None
        stop = Stop.objects.select_for_update(of=("self",)).select_related("route").get(pk=stop_id)
        if stop.status != Stop.Status.PLANNED:
            raise ValidationError(_("This stop was already visited; it cannot move."))
        if stop.route_id is not None and locked[stop.route_id].is_pinned:
            raise ValidationError(_("This stop's route is pinned; unpin the route first."))
        if target is not None and target.is_pinned:
            raise ValidationError(_("That route is pinned; unpin it first."))
        drop = Stop.objects.select_for_update().filter(run=run, task_key=drop_key).first() if drop_key else None
        if stop.kind == Stop.Kind.DEPOT:
            pickup = Stop.objects.filter(run=run, task_key=stop.shipment_key).first()
            if target is None or pickup is None or pickup.route_id != target.pk:
                raise ValidationError(_("Unloading at the hub stays on the route that collected the goods."))
        moving = [s for s in (stop, drop) if s is not None]
        touched = {locked[s.route_id] for s in moving if s.route_id is not None}
        if target is None and shift is not None:
            target = _route_create(run, data, shift)
        if target is None:
            for s in moving:
                _unassign(s, _("left out by the fixer"))
                # else the solve would place it somewhere and the old pin would hold it there
                s.is_pinned = False
                s.save()
        else:
            _place(stop, drop, target, position)
            touched.add(target)
        _refresh(run, _drop_empty(touched), data)
        route_changes_record(run, before)
    stop.refresh_from_db()
    return stop


def _planning_input(run: PlanningRun, extra_vehicle: int | None = None) -> PlanningInput:
    ids = set(run.vehicle_ids) | ({extra_vehicle} if extra_vehicle is not None else set())
    return planning_input_for_cycle(run.cycle, Vehicle.objects.filter(pk__in=ids).select_related("home_hub"))


def _stop_day(run: PlanningRun, stop: Stop) -> date:
    if stop.route is not None:
        return stop.route.day
    if stop.window_from is not None:
        return timezone.localdate(stop.window_from)
    return run.cycle.delivery_date


def _vehicle_shift(run: PlanningRun, data: PlanningInput, stop: Stop, vehicle_id: int, day: date | None,
                   vehicle_key: str) -> PlanVehicle:
    """The vehicle's shift the stop goes on; a clear refusal for a vehicle this coop does not have, an inactive
    one, or one with no shift on that day."""
    vehicle = Vehicle.objects.filter(pk=vehicle_id).first()  # scoped: another coop's vehicle is not found
    if vehicle is None:
        raise ValidationError(_("There is no such vehicle in this cooperative's fleet."))
    if not vehicle.is_active and not Route.objects.filter(run=run, vehicle=vehicle).exists():
        raise ValidationError(_("%(vehicle)s is not in service.") % {"vehicle": vehicle.name})
    shifts = [v for v in data.vehicles if v.vehicle_id == vehicle.pk]
    if vehicle_key:
        shifts = [v for v in shifts if v.key == vehicle_key]
    else:
        day = day or _stop_day(run, stop)
        shifts = [v for v in shifts if v.day == day]
    if not shifts:
        when = day.strftime("%d/%m/%Y") if day else vehicle_key
        raise ValidationError(_("%(vehicle)s has no shift on %(day)s for this plan.")
                              % {"vehicle": vehicle.name, "day": when})
    used = set(Route.objects.filter(run=run, vehicle_key__in=[v.key for v in shifts])
               .values_list("vehicle_key", flat=True))
    return next((v for v in shifts if v.key in used), shifts[0])


def _route_create(run: PlanningRun, data: PlanningInput, shift: PlanVehicle) -> Route:
    """A route for a vehicle the plan did not use; its figures come from _refresh. The vehicle joins the run's
    vehicles so re-optimising and the check know it: the stop moved onto it is pinned, so a re-optimise keeps
    the vehicle in use with it (or says on the run why it could not)."""
    routes = {route.vehicle_key: route for route in Route.objects.filter(run=run)}
    driver = _driver_picker(run, data, routes)(shift)
    route = Route.objects.create(coop=run.coop, run=run, vehicle_id=shift.vehicle_id, vehicle_key=shift.key,
                                 day=shift.day, driver_id=driver)
    if shift.vehicle_id not in run.vehicle_ids:
        run.vehicle_ids = [*run.vehicle_ids, shift.vehicle_id]
        run.save(update_fields=["vehicle_ids"])
    if run.status == PlanningRun.Status.PUBLISHED and driver is not None:
        from logistics.tasks_planning import notify_planning_run

        enqueue_on_commit(notify_planning_run, run.coop_id, run.pk)  # mails only whoever was not told yet
    return route


def _drop_empty(routes) -> list[Route]:
    """A route that no longer visits anything is not driven: it goes (never a pinned one: nothing leaves it)."""
    kept = []
    for route in routes:
        if route.is_pinned or Stop.objects.filter(route=route).exists():
            kept.append(route)
        else:
            route.delete()
    return kept


def _place(stop: Stop, drop: Stop | None, target: Route, position: int | None) -> None:
    leaving = {stop.pk} | ({drop.pk} if drop else set())
    sequence = _ordered(target, leaving)
    index = len(sequence) if not position else max(0, min(len(sequence), int(position) - 1))
    if stop.kind == Stop.Kind.DEPOT:
        pickup_at = next((i for i, s in enumerate(sequence) if s.task_key == stop.shipment_key), -1)
        if index <= pickup_at:
            raise ValidationError(_("The goods are unloaded at the hub after they are collected."))
    sequence.insert(index, stop)
    if drop is not None:
        # Unload at the first hub visit after the farm, else at the end of the route.
        later = [i for i, s in enumerate(sequence) if i > index and s.kind == Stop.Kind.DEPOT]
        sequence.insert(later[0] if later else len(sequence), drop)
    for number, item in enumerate(sequence, start=1):
        item.route, item.sequence, item.unassigned_reason = target, number, ""
    for item in (stop, drop):
        if item is not None:
            item.is_pinned = True  # the fixer's decision survives re-optimising (see the module's docstring)
    Stop.objects.bulk_update(sequence, ["route", "sequence", "unassigned_reason", "is_pinned"])


def _refresh(run: PlanningRun, routes, data: PlanningInput | None = None) -> None:
    data = data or _planning_input(run)
    instance = build_instance(data, run.objective)
    matrix = travel_matrix(instance)
    for route in routes:
        route.refresh_from_db()
        route_refresh(route, data, instance, matrix)
    run_totals(run)


def stop_pin(*, stop_id: int, pinned: bool = True) -> Stop:
    """A pinned stop keeps its vehicle and its order among the pinned stops when the plan is re-optimised."""
    with transaction.atomic():
        stop = Stop.objects.get(pk=stop_id)
        _lock_run(stop.run_id)
        if stop.route_id is None:
            raise ValidationError(_("Only a stop on a route can be pinned."))
        Stop.objects.filter(pk=stop.pk).update(is_pinned=bool(pinned))
    stop.refresh_from_db()
    return stop


def route_pin(*, route_id: int, pinned: bool = True) -> Route:
    """A pinned route stays exactly as it is (vehicle, stops, order) when the plan is re-optimised."""
    with transaction.atomic():
        route = Route.objects.get(pk=route_id)
        _lock_run(route.run_id)
        Route.objects.filter(pk=route.pk).update(is_pinned=bool(pinned))
    route.refresh_from_db()
    return route
