"""Independent feasibility check of a plan, in floating point.

It deliberately shares no code with the solver: it re-reads the instance, walks each route with float travel
times (planar distances are recomputed here with math.hypot) and reports every violation it finds. A plan is
feasible when the list is empty.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from .matrix import TravelMatrix
from .model import Instance, Stop

EPS = 1e-6


@dataclass(frozen=True)
class PlannedRoute:
    vehicle_id: str
    stop_ids: Sequence[str]


@dataclass
class CheckReport:
    violations: list[str]
    distance: float
    vehicles: int

    @property
    def feasible(self) -> bool:
        return not self.violations


def check_plan(
    instance: Instance,
    routes: Sequence[PlannedRoute],
    matrix: TravelMatrix | None = None,
    allowed_missing: Sequence[str] = (),
) -> CheckReport:
    """`allowed_missing` lists optional stop or shipment ids the plan left out on purpose."""
    locations = {location.id: i for i, location in enumerate(instance.locations)}
    distances, durations = _float_matrix(instance, matrix)
    stops: dict[str, Stop] = {stop.id: stop for stop in instance.all_stops()}
    shipment_of = {}
    for shipment in instance.shipments:
        shipment_of[shipment.pickup.id] = (shipment, "pickup")
        shipment_of[shipment.delivery.id] = (shipment, "delivery")
    vehicles = {vehicle.id: vehicle for vehicle in instance.vehicles}
    violations: list[str] = []
    seen: dict[str, tuple[str, int]] = {}  # stop id -> (vehicle, position)
    total = 0.0
    used_vehicles = set()

    for route in routes:
        vehicle = vehicles.get(route.vehicle_id)
        if vehicle is None:
            violations.append(f"unknown vehicle {route.vehicle_id!r}")
            continue
        if route.vehicle_id in used_vehicles:
            violations.append(f"vehicle {route.vehicle_id!r} has more than one route")
        if not route.stop_ids:
            continue
        used_vehicles.add(route.vehicle_id)
        where = f"vehicle {vehicle.id!r}"
        path = [locations[vehicle.start]]
        load: dict[str, float] = {}
        for position, stop_id in enumerate(route.stop_ids):
            stop = stops.get(stop_id)
            if stop is None:
                violations.append(f"{where}: unknown stop {stop_id!r}")
                continue
            if stop_id in seen:
                violations.append(f"stop {stop_id!r} is visited more than once")
            seen[stop_id] = (vehicle.id, position)
            path.append(locations[stop.location])
            skills = set(stop.skills)
            if stop_id in shipment_of:
                shipment, role = shipment_of[stop_id]
                skills |= shipment.pickup.skills | shipment.delivery.skills
                sign = 1.0 if role == "pickup" else -1.0
                for name, amount in shipment.demand.items():
                    load[name] = load.get(name, 0.0) + sign * amount
            else:
                for name, amount in stop.demand.items():
                    load[name] = load.get(name, 0.0) + amount
            if not skills <= vehicle.skills:
                violations.append(f"{where}: lacks skills {sorted(skills - vehicle.skills)} for stop {stop_id!r}")
            for name, amount in load.items():
                if amount < -EPS:
                    violations.append(f"{where}: load of {name} below zero after stop {stop_id!r}")
                elif name in vehicle.capacity and amount > vehicle.capacity[name] + EPS:
                    violations.append(
                        f"{where}: {name} load {amount:g} exceeds capacity {vehicle.capacity[name]:g} "
                        f"after stop {stop_id!r}"
                    )
        path.append(locations[vehicle.end_location])
        total += sum(distances[a][b] for a, b in pairwise(path))
        known = [stops[s] for s in route.stop_ids if s in stops]
        violations += _check_schedule(vehicle, known, path, durations, shipment_of)

    for shipment in instance.shipments:
        placed = [seen.get(shipment.pickup.id), seen.get(shipment.delivery.id)]
        if placed[0] and placed[1]:
            if placed[0][0] != placed[1][0]:
                violations.append(f"shipment {shipment.id!r}: pickup and delivery on different vehicles")
            elif placed[0][1] > placed[1][1]:
                violations.append(f"shipment {shipment.id!r}: delivery before pickup")
        elif placed[0] or placed[1]:
            violations.append(f"shipment {shipment.id!r}: only one of pickup and delivery is planned")
        elif shipment.id not in allowed_missing or shipment.penalty is None:
            violations.append(f"shipment {shipment.id!r} is not planned")
    for stop in instance.stops:
        if stop.id not in seen and (stop.id not in allowed_missing or stop.penalty is None):
            violations.append(f"stop {stop.id!r} is not planned")
    violations += _check_locks(instance, seen)
    return CheckReport(violations, total, len(used_vehicles))


def _float_matrix(instance: Instance, matrix: TravelMatrix | None):
    if matrix is not None:
        return matrix.distances, matrix.durations
    points = [(location.x, location.y) for location in instance.locations]
    if any(x is None or y is None for x, y in points):
        raise ValueError("geographic instances need the travel matrix to be checked")
    distances = [[math.hypot(ax - bx, ay - by) for bx, by in points] for ax, ay in points]
    return distances, distances


def _check_schedule(vehicle, stops: list[Stop], path: list[int], durations, shipment_of) -> list[str]:
    """Earliest-start schedule forward, then the latest departure that still ends as early, for the span."""
    where = f"vehicle {vehicle.id!r}"
    shift_start = vehicle.shift.start if vehicle.shift else 0.0
    shift_end = vehicle.shift.end if vehicle.shift else math.inf
    services = []
    for stop in stops:
        if stop.id in shipment_of:
            services.append(stop.service_time(shipment_of[stop.id][0].demand))
        else:
            services.append(stop.service_time())

    def travel(k: int) -> float:  # from path[k] to path[k + 1]
        return durations[path[k]][path[k + 1]] * vehicle.speed_factor

    problems = []
    clock = shift_start
    starts = []
    for k, stop in enumerate(stops):
        arrival = clock + travel(k)
        begin = _earliest_in_windows(stop, arrival)
        if begin is None:
            problems.append(f"{where}: arrives at stop {stop.id!r} at {arrival:.4f}, after its time window")
            begin = arrival
        starts.append(begin)
        clock = begin + services[k]
    finish = clock + travel(len(stops))
    if finish > shift_end + EPS:
        problems.append(f"{where}: returns at {finish:.4f}, after the shift end {shift_end:g}")
    if vehicle.max_duration is not None and not problems:
        latest = finish - travel(len(stops))
        for k in range(len(stops) - 1, -1, -1):
            latest = _latest_in_windows(stops[k], latest - services[k])
            if k:
                latest -= travel(k)
        departure = min(latest - travel(0), shift_end)
        if finish - departure > vehicle.max_duration + EPS:
            problems.append(
                f"{where}: route takes {finish - departure:.4f}, more than max_duration {vehicle.max_duration:g}"
            )
    return problems


def _earliest_in_windows(stop: Stop, arrival: float) -> float | None:
    if not stop.windows:
        return arrival
    for window in sorted(stop.windows, key=lambda w: w.start):
        if arrival <= window.end + EPS:
            return max(arrival, window.start)
    return None


def _latest_in_windows(stop: Stop, bound: float) -> float:
    if not stop.windows:
        return bound
    candidates = [min(window.end, bound) for window in stop.windows if window.start <= bound + EPS]
    return max(candidates) if candidates else bound


def _check_locks(instance: Instance, seen: dict[str, tuple[str, int]]) -> list[str]:
    problems = []
    for lock in instance.locked:
        placed = [seen.get(stop_id) for stop_id in lock.stops]
        if any(p is None or p[0] != lock.vehicle for p in placed):
            problems.append(f"locked sequence on {lock.vehicle!r} is not all on that vehicle")
            continue
        positions = [p[1] for p in placed]
        if positions != sorted(positions):
            problems.append(f"locked sequence on {lock.vehicle!r} is out of order")
        elif lock.contiguous and positions != list(range(positions[0], positions[0] + len(positions))):
            problems.append(f"locked sequence on {lock.vehicle!r} is not contiguous")
    return problems
