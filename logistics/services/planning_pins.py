"""Which pins a re-optimise can still honour (DESIGN.md 1.4: re-planning a plan keeps what was pinned).

Between pinning and re-optimising the world moves on: a vehicle loses its shift that day (availability edited,
taken out of service), an order is cancelled or a farm's goods are shorted to nothing, a window moves so the
pinned order can no longer be driven, a driver stops driving. Before the solve every stored pin is checked
against the cycle as it is now, and each pin that cannot be honoured is dealt with and told on the run
(planning_warnings.py):

- pins on a vehicle without that shift any more (a pinned route, pinned stops) are released: the stops go back
  into the pool and are planned again. A route that has started (stops already visited) is left as it was:
  what happened cannot be planned again.
- a pinned stop that is no longer part of the cycle leaves the plan (planning_store removes it, or keeps it
  unassigned when it has events).
- pinned stops whose order that vehicle can no longer drive (late for a window, past its shift, too much,
  cooling or area) are released: the engine treats a locked sequence as hard, so an impossible one would leave
  it without any plan. They are checked alone on their vehicle (with the other half of a collection), which is
  the best the engine could do with them. A pinned route is not solved, so it cannot make the solve fail: it is
  kept as pinned and its problem reported. Should the engine still find no plan, the run fails with a message
  and the stored plan stays as it was (planning.py); a locked stop the engine left out loses its pin.
- a route whose driver no longer drives that day gets another driver (planning_store's picker).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date

from logistics.models import DriverProfile, Route, Stop
from logistics.routing.matrix import TravelMatrix
from logistics.routing.model import Instance, LockedSequence

from .planning_instance import WEEKDAYS, PlanningInput
from .planning_store import evaluate_route
from .planning_warnings import INACTIVE, NO_SHIFT, warning

VISITED = (Stop.Status.ARRIVED, Stop.Status.DONE, Stop.Status.PROBLEM)


@dataclass
class _Stored:
    task_key: str
    name: str
    kind: str
    pinned: bool
    visited: bool


@dataclass
class _Route:
    key: str
    pinned: bool
    vehicle: str
    active: bool
    day: date
    stops: list[_Stored] = field(default_factory=list)


@dataclass
class Pins:
    locks: list[LockedSequence] = field(default_factory=list)
    frozen: dict[str, list[str]] = field(default_factory=dict)  # kept as they are, evaluated again
    untouched: dict[str, list[str]] = field(default_factory=dict)  # started, vehicle gone: left as stored
    released_stops: set[str] = field(default_factory=set)  # task keys whose pin is cleared
    released_routes: set[str] = field(default_factory=set)  # vehicle keys of routes no longer pinned
    warnings: list[dict] = field(default_factory=list)
    names: dict[str, tuple[str, str, date]] = field(default_factory=dict)  # locked stop -> place, vehicle, day

    def solve_input(self, data: PlanningInput) -> PlanningInput:
        """`data` without the routes kept out of the solve (their vehicles and tasks)."""
        kept = {**self.frozen, **self.untouched}
        taken = {key.removesuffix(":hub") for keys in kept.values() for key in keys}
        rest = replace(data, vehicles=[v for v in data.vehicles if v.key not in kept],
                       tasks=[t for t in data.tasks if t.key not in taken], _index=None)
        rest.freeze()
        return rest

    def locked_vehicles(self) -> str:
        return ", ".join(sorted({vehicle for _place, vehicle, _day in self.names.values()}))

    def after_solve(self, routes: dict[str, list[str]], unassigned: dict[str, str]) -> None:
        """A locked stop the engine left out (it found it unserviceable) keeps no pin it cannot have."""
        for lock in self.locks:
            planned = set(routes.get(lock.vehicle, ()))
            for stop_id in lock.stops:
                if stop_id not in planned and stop_id.removesuffix(":hub") in unassigned:
                    self.released_stops.add(stop_id)
                    if stop_id in self.names:  # (not again for a collection's unloading at the hub)
                        place, vehicle, day = self.names[stop_id]
                        self.warnings.append(warning("pin_dropped", vehicle=vehicle, day=day, place=place))


def _stored_routes(run) -> list[_Route]:
    routes: dict[str, _Route] = {}
    for route in Route.objects.filter(run=run).select_related("vehicle").order_by("pk"):
        routes[route.vehicle_key] = _Route(route.vehicle_key, route.is_pinned, route.vehicle.name,
                                           route.vehicle.is_active, route.day)
    for key, task_key, name, kind, pinned, status in (
            Stop.objects.filter(run=run, route__isnull=False).order_by("route_id", "sequence")
            .values_list("route__vehicle_key", "task_key", "name", "kind", "is_pinned", "status")):
        routes[key].stops.append(_Stored(task_key, name, kind, pinned, status in VISITED))
    return list(routes.values())


def _with_partners(route: _Route, chosen: list[_Stored]) -> list[str]:
    """The chosen stops with the other half of their collections on this route, in the route's order."""
    keys = {s.task_key for s in chosen}
    keys |= {f"{k}:hub" for k in list(keys)} | {k.removesuffix(":hub") for k in keys}
    return [s.task_key for s in route.stops if s.task_key in keys]


def _problem(instance: Instance, matrix: TravelMatrix, route: _Route, ids: list[str]) -> dict | None:
    """The first reason the vehicle cannot drive `ids` in this order, as warning fields; None when it can."""
    if not ids:
        return None
    plan = evaluate_route(instance, matrix, route.key, ids)
    if not plan.issues:
        return None
    reason, stop_id = plan.issues[0]
    names = {s.task_key: s.name for s in route.stops}
    return {"reason": reason, "place": names.get(stop_id, "")}


def pins_check(run, data: PlanningInput, instance: Instance, matrix: TravelMatrix) -> Pins:
    """What of the stored plan's pins the solve can honour; `instance` is the full instance of `data`."""
    pins = Pins()
    known = {stop.id for stop in instance.all_stops()}
    shifts = {vehicle.key for vehicle in data.vehicles}
    for route in _stored_routes(run):
        where = {"vehicle": route.vehicle, "day": route.day}
        for stop in route.stops:
            if stop.task_key not in known and (stop.pinned or route.pinned):
                pins.released_stops.add(stop.task_key)
                if stop.kind != Stop.Kind.DEPOT:
                    pins.warnings.append(warning("stop_gone", place=stop.name, **where))
        live = [s for s in route.stops if s.task_key in known]
        held = live if route.pinned else [s for s in live if s.pinned or s.visited]
        visited = [s for s in live if s.visited]
        if route.key not in shifts:
            if visited:
                pins.untouched[route.key] = [s.task_key for s in route.stops]
                pins.warnings.append(warning("started_kept", cause=_cause(route), **where))
                continue
            pins.released_stops |= {s.task_key for s in held if s.pinned}
            if route.pinned:
                pins.released_routes.add(route.key)
            count = sum(1 for s in held if s.kind != Stop.Kind.DEPOT)
            if count:
                pins.warnings.append(warning("released", cause=_cause(route), count=count, **where))
            continue
        if route.pinned:
            if not live and route.stops:  # everything on it left the cycle: nothing left to keep
                pins.released_routes.add(route.key)
                continue
            pins.frozen[route.key] = [s.task_key for s in live]
            problem = _problem(instance, matrix, route, pins.frozen[route.key])
            if problem:
                pins.warnings.append(warning("route_infeasible", **problem, **where))
            continue
        if not held:
            continue
        problem = _problem(instance, matrix, route, _with_partners(route, held))
        if problem:
            released = [s for s in held if not s.visited]
            if visited and _problem(instance, matrix, route, _with_partners(route, visited)):
                pins.frozen[route.key] = [s.task_key for s in live]  # started: keep it all as it is
                pins.warnings.append(warning("started_infeasible", **problem, **where))
                continue
            pins.released_stops |= {s.task_key for s in released}
            count = sum(1 for s in released if s.kind != Stop.Kind.DEPOT)
            pins.warnings.append(warning("pin_infeasible", count=count, **problem, **where))
            held = visited
        if held:
            pins.locks.append(LockedSequence(route.key, tuple(s.task_key for s in held)))
            pins.names.update({s.task_key: (s.name, route.vehicle, route.day) for s in held
                               if s.kind != Stop.Kind.DEPOT})
    return pins


def _cause(route: _Route) -> str:
    return NO_SHIFT if route.active else INACTIVE


def pins_release(run, pins: Pins) -> None:
    """Clear the pins that were released (inside the transaction that stores the new plan)."""
    if pins.released_stops:
        Stop.objects.filter(run=run, task_key__in=pins.released_stops).update(is_pinned=False)
    if pins.released_routes:
        Route.objects.filter(run=run, vehicle_key__in=pins.released_routes).update(is_pinned=False)


def drivers_release(run) -> dict[str, str]:
    """Take routes away from drivers who no longer drive on the route's day (left the coop, no longer a driver,
    not that weekday), so the plan picks another; a started route keeps its driver. Returns vehicle key -> the
    former driver's name. Inside the transaction that stores the new plan."""
    drives = defaultdict(set)
    for membership_id, days in DriverProfile.objects.filter(
            is_active=True, membership__left_at__isnull=True,
            membership__roles__contains=["driver"]).values_list("membership_id", "days"):
        drives[membership_id] |= set(days)
    started = set(Stop.objects.filter(run=run, status__in=VISITED).values_list("route_id", flat=True))
    stale = {}
    for route in Route.objects.filter(run=run, driver__isnull=False).select_related("driver__user"):
        if route.pk in started or WEEKDAYS[route.day.weekday()] in drives[route.driver_id]:
            continue
        stale[route.vehicle_key] = route.driver.user.get_full_name() or route.driver.user.email
    if stale:
        Route.objects.filter(run=run, vehicle_key__in=stale).update(driver=None, notified_at=None)
    return stale


def drivers_warnings(run, stale: dict[str, str]) -> list[dict]:
    """After the plan is stored: who took over each route of a former driver."""
    result = []
    for route in Route.objects.filter(run=run, vehicle_key__in=stale).select_related("vehicle", "driver__user"):
        new = (route.driver.user.get_full_name() or route.driver.user.email) if route.driver else ""
        result.append(warning("driver_changed", vehicle=route.vehicle.name, day=route.day,
                              driver=stale[route.vehicle_key], new=new))
    return result
