"""Figures a coordinator (and a benchmark) wants to see about a plan."""

from __future__ import annotations

from dataclasses import dataclass

from .model import Instance, Solution


@dataclass
class RouteMetrics:
    vehicle_id: str
    stops: int
    distance: float
    duration: float  # end minus start of the route
    service: float
    waiting: float
    peak_load: dict[str, float]  # highest on-board amount per dimension
    utilisation: dict[str, float]  # peak load / capacity, per limited dimension
    cost: float


@dataclass
class PlanMetrics:
    vehicles: int
    stops_planned: int
    unassigned: int
    distance: float
    duration: float
    service: float
    waiting: float
    cost: float
    routes: list[RouteMetrics]


def gap_percent(value: float, reference: float) -> float:
    """How far `value` is above `reference`, in percent (negative when better)."""
    return (value / reference - 1.0) * 100.0


def plan_metrics(instance: Instance, solution: Solution) -> PlanMetrics:
    vehicles = {vehicle.id: vehicle for vehicle in instance.vehicles}
    routes = []
    for route in solution.routes:
        vehicle = vehicles[route.vehicle_id]
        service = sum(visit.departure - visit.start for visit in route.visits)
        waiting = sum(visit.start - visit.arrival for visit in route.visits)
        peak: dict[str, float] = {}
        for visit in route.visits:
            for name, amount in visit.load.items():
                peak[name] = max(peak.get(name, 0.0), amount)
        utilisation = {
            name: peak.get(name, 0.0) / capacity for name, capacity in vehicle.capacity.items() if capacity > 0
        }
        routes.append(
            RouteMetrics(
                route.vehicle_id,
                len(route.visits),
                route.distance,
                route.duration,
                service,
                waiting,
                peak,
                utilisation,
                route.cost,
            )
        )
    return PlanMetrics(
        vehicles=len(routes),
        stops_planned=sum(r.stops for r in routes),
        unassigned=len(solution.unassigned),
        distance=sum(r.distance for r in routes),
        duration=sum(r.duration for r in routes),
        service=sum(r.service for r in routes),
        waiting=sum(r.waiting for r in routes),
        cost=sum(r.cost for r in routes),
        routes=routes,
    )
