"""What the month's planned routes say about costs: km, hours and vehicle-days, and each order's km share.

The plan that counts for a cycle is logistics' `planning_run_effective` (the newest published plan, else the
newest ready one); a month is the cycles delivered in it, as everywhere in the economics.

Km share of an order: every route's km are shared by the orders it delivered, in proportion to their kg on
that route (a heavy order fills more of the van). A route that delivered nothing (a collection round bringing
goods from the farms to the hub) serves every order delivered in that plan, so its km are shared by all of
them, again by kg. Orders no route carried (collected at the hub, no plan) have no km share.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from logistics.models import Route, Stop
from logistics.services.impact import planning_run_effective
from orders.models import OrderCycle

ZERO = Decimal("0")


def _month_run_ids(first: date, following: date) -> list[int]:
    cycles = OrderCycle.objects.filter(delivery_date__gte=first, delivery_date__lt=following).order_by("pk")
    return [run.pk for run in (planning_run_effective(cycle) for cycle in cycles) if run is not None]


@dataclass(frozen=True)
class PlanningQuantities:
    km: Decimal
    hours: Decimal
    vehicle_days: Decimal  # one route is one vehicle on one day


def planning_quantities(first: date, following: date, *, vehicle_id: int | None = None) -> PlanningQuantities:
    routes = Route.objects.filter(run_id__in=_month_run_ids(first, following), km__gt=0)
    if vehicle_id is not None:
        routes = routes.filter(vehicle_id=vehicle_id)
    rows = list(routes.values_list("km", "hours"))
    return PlanningQuantities(km=sum((km for km, _h in rows), ZERO), hours=sum((h for _km, h in rows), ZERO),
                              vehicle_days=Decimal(len(rows)))


def _kg(entry) -> Decimal:
    try:
        return max(Decimal(str(entry.get("kg") or 0)), ZERO)
    except (ArithmeticError, ValueError):
        return ZERO


def _share(km: Decimal, loads: dict[int, Decimal], into: dict[int, Decimal]) -> None:
    total = sum(loads.values(), ZERO)
    for order_id, kg in loads.items():
        # by kg; when no kg is known, equally
        into[order_id] += km * kg / total if total else km / len(loads)


def km_shares(first: date, following: date, order_ids) -> dict[int | None, dict[int, Decimal]]:
    """{vehicle id: {order id: km}} plus the key None for all vehicles together. Only `order_ids` count."""
    wanted = set(order_ids)
    shares: dict[int | None, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    run_ids = _month_run_ids(first, following)
    routes = {pk: (run_id, vehicle_id, km) for pk, run_id, vehicle_id, km in
              Route.objects.filter(run_id__in=run_ids, km__gt=0).values_list("pk", "run_id", "vehicle_id", "km")}
    on_route: dict[int, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    in_run: dict[int, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    delivering = Stop.objects.filter(run_id__in=run_ids, route_id__in=list(routes), kind=Stop.Kind.DELIVER)
    for route_id, load in delivering.values_list("route_id", "load"):
        for entry in (load or {}).get("orders", []):
            if entry.get("id") in wanted:
                kg = _kg(entry)
                on_route[route_id][entry["id"]] += kg
                in_run[routes[route_id][0]][entry["id"]] += kg
    for route_id, (run_id, vehicle_id, km) in sorted(routes.items()):
        loads = on_route.get(route_id) or in_run.get(run_id)
        if not loads:
            continue
        _share(km, loads, shares[vehicle_id])
        _share(km, loads, shares[None])
    return {vehicle: dict(per_order) for vehicle, per_order in shares.items()}
