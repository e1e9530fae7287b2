"""Explains why a stop or shipment cannot be planned, before and after solving.

Before solving, each task is tried alone on every vehicle (skills, capacity, time windows, shift, maximum
duration). A task no vehicle can serve even on an empty route is left out of the model with the reason, so the
rest of the plan can still be made. After solving, optional tasks the search dropped get a reason too.
"""

from __future__ import annotations

import math

from .matrix import TravelMatrix
from .model import Instance, Stop, Vehicle

EPS = 1e-6


def unserviceable(instance: Instance, matrix: TravelMatrix) -> dict[str, str]:
    """Maps stop ids and shipment ids that no vehicle can serve on its own to a human-readable reason."""
    index = {location.id: i for i, location in enumerate(instance.locations)}
    reasons = {}
    for stop in instance.stops:
        reason = _why_not([stop], stop.skills, stop.demand, instance.vehicles, index, matrix)
        if reason:
            reasons[stop.id] = reason
    for shipment in instance.shipments:
        skills = shipment.pickup.skills | shipment.delivery.skills
        reason = _why_not(
            [shipment.pickup, shipment.delivery], skills, shipment.demand, instance.vehicles, index, matrix
        )
        if reason:
            reasons[shipment.id] = reason
    return reasons


def _why_not(stops: list[Stop], skills, demand, vehicles: list[Vehicle], index, matrix) -> str | None:
    skilled = [v for v in vehicles if skills <= v.skills]
    if not skilled:
        return f"no vehicle has the skills {sorted(skills)}"
    roomy = [
        v for v in skilled if all(amount <= v.capacity.get(name, math.inf) + EPS for name, amount in demand.items())
    ]
    if not roomy:
        too_big = sorted(
            name for name, amount in demand.items() if all(amount > v.capacity.get(name, math.inf) for v in skilled)
        )
        return f"demand exceeds the capacity of every suitable vehicle ({', '.join(too_big)})"
    for vehicle in roomy:
        if _fits_alone(vehicle, stops, demand or None, index, matrix):
            return None
    return (
        "cannot be reached within its time window and back within the shift / maximum duration of any suitable vehicle"
    )


def _fits_alone(vehicle: Vehicle, stops: list[Stop], demand, index, matrix: TravelMatrix) -> bool:
    path = [index[vehicle.start]] + [index[stop.location] for stop in stops] + [index[vehicle.end_location]]
    durations = matrix.durations
    shift_start = vehicle.shift.start if vehicle.shift else 0.0
    shift_end = vehicle.shift.end if vehicle.shift else math.inf
    services = [stop.service_time(demand) for stop in stops]

    def leg(k: int) -> float:
        return durations[path[k]][path[k + 1]] * vehicle.speed_factor

    clock = shift_start
    for k, stop in enumerate(stops):
        arrival = clock + leg(k)
        if stop.windows:
            usable = [w for w in sorted(stop.windows, key=lambda w: w.start) if arrival <= w.end + EPS]
            if not usable:
                return False
            arrival = max(arrival, usable[0].start)
        clock = arrival + services[k]
    finish = clock + leg(len(stops))
    if finish > shift_end + EPS:
        return False
    if vehicle.max_duration is None:
        return True
    # Leave as late as still allows that earliest finish: walk back through the windows.
    latest = finish - leg(len(stops))
    for k in range(len(stops) - 1, -1, -1):
        bound = latest - services[k]
        candidates = [min(w.end, bound) for w in stop_windows(stops[k]) if w.start <= bound + EPS]
        latest = max(candidates) if candidates else bound
        latest -= leg(k)
    return finish - min(latest, shift_end) <= vehicle.max_duration + EPS


def stop_windows(stop: Stop):
    return stop.windows or ()


def dropped_reason(penalty: float | None) -> str:
    if penalty is None:
        return "no feasible place found in the routes within the time limit"
    return "left out: serving it would cost more than its penalty, or the routes have no room left for it"
