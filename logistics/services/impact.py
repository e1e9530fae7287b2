"""What bundling transport brings, per cycle and per month: km, hours, cost, fill rate, CO2, and km saved.

The baseline is what the seed documents argue against: every farm drives its own goods to each of its
customers' destinations itself, one round per delivery day starting and ending at the farm, planned with the
same engine and the same travel matrix as the coop's rounds. It ignores time windows and vehicle size (a farm
would often need more than one trip), so it is, if anything, too kind to the farms: the savings shown are
conservative. The coop's side counts its rounds plus the trips of farms that bring their goods to the hub.

CO2 per vehicle-km: `settings.PLANNING_CO2_KG_PER_KM` (environment variable of the same name, e.g.
"van=0.27,van_cooled=0.33,van:electric=0.05"; keys are a vehicle kind, or kind:energy), else the defaults below.
The figures are computed when asked, so a changed factor applies to past plans too (baseline included).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Q

from logistics.models import PlanningRun, Route, Stop, Vehicle
from logistics.routing.model import Instance, Location
from logistics.routing.model import Stop as EngineStop
from logistics.routing.model import Vehicle as EngineVehicle
from logistics.routing.solver import SolveOptions, solve

from .planning_instance import PlanningInput

# kg CO2e per vehicle-km. Van: UK DESNZ/BEIS greenhouse gas conversion factors 2023, "Vans, average (up to 3.5
# tonnes), diesel" (about 0.25). The rest are estimates: a refrigeration unit adds about a fifth; a small box
# truck about double a van; an e-cargo bike only its electricity; an electric van or car about 0.25 resp. 0.17
# kWh/km at roughly 0.17 kg CO2e/kWh (Belgian grid mix).
CO2_KG_PER_KM = {
    "van": Decimal("0.25"), "van_cooled": Decimal("0.30"), "truck": Decimal("0.50"),
    "truck_cooled": Decimal("0.60"), "car": Decimal("0.17"), "cargo_bike": Decimal("0.01"),
    "van:electric": Decimal("0.04"), "van_cooled:electric": Decimal("0.05"), "car:electric": Decimal("0.03"),
    "cargo_bike:muscle": Decimal("0"),
}
CO2_SOURCE = ("UK DESNZ GHG conversion factors 2023 for an average diesel van (0.25 kg CO2e/km); other vehicle "
              "kinds are estimates. Override with the PLANNING_CO2_KG_PER_KM setting.")
BASELINE_KIND = "van"  # what a farm drives its goods to customers with
TWO = Decimal("0.01")
ZERO = Decimal("0")


def co2_factors() -> dict[str, Decimal]:
    configured = getattr(settings, "PLANNING_CO2_KG_PER_KM", None) or {}
    return {**CO2_KG_PER_KM, **{str(k): Decimal(str(v)) for k, v in configured.items()}}


def co2_factor(kind: str, energy: str = "") -> Decimal:
    """kg CO2e per km of a vehicle kind (and energy: an electric van is not a diesel van); unknown: a van's."""
    factors = co2_factors()
    return factors.get(f"{kind}:{energy}", factors.get(kind, factors["van"]))


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


COUNTED = (PlanningRun.Status.READY, PlanningRun.Status.PUBLISHED, PlanningRun.Status.DONE)


def planned_cycles():
    """Cycles that have a plan the figures can be taken from, newest delivery first."""
    from orders.models import OrderCycle

    return OrderCycle.objects.filter(pk__in=PlanningRun.objects.filter(status__in=COUNTED).values("cycle_id")
                                     ).order_by("-delivery_date", "-pk")


def _fill(peak, avg, capacity) -> dict:
    return {"peak": _q(peak), "average": _q(avg), "capacity": _q(capacity), "peak_percent": _pct(peak, capacity),
            "average_percent": _pct(avg, capacity)}


def _ratios(*, km, hours, cost, orders, kg, stops) -> dict:
    """What a km, an hour, an order and a kg come to; None where the divisor is nothing."""
    return {
        "km_per_order": _q(km / orders) if orders else None,
        "cost_per_order": _q(cost / orders) if orders else None,
        "km_per_kg": (km / kg).quantize(Decimal("0.0001")) if kg else None,
        "cost_per_kg": _q(cost / kg) if kg else None,
        "stops_per_hour": _q(stops / hours) if hours else None,
    }


def _saved(*, base_km, km, own_km, co2, own_co2) -> dict | None:
    """Against every farm alone: the coop's rounds only (vehicle-km), and the whole system, i.e. the rounds plus
    the trips farms still make to bring their goods to the hub (km, the headline figure)."""
    if base_km is None:
        return None
    base_co2 = base_km * co2_factor(BASELINE_KIND)
    return {
        "vehicle_km": _q(base_km - km), "vehicle_km_percent": _pct(base_km - km, base_km),
        "km": _q(base_km - km - own_km), "km_percent": _pct(base_km - km - own_km, base_km),
        "co2_kg": _q(base_co2 - co2 - own_co2), "co2_percent": _pct(base_co2 - co2 - own_co2, base_co2),
    }


def _average(values) -> Decimal | None:
    values = [v for v in values if v is not None]
    return _q(sum(values) / len(values)) if values else None


def _by_kind(rows) -> list[dict]:
    """km and CO2 per vehicle kind and energy, with the factor used."""
    kinds: dict[tuple[str, str], dict] = {}
    labels = dict(Vehicle.Kind.choices)
    for row in rows:
        entry = kinds.setdefault((row["kind"], row["energy"]), {
            "kind": row["kind"], "energy": row["energy"], "label": str(labels.get(row["kind"], row["kind"])),
            "co2_factor": row["co2_factor"], "km": ZERO, "co2_kg": ZERO})
        entry["km"] += row["km"]
        entry["co2_kg"] += row["co2_kg"]
    return sorted(kinds.values(), key=lambda entry: (-entry["km"], entry["kind"]))


def run_impact(run: PlanningRun) -> dict:
    routes = list(Route.objects.filter(run=run).select_related("vehicle").order_by("day", "vehicle__key"))
    counts = defaultdict(int)
    for route_id in Stop.objects.filter(run=run, route__isnull=False).exclude(kind=Stop.Kind.DEPOT).values_list(
            "route_id", flat=True):
        counts[route_id] += 1
    delivered = Stop.objects.filter(run=run, route__isnull=False, kind=Stop.Kind.DELIVER)
    orders = {entry["id"] for load in delivered.values_list("load", flat=True) for entry in load.get("orders", [])}
    kg = sum((stop_kg for stop_kg in delivered.values_list("kg", flat=True)), ZERO)
    rows = []
    for route in routes:
        factor = co2_factor(route.vehicle.kind, route.vehicle.energy)
        fill_kg = _fill(route.peak_kg, route.avg_kg, route.capacity_kg)
        fill_crates = _fill(route.peak_crates, route.avg_crates, route.capacity_crates)
        # The fuller dimension is what limits the vehicle.
        peak = max(v for v in (fill_kg["peak_percent"], fill_crates["peak_percent"], ZERO) if v is not None)
        average = max(v for v in (fill_kg["average_percent"], fill_crates["average_percent"], ZERO) if v is not None)
        rows.append({
            "route": route.pk, "vehicle": route.vehicle.name, "kind": route.vehicle.kind,
            "energy": route.vehicle.energy, "day": route.day, "driver": route.driver_id,
            "km": route.km, "empty_km": route.empty_km, "hours": route.hours, "cost": route.cost,
            "stops": counts[route.pk], "stops_per_hour": _q(counts[route.pk] / route.hours) if route.hours else None,
            "fill": {"kg": fill_kg, "crates": fill_crates, "peak_percent": peak, "average_percent": average},
            "co2_factor": factor, "co2_kg": _q(route.km * factor),
        })
    km, hours, cost, empty, co2 = (sum((row[name] for row in rows), ZERO)
                                   for name in ("km", "hours", "cost", "empty_km", "co2_kg"))
    baseline = run.baseline or {}
    own = Decimal(baseline.get("own_trips_km", "0"))
    base_km = run.baseline_km
    own_co2 = own * co2_factor(BASELINE_KIND)
    stops = sum(counts.values())
    return {
        "planning_run": run.pk, "cycle": run.cycle_id, "status": run.status,
        "vehicle_km": _q(km), "vehicle_hours": _q(hours), "cost": _q(cost), "orders": len(orders), "kg": _q(kg),
        **_ratios(km=km, hours=hours, cost=cost, orders=len(orders), kg=kg, stops=stops),
        "empty_km": _q(empty), "stops": stops, "routes_count": len(rows),
        "average_peak_fill_percent": _average(row["fill"]["peak_percent"] for row in rows),
        "average_fill_percent": _average(row["fill"]["average_percent"] for row in rows),
        "co2_kg": _q(co2), "co2_by_kind": _by_kind(rows), "co2_source": CO2_SOURCE, "routes": rows,
        "baseline": None if base_km is None else {
            "km": base_km, "co2_kg": _q(base_km * co2_factor(BASELINE_KIND)), "method": baseline.get("method", ""),
            "farms": baseline.get("farms", []),
        },
        "farms_own_trips_km": _q(own), "farms_own_trips_co2_kg": _q(own_co2),
        "saved": _saved(base_km=base_km, km=km, own_km=own, co2=co2, own_co2=own_co2),
    }


def cycle_impact(cycle) -> dict | None:
    run = planning_run_effective(cycle)
    return None if run is None else run_impact(run)


SUMMED = ("vehicle_km", "vehicle_hours", "cost", "orders", "kg", "empty_km", "stops", "co2_kg",
          "farms_own_trips_km", "farms_own_trips_co2_kg")


def month_bounds(year: int, month: int) -> tuple[date, date]:
    """The first day of the month and of the next one."""
    return date(year, month, 1), date(year + (month == 12), month % 12 + 1, 1)


def month_impact(*, year: int, month: int) -> dict:
    """The month's cycles (by delivery date) added up, with the same ratios as per cycle. Km saved are over the
    cycles whose plan has a baseline."""
    from orders.models import OrderCycle

    first, following = month_bounds(year, month)
    cycles = OrderCycle.objects.filter(Q(delivery_date__gte=first) & Q(delivery_date__lt=following)).order_by(
        "delivery_date", "pk")
    totals = dict.fromkeys(SUMMED, ZERO)
    compared = dict.fromkeys(("base_km", "km", "own_km", "co2", "own_co2"), ZERO)
    per_cycle, routes, any_baseline = [], [], False
    for cycle in cycles:
        figures = cycle_impact(cycle)
        if figures is None:
            continue
        base_km = figures["baseline"]["km"] if figures["baseline"] else None
        per_cycle.append({
            "cycle": cycle.pk, "name": cycle.name, "delivery_date": cycle.delivery_date,
            "planning_run": figures["planning_run"], "status": figures["status"],
            **{name: figures[name] for name in ("vehicle_km", "cost", "orders", "kg", "co2_kg", "farms_own_trips_km",
                                                "average_peak_fill_percent", "saved")},
            "baseline_km": base_km,
        })
        for name in SUMMED:
            totals[name] += Decimal(str(figures[name]))
        routes += figures["routes"]
        if base_km is not None:
            any_baseline = True
            for key, value in (("base_km", base_km), ("km", figures["vehicle_km"]),
                               ("own_km", figures["farms_own_trips_km"]), ("co2", figures["co2_kg"]),
                               ("own_co2", figures["farms_own_trips_co2_kg"])):
                compared[key] += value
    km, orders, kg, hours = totals["vehicle_km"], int(totals["orders"]), totals["kg"], totals["vehicle_hours"]
    saved = _saved(base_km=compared["base_km"] if any_baseline else None, km=compared["km"],
                   own_km=compared["own_km"], co2=compared["co2"], own_co2=compared["own_co2"])
    return {
        "year": year, "month": month, "cycles": per_cycle, **{name: _q(value) for name, value in totals.items()},
        "orders": orders, "stops": int(totals["stops"]), "routes_count": len(routes),
        **_ratios(km=km, hours=hours, cost=totals["cost"], orders=orders, kg=kg, stops=totals["stops"]),
        "average_peak_fill_percent": _average(row["fill"]["peak_percent"] for row in routes),
        "average_fill_percent": _average(row["fill"]["average_percent"] for row in routes),
        "co2_by_kind": _by_kind(routes),
        "baseline_km": _q(compared["base_km"]), "baseline_co2_kg": _q(compared["base_km"] * co2_factor(BASELINE_KIND)),
        "saved": saved,
        # flat copies of `saved` (the API had these before `saved` was added)
        "saved_km": saved["km"] if saved else ZERO, "saved_km_percent": saved["km_percent"] if saved else None,
        "saved_co2_kg": saved["co2_kg"] if saved else ZERO,
        "saved_co2_percent": saved["co2_percent"] if saved else None,
        "co2_source": CO2_SOURCE,
    }
