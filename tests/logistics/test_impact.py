"""Impact of a plan: km, cost, fill rate, CO2, and the every-farm-alone baseline it is compared with."""

from datetime import date
from decimal import Decimal

import pytest
from django_scopes import scope
from planning_setup import closed_week, plan

from logistics.models import Route, Stop
from logistics.routing.matrix import default_matrix_provider
from logistics.routing.model import Location
from logistics.services.impact import baseline_for_input, co2_factor, cycle_impact, month_impact
from logistics.services.planning_instance import Farm, PlanningInput, PlanTask
from tests import factories

CENT = Decimal("0.02")


def road_km(a, b) -> float:
    points = [Location("a", lat=a[0], lon=a[1]), Location("b", lat=b[0], lon=b[1])]
    return default_matrix_provider(points).matrix(points).distances[0][1]


def task(key, lat, lon):
    return PlanTask(key=key, kind="deliver", name=key, address="", postcode="3000", lat=lat, lon=lon, windows=(),
                    service_fixed=0, kg=1, crates=1, cooled=False)


def test_baseline_is_each_farm_driving_a_round_to_its_customers():
    hub, farm_a, farm_b = (50.89, 4.85), (50.92, 4.75), (50.81, 4.94)
    points = {"k": (50.89, 4.73), "p": (50.88, 4.70), "h": (50.86, 4.75)}
    data = PlanningInput(name="t", reference=date(2026, 11, 21), hub=hub, hub_name="hub", hub_windows=(),
                         vehicles=[], tasks=[task(key, *where) for key, where in points.items()],
                         farms=[Farm(1, "A", *farm_a, brings_to_hub=False, destinations=("k",)),
                                Farm(2, "B", *farm_b, brings_to_hub=True, destinations=("k", "p", "h"))])
    baseline = baseline_for_input(data)
    one = 2 * road_km(farm_a, points["k"])  # one customer: there and back
    b_km = Decimal(baseline["km"]) - Decimal(str(round(one, 2)))
    # a round past three places is no shorter than going to the farthest and back, no longer than three trips
    farthest = max(2 * road_km(farm_b, where) for where in points.values())
    separate = sum(2 * road_km(farm_b, where) for where in points.values())
    assert farthest - 0.05 <= float(b_km) <= separate
    assert Decimal(baseline["own_trips_km"]) == pytest.approx(Decimal(str(2 * road_km(farm_b, hub))), abs=CENT)
    assert [f["destinations"] for f in baseline["farms"]] == [1, 3]
    assert Decimal(baseline["co2_kg"]) == pytest.approx(Decimal(baseline["km"]) * Decimal("0.25"), abs=CENT)


@pytest.fixture
def planned(db):
    coop = factories.CooperativeFactory(slug="impact")
    week = closed_week(coop)
    with scope(coop=coop):
        run = plan(week["cycle"])
    return {"coop": coop, "run": run, **week}


def test_figures_of_a_plan(planned):
    with scope(coop=planned["coop"]):
        figures = cycle_impact(planned["cycle"])
        routes = list(Route.objects.filter(run=planned["run"]).select_related("vehicle"))
        stops = Stop.objects.filter(run=planned["run"], route__isnull=False).exclude(kind="depot").count()
    assert figures["planning_run"] == planned["run"].pk
    assert figures["vehicle_km"] == sum(r.km for r in routes)
    assert figures["orders"] == len(planned["orders"])
    assert figures["km_per_order"] == (figures["vehicle_km"] / len(planned["orders"])).quantize(Decimal("0.01"))
    assert figures["stops"] == stops
    assert figures["co2_kg"] == pytest.approx(sum(r.km * co2_factor(r.vehicle.kind) for r in routes), abs=CENT)
    for row, route in zip(figures["routes"], sorted(routes, key=lambda r: (r.day, r.vehicle.key)), strict=True):
        assert row["fill"]["crates"]["peak_percent"] == (route.peak_crates / route.capacity_crates * 100).quantize(
            Decimal("0.01"))
        assert 0 < row["fill"]["peak_percent"] <= 100
        assert row["empty_km"] <= row["km"]
    saved = figures["saved"]
    assert saved["km"] == figures["baseline"]["km"] - figures["vehicle_km"] - figures["farms_own_trips_km"]


def test_month_adds_up_its_cycles(planned):
    day = planned["cycle"].delivery_date
    with scope(coop=planned["coop"]):
        figures = cycle_impact(planned["cycle"])
        month = month_impact(year=day.year, month=day.month)
        empty = month_impact(year=day.year - 1, month=day.month)
    assert month["vehicle_km"] == figures["vehicle_km"] and month["orders"] == figures["orders"]
    assert month["baseline_km"] == figures["baseline"]["km"]
    assert empty["vehicle_km"] == 0 and empty["cycles"] == [] and empty["saved_km_percent"] is None


def test_co2_factors_are_configurable(settings):
    assert co2_factor("van") == Decimal("0.25") and co2_factor("cargo_bike") < co2_factor("van")
    settings.PLANNING_CO2_KG_PER_KM = {"van": "0.31"}
    assert co2_factor("van") == Decimal("0.31")
    assert co2_factor("unknown-kind") == Decimal("0.31")
