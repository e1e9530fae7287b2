"""Stored plans: the schedule and load profile of a route, writing routes and stops, and the independent check.

`evaluate_route` walks a sequence of engine stops for one vehicle with the engine's travel matrix: times
(earliest start, then leaving the depot as late as still gives the same return), km, cost, and the load on
board. The load model is physical: the vehicle leaves with the goods it delivers before its next visit to the
hub; a collection adds its load at the farm and unloads it at the hub, where the van also takes the next
deliveries. (The engine counts every load cumulatively from zero, which is never less than this, so an engine
plan always fits.) The same walk serves solver output and the fixer's manual moves, so figures agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from logistics.routing.checker import PlannedRoute, check_plan
from logistics.routing.matrix import TravelMatrix, default_matrix_provider
from logistics.routing.model import CRATES, Instance

from .planning_instance import HUB, KG, PlanningInput

EPS = 1e-6


@dataclass
class VisitPlan:
    stop_id: str
    arrival: float
    start: float
    departure: float
    on_board_kg: float  # after the visit
    on_board_crates: float


@dataclass
class RoutePlan:
    vehicle_key: str
    visits: list[VisitPlan]
    start: float
    end: float
    km: float
    empty_km: float
    cost: float
    peak_kg: float
    avg_kg: float
    peak_crates: float
    avg_crates: float
    violations: list[str] = field(default_factory=list)
    # The same problems for people: (late | shift | duration | skills | capacity, engine stop id or "").
    issues: list[tuple[str, str]] = field(default_factory=list)

    @property
    def hours(self) -> float:
        return (self.end - self.start) / 3600


def travel_matrix(instance: Instance) -> TravelMatrix:
    return default_matrix_provider(instance.locations).matrix(instance.locations)


def _earliest(windows, arrival: float) -> float | None:
    if not windows:
        return arrival
    for window in sorted(windows, key=lambda w: w.start):
        if arrival <= window.end + EPS:
            return max(arrival, window.start)
    return None


def _latest(windows, bound: float) -> float:
    if not windows:
        return bound
    candidates = [min(w.end, bound) for w in windows if w.start <= bound + EPS]
    return max(candidates) if candidates else bound


def evaluate_route(instance: Instance, matrix: TravelMatrix, vehicle_key: str, stop_ids: list[str]) -> RoutePlan:
    index = {location.id: i for i, location in enumerate(instance.locations)}
    vehicle = next(v for v in instance.vehicles if v.id == vehicle_key)
    stops = {stop.id: stop for stop in instance.all_stops()}
    role = {}
    for shipment in instance.shipments:
        role[shipment.pickup.id] = (shipment, "pickup")
        role[shipment.delivery.id] = (shipment, "delivery")
    sequence = [stops[s] for s in stop_ids if s in stops]
    violations = [f"unknown stop {s}" for s in stop_ids if s not in stops]
    issues: list[tuple[str, str]] = []

    def flag(code: str, stop_id: str, text: str) -> None:
        violations.append(text)
        issues.append((code, stop_id))
    path = [index[vehicle.start]] + [index[stop.location] for stop in sequence] + [index[vehicle.end_location]]

    def travel(k: int) -> float:
        return matrix.durations[path[k]][path[k + 1]] * vehicle.speed_factor

    def demand(stop) -> dict[str, float]:
        return role[stop.id][0].demand if stop.id in role else stop.demand

    services = [stop.service_time(demand(stop)) for stop in sequence]
    shift_start = vehicle.shift.start if vehicle.shift else 0.0
    shift_end = vehicle.shift.end if vehicle.shift else math.inf

    def forward(departure: float, report: bool) -> tuple[list[tuple[float, float]], float]:
        clock, times = departure, []
        for k, stop in enumerate(sequence):
            arrival = clock + travel(k)
            begin = _earliest(stop.windows, arrival)
            if begin is None:
                if report:
                    flag("late", stop.id, f"arrives at {stop.id} after its time window")
                begin = arrival
            times.append((arrival, begin))
            clock = begin + services[k]
        return times, clock + travel(len(sequence))

    times, finish = forward(shift_start, report=True)
    departure = shift_start
    if not violations and sequence:
        latest = finish - travel(len(sequence))
        for k in range(len(sequence) - 1, -1, -1):
            latest = _latest(sequence[k].windows, latest - services[k])
            if k:
                latest -= travel(k)
        departure = max(shift_start, min(latest - travel(0), shift_end))
        times, finish = forward(departure, report=False)
    if finish > shift_end + EPS:
        flag("shift", "", "returns after the end of the shift")
    if vehicle.max_duration is not None and finish - departure > vehicle.max_duration + EPS:
        flag("duration", "", "longer than the vehicle's longest shift")

    # Skills and the engine's (cumulative) capacity model.
    counted: dict[str, float] = {}
    for stop in sequence:
        needed = set(stop.skills)
        if stop.id in role:
            shipment = role[stop.id][0]
            needed |= shipment.pickup.skills | shipment.delivery.skills
        if not needed <= vehicle.skills:
            flag("skills", stop.id, f"{stop.id} needs {', '.join(sorted(needed - vehicle.skills))}")
        sign = -1.0 if stop.id in role and role[stop.id][1] == "delivery" else 1.0
        for name, amount in demand(stop).items():
            counted[name] = counted.get(name, 0.0) + sign * amount
            if amount and counted[name] > vehicle.capacity.get(name, math.inf) + EPS:
                flag("capacity", stop.id, f"too much {name} on board after {stop.id}")

    # Physical load: deliveries are loaded at the last hub visit before them (or at the start).
    def deliveries_until_hub(position: int) -> dict[str, float]:
        total: dict[str, float] = {}
        for stop in sequence[position:]:
            if stop.location == HUB:
                break
            if stop.id not in role:
                for name, amount in stop.demand.items():
                    total[name] = total.get(name, 0.0) + amount
        return total

    on_board = deliveries_until_hub(0)
    start_load = dict(on_board)
    loads = []
    for k, stop in enumerate(sequence):
        if stop.id in role:
            sign = 1.0 if role[stop.id][1] == "pickup" else -1.0
            for name, amount in role[stop.id][0].demand.items():
                on_board[name] = on_board.get(name, 0.0) + sign * amount
        else:
            for name, amount in stop.demand.items():
                on_board[name] = on_board.get(name, 0.0) - amount
        if stop.location == HUB and (k + 1 == len(sequence) or sequence[k + 1].location != HUB):
            for name, amount in deliveries_until_hub(k + 1).items():
                on_board[name] = on_board.get(name, 0.0) + amount
        loads.append(dict(on_board))
    for load in [start_load, *loads]:
        for name, amount in load.items():
            if amount > vehicle.capacity.get(name, math.inf) + EPS:
                flag("capacity", "", f"more {name} on board than the vehicle holds")
                break

    km = empty = 0.0
    weighted = {KG: 0.0, CRATES: 0.0}
    before = [start_load, *loads]
    for k in range(len(path) - 1):
        leg = matrix.distances[path[k]][path[k + 1]]
        km += leg
        load = before[k] if k < len(before) else {}
        if load.get(KG, 0.0) <= EPS and load.get(CRATES, 0.0) <= EPS:
            empty += leg
        for name in weighted:
            weighted[name] += load.get(name, 0.0) * leg
    if not sequence:
        km = empty = 0.0
    visits = [VisitPlan(stop.id, arrival, begin, begin + services[k], loads[k].get(KG, 0.0),
                        loads[k].get(CRATES, 0.0)) for k, (stop, (arrival, begin)) in enumerate(zip(sequence, times,
                                                                                                      strict=True))]
    hours = (finish - departure) / 3600 if sequence else 0.0
    cost = (vehicle.fixed_cost + vehicle.cost_per_km * km + vehicle.cost_per_hour * hours) if sequence else 0.0
    peaks = [start_load, *loads]
    return RoutePlan(
        vehicle_key=vehicle_key, visits=visits, start=departure, end=finish if sequence else departure, km=km,
        empty_km=empty, cost=cost,
        peak_kg=max((load.get(KG, 0.0) for load in peaks), default=0.0),
        avg_kg=weighted[KG] / km if km else 0.0,
        peak_crates=max((load.get(CRATES, 0.0) for load in peaks), default=0.0),
        avg_crates=weighted[CRATES] / km if km else 0.0,
        violations=list(dict.fromkeys(violations)), issues=list(dict.fromkeys(issues)),
    )


# --- writing a plan ------------------------------------------------------------------------------------------

def _dec(value: float, places: str = "0.01") -> Decimal:
    return Decimal(str(round(value, 4))).quantize(Decimal(places))


def _eta_window(data: PlanningInput, start: float, windows) -> tuple:
    margin = float(getattr(settings, "PLANNING_ETA_MARGIN_MINUTES", 30)) * 60
    low, high = start - margin, start + margin
    for window in windows:
        if window.start - EPS <= start <= window.end + EPS:
            low, high = max(low, window.start), min(high, window.end + margin)
    five = 300
    return data.datetime_at(math.floor(low / five) * five), data.datetime_at(math.ceil(high / five) * five)


def _describe(stop, data: PlanningInput, engine_stop) -> None:
    """Copy what the driver needs (place, window, what to load) from the task onto the stored stop."""
    from logistics.models import Stop

    task = data.task(stop.task_key)
    if task is None:
        return
    is_drop = stop.task_key != task.key
    stop.kind = Stop.Kind.DEPOT if is_drop else (Stop.Kind.DELIVER if task.kind == "deliver" else Stop.Kind.COLLECT)
    stop.shipment_key = task.key if task.kind == "collect" else ""
    stop.name = (data.hub_name if is_drop else task.name)[:200]
    stop.address = "" if is_drop else task.address[:300]
    stop.postcode = "" if is_drop else task.postcode
    lat, lon = data.hub if is_drop else (task.lat, task.lon)
    if lat is not None and lon is not None:
        stop.latitude, stop.longitude = _dec(lat, "0.00001"), _dec(lon, "0.00001")
    windows = engine_stop.windows if engine_stop is not None else ()
    stop.window_from = data.datetime_at(windows[0].start) if windows else None
    stop.window_until = data.datetime_at(windows[-1].end) if windows else None
    service = engine_stop.service_time({CRATES: task.crates}) if engine_stop is not None else task.service_fixed
    stop.service_minutes = _dec(service / 60, "0.1")
    stop.kg, stop.crates, stop.is_cooled = _dec(task.kg), task.crates, task.cooled
    stop.producer_id = task.producer_id
    stop.load = ({"collection": task.key, "from": task.name, "crates": task.load.get("crates", {}),
                  "goods": task.load.get("goods", [])} if is_drop else task.load)


def plan_store(run, data: PlanningInput, instance: Instance, matrix: TravelMatrix, routes: dict[str, list[str]],
               unassigned: dict[str, str], untouched: dict[str, list[str]] | None = None) -> None:
    """Write `routes` (vehicle key -> engine stop ids in order) and `unassigned` (task key -> reason) onto `run`,
    updating stops by task key so ids, pins and recorded events survive a re-plan. The routes in `untouched`
    (started routes of a vehicle that lost its shift, see planning_pins.py) stay exactly as stored. Call inside
    a transaction."""
    from logistics.models import Route, Stop

    data.freeze()
    known = {vehicle.id for vehicle in instance.vehicles}
    if set(routes) - known:
        raise ValueError(f"no shift in the instance for {sorted(set(routes) - known)}")
    untouched = untouched or {}
    engine_stops = {stop.id: stop for stop in instance.all_stops()}
    existing = {stop.task_key: stop for stop in Stop.objects.filter(run=run)}
    old_routes = {route.vehicle_key: route for route in Route.objects.filter(run=run)}
    plans = {key: evaluate_route(instance, matrix, key, ids) for key, ids in routes.items() if ids}
    drivers = _driver_picker(run, data, old_routes)
    kept_routes = {}
    for key, plan in plans.items():
        vehicle = data.vehicle(key)
        route = old_routes.get(key) or Route(coop=run.coop, run=run, vehicle_id=vehicle.vehicle_id, vehicle_key=key,
                                             day=vehicle.day)
        if route.pk is None or route.driver_id is None:
            route.driver_id = drivers(vehicle)
        _route_figures(route, plan, data, vehicle)
        route.save()
        kept_routes[key] = route
    writes, creates = [], []
    placed = {task_key for keys in untouched.values() for task_key in keys}
    for key, plan in plans.items():
        for position, visit in enumerate(plan.visits, start=1):
            stop = existing.get(visit.stop_id) or Stop(coop=run.coop, run=run, task_key=visit.stop_id)
            _describe(stop, data, engine_stops.get(visit.stop_id))
            stop.route, stop.sequence, stop.unassigned_reason = kept_routes[key], position, ""
            stop.arrival_at, stop.service_start_at = data.datetime_at(visit.arrival), data.datetime_at(visit.start)
            stop.eta_from, stop.eta_to = _eta_window(data, visit.start, engine_stops[visit.stop_id].windows)
            stop.load_after_kg, stop.load_after_crates = _dec(visit.on_board_kg), _dec(visit.on_board_crates, "0.1")
            (writes if stop.pk else creates).append(stop)
            placed.add(visit.stop_id)
    for task_key, reason in unassigned.items():
        task = data.task(task_key)
        keys = [task_key] + ([f"{task_key}:hub"] if task is not None and task.kind == "collect" else [])
        for stop_key in keys:
            if stop_key in placed:
                continue
            stop = existing.get(stop_key) or Stop(coop=run.coop, run=run, task_key=stop_key)
            _describe(stop, data, engine_stops.get(stop_key))
            _unassign(stop, reason)
            (writes if stop.pk else creates).append(stop)
            placed.add(stop_key)
    gone = [stop for key, stop in existing.items() if key not in placed]
    for stop in gone:
        if stop.status == Stop.Status.PLANNED and not stop.events.exists():
            stop.delete()
        else:
            _unassign(stop, "no longer part of the cycle")
            writes.append(stop)
    Stop.objects.bulk_create(creates, batch_size=500)
    Stop.objects.bulk_update(writes, STOP_FIELDS, batch_size=500)
    for key, route in old_routes.items():
        if key not in kept_routes and key not in untouched and not route.is_pinned:
            route.delete()
    run_totals(run)


STOP_FIELDS = ["route", "sequence", "kind", "shipment_key", "name", "address", "postcode", "latitude", "longitude",
               "arrival_at", "service_start_at", "eta_from", "eta_to", "window_from", "window_until",
               "service_minutes", "kg", "crates", "is_cooled", "load", "load_after_kg", "load_after_crates",
               "producer", "unassigned_reason"]


def _unassign(stop, reason: str) -> None:
    stop.route, stop.sequence, stop.unassigned_reason = None, None, (reason or "not planned")[:300]
    stop.arrival_at = stop.service_start_at = stop.eta_from = stop.eta_to = None
    stop.load_after_kg, stop.load_after_crates = Decimal("0"), Decimal("0")


def _route_figures(route, plan: RoutePlan, data: PlanningInput, vehicle) -> None:
    route.start_at, route.end_at = data.datetime_at(plan.start), data.datetime_at(plan.end)
    route.km, route.empty_km = _dec(plan.km), _dec(plan.empty_km)
    route.hours, route.cost = _dec(plan.hours), _dec(plan.cost)
    route.capacity_kg, route.capacity_crates = _dec(vehicle.capacity_kg, "0.1"), int(vehicle.capacity_crates)
    route.peak_kg, route.avg_kg = _dec(plan.peak_kg, "0.1"), _dec(plan.avg_kg, "0.1")
    route.peak_crates, route.avg_crates = _dec(plan.peak_crates, "0.1"), _dec(plan.avg_crates, "0.1")
    route.violations = plan.violations


def _driver_picker(run, data: PlanningInput, old_routes):
    """The driver who usually takes the vehicle and drives that day, else any free driver of that day."""
    from logistics.models import DriverProfile

    profiles = list(DriverProfile.objects.filter(is_active=True, membership__left_at__isnull=True,
                                                 membership__roles__contains=["driver"]).order_by("pk"))
    taken = {(route.day, route.driver_id) for route in old_routes.values() if route.driver_id}

    def pick(vehicle) -> int | None:
        weekday = vehicle.key.split("@", 1)[1][:3]
        free = [p for p in profiles if weekday in p.days and (vehicle.day, p.membership_id) not in taken]
        usual = [p for p in free if p.usual_vehicle_id == vehicle.vehicle_id]
        chosen = (usual or free or [None])[0]
        if chosen is None:
            return None
        taken.add((vehicle.day, chosen.membership_id))
        return chosen.membership_id

    return pick


def run_totals(run) -> None:
    from django.db.models import Count, Sum

    from logistics.models import Route, Stop

    totals = Route.objects.filter(run=run).aggregate(km=Sum("km"), hours=Sum("hours"), cost=Sum("cost"),
                                                     routes=Count("id"))
    run.total_km = totals["km"] or Decimal("0")
    run.total_hours = totals["hours"] or Decimal("0")
    run.total_cost = totals["cost"] or Decimal("0")
    run.vehicles_used = totals["routes"] or 0
    run.unassigned_count = Stop.objects.filter(run=run, route__isnull=True).exclude(kind=Stop.Kind.DEPOT).count()
    run.save(update_fields=["total_km", "total_hours", "total_cost", "vehicles_used", "unassigned_count"])


def stored_routes(run) -> dict[str, list[str]]:
    """vehicle key -> task keys in order, as stored."""
    from logistics.models import Stop

    routes: dict[str, list[str]] = {}
    for key, task_key in (Stop.objects.filter(run=run, route__isnull=False).order_by("route_id", "sequence")
                          .values_list("route__vehicle_key", "task_key")):
        routes.setdefault(key, []).append(task_key)
    return routes


def route_refresh(route, data: PlanningInput, instance: Instance, matrix: TravelMatrix) -> None:
    """Recompute a route's times, figures and warnings after a manual change (no solve)."""
    from logistics.models import Stop

    stops = list(Stop.objects.filter(route=route).order_by("sequence"))
    vehicle = data.vehicle(route.vehicle_key)
    if vehicle is None:
        # The vehicle lost this shift since (availability edited, taken out of service): renumber only; the
        # route shows why, and re-optimising plans its stops again (planning_pins.py).
        for position, stop in enumerate(stops, start=1):
            stop.sequence = position
        Stop.objects.bulk_update(stops, ["sequence"])
        route.violations = ["this vehicle is no longer available on that day"]
        route.save()
        return
    plan = evaluate_route(instance, matrix, route.vehicle_key, [s.task_key for s in stops])
    engine_stops = {stop.id: stop for stop in instance.all_stops()}
    visits = {visit.stop_id: visit for visit in plan.visits}
    for position, stop in enumerate(stops, start=1):
        stop.sequence = position
        visit = visits.get(stop.task_key)
        if visit is not None:
            stop.arrival_at, stop.service_start_at = data.datetime_at(visit.arrival), data.datetime_at(visit.start)
            stop.eta_from, stop.eta_to = _eta_window(data, visit.start, engine_stops[stop.task_key].windows)
            stop.load_after_kg, stop.load_after_crates = _dec(visit.on_board_kg), _dec(visit.on_board_crates, "0.1")
    Stop.objects.bulk_update(stops, ["sequence", "arrival_at", "service_start_at", "eta_from", "eta_to",
                                     "load_after_kg", "load_after_crates"])
    _route_figures(route, plan, data, vehicle)
    route.save()


@dataclass
class PlanCheck:
    feasible: bool
    violations: list[str]
    km: float
    checked_at: str = field(default_factory=lambda: timezone.now().isoformat())


def plan_check(run, data: PlanningInput, instance: Instance, matrix: TravelMatrix) -> PlanCheck:
    """Check the stored plan with the engine's independent checker (capacity per dimension at every stop, windows,
    skills such as cooling, pickup before delivery on one vehicle, shift and duration), plus the physical load
    on board against each vehicle's capacity."""
    from logistics.models import Stop

    routes = stored_routes(run)
    missing = list(Stop.objects.filter(run=run, route__isnull=True).exclude(kind=Stop.Kind.DEPOT)
                   .values_list("task_key", flat=True))
    report = check_plan(instance, [PlannedRoute(key, ids) for key, ids in routes.items()], matrix,
                        allowed_missing=missing)
    violations = list(report.violations)
    for key, ids in routes.items():
        if not any(v.id == key for v in instance.vehicles):
            continue
        plan = evaluate_route(instance, matrix, key, ids)
        violations += [f"{key}: {problem}" for problem in plan.violations if "on board than" in problem]
    return PlanCheck(not violations, violations, report.distance)

