"""The fixer's hand on a plan: move a stop to another route or position, pin stops and routes.

A move re-times the routes it touches at once (no solve) and stores the new km, hours, cost, load and any
warning (late for a window, too much on board, a cooled stop on a plain van), so the planning page can show
them immediately. A collection moves together with its unloading at the hub. Stops already visited and pinned
routes do not move.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from logistics.models import PlanningRun, Route, Stop, Vehicle

from .planning_instance import build_instance, planning_input_for_cycle
from .planning_store import _unassign, route_refresh, run_totals, travel_matrix

EDITABLE = (PlanningRun.Status.READY, PlanningRun.Status.PUBLISHED)


def _lock_run(run_id: int) -> PlanningRun:
    run = PlanningRun.objects.select_for_update().select_related("cycle__coop").get(pk=run_id)
    if run.status not in EDITABLE:
        raise ValidationError(_("This plan cannot be changed now (it is %(status)s).")
                              % {"status": run.get_status_display()})
    return run


def _ordered(route: Route, leaving: set[int]) -> list[Stop]:
    return [s for s in Stop.objects.filter(route=route).order_by("sequence") if s.pk not in leaving]


def stop_move(*, stop_id: int, route_id: int | None, position: int | None = None) -> Stop:
    """Put a stop on `route_id` at `position` (1-based; default: last), or leave it out with route_id None."""
    with transaction.atomic():
        stop = Stop.objects.select_related("route").get(pk=stop_id)
        run = _lock_run(stop.run_id)
        stop = Stop.objects.select_for_update(of=("self",)).select_related("route").get(pk=stop_id)
        if stop.status != Stop.Status.PLANNED:
            raise ValidationError(_("This stop was already visited; it cannot move."))
        if stop.route is not None and stop.route.is_pinned:
            raise ValidationError(_("This stop's route is pinned; unpin the route first."))
        target = Route.objects.filter(pk=route_id, run=run).first() if route_id else None
        if route_id and target is None:
            raise ValidationError(_("That route is not part of this plan."))
        if target is not None and target.is_pinned:
            raise ValidationError(_("That route is pinned; unpin it first."))
        drop = None
        if stop.kind == Stop.Kind.COLLECT:
            drop = Stop.objects.select_for_update().filter(run=run, task_key=f"{stop.task_key}:hub").first()
        elif stop.kind == Stop.Kind.DEPOT:
            pickup = Stop.objects.filter(run=run, task_key=stop.shipment_key).first()
            if target is None or pickup is None or pickup.route_id != target.pk:
                raise ValidationError(_("Unloading at the hub stays on the route that collected the goods."))
        moving = [s for s in (stop, drop) if s is not None]
        touched = {s.route for s in moving if s.route is not None}
        if target is None:
            for s in moving:
                _unassign(s, _("left out by the fixer"))
                s.save()
        else:
            _place(stop, drop, target, position)
            touched.add(target)
        _refresh(run, touched)
    stop.refresh_from_db()
    return stop


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
    Stop.objects.bulk_update(sequence, ["route", "sequence", "unassigned_reason"])


def _refresh(run: PlanningRun, routes) -> None:
    data = planning_input_for_cycle(run.cycle, Vehicle.objects.filter(pk__in=run.vehicle_ids))
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
