"""What bundling transport brings, per cycle and per month: km, hours, cost, fill rate, CO2, and km saved.

The baseline is what the seed documents argue against: every farm drives its own goods to each of its
customers' destinations itself, one round per delivery day starting and ending at the farm, planned with the
same engine and the same travel matrix as the coop's rounds. It ignores time windows and vehicle size (a farm
would often need more than one trip), so it is, if anything, too kind to the farms: the savings shown are
conservative. The coop's side counts its rounds plus the trips of farms that bring their goods to the hub.

CO2 per vehicle-km comes from `settings.PLANNING_CO2_KG_PER_KM` (per vehicle kind), else the defaults below.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Q

from logistics.models import PlanningRun, Route, Stop
from logistics.routing.model import Instance, Location
from logistics.routing.model import Stop as EngineStop
from logistics.routing.model import Vehicle as EngineVehicle
from logistics.routing.solver import SolveOptions, solve

from .planning_instance import PlanningInput

# kg CO2e per vehicle-km. Van: UK DESNZ/BEIS greenhouse gas conversion factors 2023, "Vans, average (up to 3.5
# tonnes), diesel" (about 0.25). The rest are estimates: a refrigeration unit adds about a fifth; a small box
# truck about double a van; an e-cargo bike only its electricity.
CO2_KG_PER_KM = {
    "van": Decimal("0.25"), "van_cooled": Decimal("0.30"), "truck": Decimal("0.50"),
    "truck_cooled": Decimal("0.60"), "car": Decimal("0.17"), "cargo_bike": Decimal("0.01"),
}
CO2_SOURCE = ("UK DESNZ GHG conversion factors 2023 for an average diesel van (0.25 kg CO2e/km); other vehicle "
              "kinds are estimates. Override with settings.PLANNING_CO2_KG_PER_KM.")
BASELINE_KIND = "van"  # what a farm drives its goods to customers with
TWO = Decimal("0.01")


def co2_factor(kind: str) -> Decimal:
    factors = {**CO2_KG_PER_KM, **{k: Decimal(str(v)) for k, v in getattr(settings, "PLANNING_CO2_KG_PER_KM",
                                                                           {}).items()}}
    return factors.get(kind, factors["van"])


def _q(value) -> Decimal:
    return Decimal(str(value)).quantize(TWO, rounding=ROUND_HALF_UP)


def _pct(part, whole) -> Decimal | None:
    return _q(Decimal(str(part)) / Decimal(str(whole)) * 100) if whole else None


# --- the every-farm-alone baseline -----------------------------------------------------------------------------

def _farm_round_km(farm, points: list[tuple[str, float, float]]) -> float:
    """Shortest round from the farm past every destination and back (the engine, no windows, no capacity)."""
    if not points:
        return 0.0
    unique = list({(lat, lon): (key, lat, lon) for key, lat, lon in points}.values())
    if len(unique) == 1:
        _key, lat, lon = unique[0]
        return 2 * _road_km(farm.lat, farm.lon, lat, lon)
    locations = [Location("farm", lat=farm.lat, lon=farm.lon)]
    locations += [Location(key, lat=lat, lon=lon) for key, lat, lon in unique]
    instance = Instance(f"baseline-{farm.producer_id}", locations, [EngineVehicle("farm", start="farm")],
                        stops=[EngineStop(key, key) for key, _lat, _lon in unique])
    budget = min(2.0, 0.3 + 0.01 * len(unique))
    solution = solve(instance, SolveOptions(objective="distance", time_limit=budget, solution_limit=200, workers=1))
    return solution.distance


def _road_km(lat1, lon1, lat2, lon2) -> float:
    from logistics.routing.matrix import default_matrix_provider

    locations = [Location("a", lat=lat1, lon=lon1), Location("b", lat=lat2, lon=lon2)]
    return default_matrix_provider(locations).matrix(locations).distances[0][1]


def baseline_for_input(data: PlanningInput) -> dict:
    """Km of every farm driving alone, and of the farms' own trips to the hub in the coop's plan."""
    places = {task.key: (task.lat, task.lon) for task in data.tasks if task.kind == "deliver"}
    farms, total, own = [], 0.0, 0.0
    for farm in data.farms:
        if farm.lat is None or farm.lon is None:
            continue
        points = [(key, *places[key]) for key in farm.destinations if key in places]
        km = _farm_round_km(farm, points)
        to_hub = 2 * _road_km(farm.lat, farm.lon, *data.hub) if farm.brings_to_hub else 0.0
        total, own = total + km, own + to_hub
        farms.append({"producer": farm.producer_id, "name": farm.name, "destinations": len(points),
                      "km": str(_q(km)), "own_trip_to_hub_km": str(_q(to_hub))})
    factor = co2_factor(BASELINE_KIND)
    return {"km": str(_q(total)), "co2_kg": str(_q(Decimal(str(total)) * factor)), "own_trips_km": str(_q(own)),
            "own_trips_co2_kg": str(_q(Decimal(str(own)) * factor)), "farms": farms,
            "method": "every farm one round per delivery day from the farm past each of its customers' "
                      "destinations and back; same engine and matrix; no time windows or capacity"}


# --- figures of a plan -----------------------------------------------------------------------------------------

def planning_run_effective(cycle) -> PlanningRun | None:
    """The plan that counts for a cycle: the newest published (or done) one, else the newest ready one."""
    runs = PlanningRun.objects.filter(cycle=cycle)
    return (runs.filter(status__in=[PlanningRun.Status.PUBLISHED, PlanningRun.Status.DONE])
            .order_by("-published_at", "-pk").first()
            or runs.filter(status=PlanningRun.Status.READY).order_by("-planned_at", "-pk").first())


def _fill(peak, avg, capacity) -> dict:
    return {"peak_percent": _pct(peak, capacity), "average_percent": _pct(avg, capacity)}


def run_impact(run: PlanningRun) -> dict:
    routes = list(Route.objects.filter(run=run).select_related("vehicle").order_by("day", "vehicle__key"))
    counts = defaultdict(int)
    for route_id in Stop.objects.filter(run=run, route__isnull=False).exclude(kind=Stop.Kind.DEPOT).values_list(
            "route_id", flat=True):
        counts[route_id] += 1
    delivered = Stop.objects.filter(run=run, route__isnull=False, kind=Stop.Kind.DELIVER)
    orders = {entry["id"] for load in delivered.values_list("load", flat=True) for entry in load.get("orders", [])}
    kg = sum((stop_kg for stop_kg in delivered.values_list("kg", flat=True)), Decimal("0"))
    rows, km, hours, cost, empty, co2, peaks = [], Decimal("0"), Decimal("0"), Decimal("0"), Decimal("0"), \
        Decimal("0"), []
    for route in routes:
        route_co2 = route.km * co2_factor(route.vehicle.kind)
        fill_kg = _fill(route.peak_kg, route.avg_kg, route.capacity_kg)
        fill_crates = _fill(route.peak_crates, route.avg_crates, route.capacity_crates)
        peak = max(v for v in (fill_kg["peak_percent"], fill_crates["peak_percent"], Decimal("0")) if v is not None)
        peaks.append(peak)
        rows.append({
            "route": route.pk, "vehicle": route.vehicle.name, "kind": route.vehicle.kind, "day": route.day,
            "km": route.km, "empty_km": route.empty_km, "hours": route.hours, "cost": route.cost,
            "stops": counts[route.pk], "stops_per_hour": _q(counts[route.pk] / route.hours) if route.hours else None,
            "fill": {"kg": fill_kg, "crates": fill_crates, "peak_percent": peak}, "co2_kg": _q(route_co2),
        })
        km, hours, cost, empty, co2 = km + route.km, hours + route.hours, cost + route.cost, \
            empty + route.empty_km, co2 + route_co2
    baseline = run.baseline or {}
    own = Decimal(baseline.get("own_trips_km", "0"))
    own_co2 = Decimal(baseline.get("own_trips_co2_kg", "0"))
    base_km = run.baseline_km
    base_co2 = Decimal(baseline["co2_kg"]) if "co2_kg" in baseline else None
    stops = sum(counts.values())
    return {
        "planning_run": run.pk, "cycle": run.cycle_id, "status": run.status,
        "vehicle_km": _q(km), "vehicle_hours": _q(hours), "cost": _q(cost), "orders": len(orders), "kg": _q(kg),
        "km_per_order": _q(km / len(orders)) if orders else None,
        "cost_per_order": _q(cost / len(orders)) if orders else None,
        "km_per_kg": (km / kg).quantize(Decimal("0.0001")) if kg else None,
        "cost_per_kg": _q(cost / kg) if kg else None,
        "empty_km": _q(empty), "stops": stops, "stops_per_hour": _q(stops / hours) if hours else None,
        "average_peak_fill_percent": _q(sum(peaks) / len(peaks)) if peaks else None,
        "co2_kg": _q(co2), "co2_source": CO2_SOURCE, "routes": rows,
        "baseline": None if base_km is None else {
            "km": base_km, "co2_kg": base_co2, "method": baseline.get("method", ""), "farms": baseline.get("farms", []),
        },
        "farms_own_trips_km": _q(own),
        "saved": None if base_km is None else {
            "km": _q(base_km - km - own), "km_percent": _pct(base_km - km - own, base_km),
            "co2_kg": _q(base_co2 - co2 - own_co2) if base_co2 is not None else None,
            "co2_percent": _pct(base_co2 - co2 - own_co2, base_co2) if base_co2 else None,
        },
    }


def cycle_impact(cycle) -> dict | None:
    run = planning_run_effective(cycle)
    return None if run is None else run_impact(run)


SUMMED = ("vehicle_km", "vehicle_hours", "cost", "orders", "kg", "empty_km", "stops", "co2_kg",
          "farms_own_trips_km")


def month_impact(*, year: int, month: int) -> dict:
    """The month's cycles (by delivery date) added up, with the same ratios as per cycle."""
    from orders.models import OrderCycle

    first = date(year, month, 1)
    following = date(year + (month == 12), month % 12 + 1, 1)
    cycles = OrderCycle.objects.filter(Q(delivery_date__gte=first) & Q(delivery_date__lt=following)).order_by(
        "delivery_date")
    totals = dict.fromkeys(SUMMED, Decimal("0"))
    base_km = base_co2 = Decimal("0")
    own_co2 = Decimal("0")
    per_cycle, peaks = [], []
    for cycle in cycles:
        figures = cycle_impact(cycle)
        if figures is None:
            continue
        per_cycle.append({"cycle": cycle.pk, "delivery_date": cycle.delivery_date, "vehicle_km": figures["vehicle_km"],
                          "cost": figures["cost"], "saved": figures["saved"]})
        for name in SUMMED:
            totals[name] += Decimal(str(figures[name]))
        peaks += [row["fill"]["peak_percent"] for row in figures["routes"]]
        if figures["baseline"]:
            base_km += figures["baseline"]["km"]
            base_co2 += figures["baseline"]["co2_kg"] or 0
            own_co2 += Decimal((PlanningRun.objects.get(pk=figures["planning_run"]).baseline or {}).get(
                "own_trips_co2_kg", "0"))
    km, orders, kg, hours = totals["vehicle_km"], totals["orders"], totals["kg"], totals["vehicle_hours"]
    ours = km + totals["farms_own_trips_km"]
    return {
        "year": year, "month": month, "cycles": per_cycle, **{name: _q(value) for name, value in totals.items()},
        "orders": int(orders), "stops": int(totals["stops"]),
        "km_per_order": _q(km / orders) if orders else None,
        "cost_per_order": _q(totals["cost"] / orders) if orders else None,
        "cost_per_kg": _q(totals["cost"] / kg) if kg else None,
        "stops_per_hour": _q(totals["stops"] / hours) if hours else None,
        "average_peak_fill_percent": _q(sum(peaks) / len(peaks)) if peaks else None,
        "baseline_km": _q(base_km), "saved_km": _q(base_km - ours), "saved_km_percent": _pct(base_km - ours, base_km),
        "saved_co2_kg": _q(base_co2 - totals["co2_kg"] - own_co2),
        "saved_co2_percent": _pct(base_co2 - totals["co2_kg"] - own_co2, base_co2),
        "co2_source": CO2_SOURCE,
    }


