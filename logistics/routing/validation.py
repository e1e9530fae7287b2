"""Checks an instance before solving, so bad input fails loudly instead of yielding a strange plan."""

from __future__ import annotations

import math
from collections import Counter
from itertools import pairwise

from .model import Instance, Stop, TimeWindow


class InstanceError(ValueError):
    """The instance cannot be solved as given. `problems` lists every issue found, not just the first."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("invalid routing instance: " + "; ".join(problems))


def validate_instance(instance: Instance) -> None:
    problems: list[str] = []
    location_ids = {location.id for location in instance.locations}
    _check_locations(instance, problems)
    if not instance.vehicles:
        problems.append("no vehicles")
    _duplicates("vehicle", [vehicle.id for vehicle in instance.vehicles], problems)
    _duplicates("stop", [stop.id for stop in instance.all_stops()], problems)
    _duplicates("shipment", [shipment.id for shipment in instance.shipments], problems)

    for vehicle in instance.vehicles:
        where = f"vehicle {vehicle.id!r}"
        for role, location in (("start", vehicle.start), ("end", vehicle.end_location)):
            if location not in location_ids:
                problems.append(f"{where}: unknown {role} location {location!r}")
        if vehicle.shift is not None:
            _check_window(where + " shift", vehicle.shift, problems)
        if vehicle.max_duration is not None and not vehicle.max_duration >= 0:
            problems.append(f"{where}: max_duration must be >= 0")
        _check_amounts(where + " capacity", vehicle.capacity, problems)
        for name, value in (
            ("fixed_cost", vehicle.fixed_cost),
            ("cost_per_km", vehicle.cost_per_km),
            ("cost_per_hour", vehicle.cost_per_hour),
        ):
            if not (math.isfinite(value) and value >= 0):
                problems.append(f"{where}: {name} must be a finite number >= 0")
        if not (math.isfinite(vehicle.speed_factor) and vehicle.speed_factor > 0):
            problems.append(f"{where}: speed_factor must be > 0")

    for stop in instance.stops:
        _check_stop(stop, location_ids, problems)
        _check_amounts(f"stop {stop.id!r} demand", stop.demand, problems)
    for shipment in instance.shipments:
        where = f"shipment {shipment.id!r}"
        for stop in (shipment.pickup, shipment.delivery):
            _check_stop(stop, location_ids, problems)
            if stop.demand:
                problems.append(f"{where}: put the load on the shipment, not on its stop {stop.id!r}")
        _check_amounts(where + " demand", shipment.demand, problems)
        _check_penalty(where, shipment.penalty, problems)
    _check_locks(instance, problems)
    if problems:
        raise InstanceError(problems)


def _check_locations(instance: Instance, problems: list[str]) -> None:
    _duplicates("location", [location.id for location in instance.locations], problems)
    kinds = set()
    for location in instance.locations:
        if location.is_planar:
            kinds.add("planar")
            values = (location.x, location.y)
        elif location.is_geographic:
            kinds.add("geographic")
            values = (location.lat, location.lon)
            if not (-90 <= location.lat <= 90 and -180 <= location.lon <= 180):
                problems.append(f"location {location.id!r}: latitude/longitude out of range")
        else:
            problems.append(f"location {location.id!r}: needs lat/lon or x/y")
            continue
        if not all(math.isfinite(value) for value in values):
            problems.append(f"location {location.id!r}: coordinates must be finite")
    if len(kinds) > 1:
        problems.append("locations mix planar x/y and geographic lat/lon")


def _check_stop(stop: Stop, location_ids: set[str], problems: list[str]) -> None:
    where = f"stop {stop.id!r}"
    if stop.location not in location_ids:
        problems.append(f"{where}: unknown location {stop.location!r}")
    if not (stop.service_fixed >= 0 and stop.service_per_crate >= 0):
        problems.append(f"{where}: service time must be >= 0")
    for window in stop.windows:
        _check_window(where + " window", window, problems)
    ordered = sorted(stop.windows, key=lambda window: window.start)
    for earlier, later in pairwise(ordered):
        if later.start <= earlier.end:
            problems.append(f"{where}: time windows overlap or touch; merge them")
    _check_penalty(where, stop.penalty, problems)


def _check_window(where: str, window: TimeWindow, problems: list[str]) -> None:
    if not (math.isfinite(window.start) and math.isfinite(window.end)):
        problems.append(f"{where}: bounds must be finite")
    elif window.end < window.start:
        problems.append(f"{where}: ends ({window.end}) before it starts ({window.start})")
    elif window.start < 0:
        problems.append(f"{where}: starts before time 0")


def _check_amounts(where: str, amounts: dict[str, float], problems: list[str]) -> None:
    for dimension, value in amounts.items():
        if not math.isfinite(value):
            problems.append(f"{where}: {dimension} must be finite")
        elif value < 0:
            problems.append(f"{where}: negative {dimension} ({value})")


def _check_penalty(where: str, penalty: float | None, problems: list[str]) -> None:
    if penalty is not None and not (math.isfinite(penalty) and penalty >= 0):
        problems.append(f"{where}: penalty must be a finite number >= 0 (or None for mandatory)")


def _check_locks(instance: Instance, problems: list[str]) -> None:
    stops = {stop.id: stop for stop in instance.all_stops()}
    vehicles = {vehicle.id: vehicle for vehicle in instance.vehicles}
    skills_needed = {stop.id: stop.skills for stop in instance.stops}
    for shipment in instance.shipments:
        both = shipment.pickup.skills | shipment.delivery.skills
        skills_needed[shipment.pickup.id] = skills_needed[shipment.delivery.id] = both
    locked_somewhere: Counter[str] = Counter()
    for lock in instance.locked:
        where = f"locked sequence on {lock.vehicle!r}"
        vehicle = vehicles.get(lock.vehicle)
        if vehicle is None:
            problems.append(f"{where}: unknown vehicle")
        for stop_id in lock.stops:
            locked_somewhere[stop_id] += 1
            if stop_id not in stops:
                problems.append(f"{where}: unknown stop {stop_id!r}")
            elif vehicle is not None and not skills_needed[stop_id] <= vehicle.skills:
                problems.append(f"{where}: the vehicle lacks skills for stop {stop_id!r}")
    problems.extend(
        f"stop {stop_id!r} is locked more than once" for stop_id, count in locked_somewhere.items() if count > 1
    )


def _duplicates(kind: str, ids: list[str], problems: list[str]) -> None:
    problems.extend(f"duplicate {kind} id {item!r}" for item, count in Counter(ids).items() if count > 1)
