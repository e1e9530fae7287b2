"""The impact dashboard (/<coop>/hub/impact/) and the figures it shows: per month and per cycle km, hours, cost,
ratios per order and kg, fill rate per route, CO2 per vehicle kind with configurable factors, and km saved against
every farm alone. Plans are made by hand here (routes with known km and loads), so every figure has an exact
expected value; tests/logistics/test_impact.py covers figures of plans the engine made."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_scopes import scope

from logistics.impact_charts import stacked_bar_chart_svg
from logistics.models import Hub, PlanningRun, Route, Stop, Vehicle
from logistics.services.impact import co2_factor, cycle_impact, month_impact
from orders.models import OrderCycle
from tests import factories

D = Decimal
NOVEMBER = (date(2026, 11, 13), date(2026, 11, 27))


@pytest.fixture(autouse=True)
def _english(settings):
    """Numbers are checked as shown in English (1,234.5 is not used; 12.5, not 12,5)."""
    settings.LANGUAGE_CODE = "en"


def planned_cycle(coop, delivery: date, *, routes: list[dict], baseline_km, own_km, orders: list[tuple[int, str]]):
    """A closed cycle with a published plan: `routes` as stored, one delivery stop carrying `orders` (id, kg)."""
    now = timezone.now()
    cycle = OrderCycle.objects.create(coop=coop, name=f"Week {delivery:%d/%m}", opens_at=now - timedelta(days=9),
                                      cutoff_at=now - timedelta(days=7), delivery_date=delivery,
                                      status=OrderCycle.Status.CLOSED)
    run = PlanningRun.objects.create(
        coop=coop, cycle=cycle, status=PlanningRun.Status.PUBLISHED, published_at=now, baseline_km=baseline_km,
        baseline={"km": str(baseline_km), "own_trips_km": str(own_km), "method": "every farm alone (test)",
                  "farms": [{"producer": 1, "name": "Hoeve Test", "destinations": 2, "km": str(baseline_km),
                             "own_trip_to_hub_km": str(own_km)}]})
    for index, spec in enumerate(routes):
        vehicle = spec["vehicle"]
        route = Route.objects.create(
            coop=coop, run=run, vehicle=vehicle, vehicle_key=f"v{vehicle.pk}@{index}", day=delivery,
            km=spec["km"], empty_km=spec["empty_km"], hours=spec["hours"], cost=spec["cost"],
            capacity_kg=vehicle.capacity_kg, capacity_crates=vehicle.capacity_crates, peak_kg=spec["peak_kg"],
            avg_kg=spec["avg_kg"], peak_crates=spec["peak_crates"], avg_crates=spec["avg_crates"])
        for number in range(spec["stops"]):
            carried = orders if index == 0 and number == 0 else []
            Stop.objects.create(
                coop=coop, run=run, route=route, sequence=number + 1, task_key=f"deliver:{index}:{number}",
                kind=Stop.Kind.DELIVER, name=f"Stop {number}", kg=sum((D(kg) for _id, kg in carried), D(0)),
                load={"orders": [{"id": order_id, "kg": kg} for order_id, kg in carried]})
    return cycle, run


@pytest.fixture
def world(db):
    coop = factories.CooperativeFactory(slug="impactco", name="Impact Coop")
    other = factories.CooperativeFactory(slug="elders", name="Elders")
    with scope(coop=coop):
        hub = Hub.objects.create(coop=coop, name="Hub", postcode="3210", city="Lubbeek", latitude="50.88973",
                                 longitude="4.85503")
        cooled = Vehicle.objects.create(coop=coop, key="koel", name="Koelwagen", kind="van_cooled",
                                        capacity_kg=D("1000"), capacity_crates=60, is_cooled=True, home_hub=hub)
        bike = Vehicle.objects.create(coop=coop, key="fiets", name="Bakfiets", kind="cargo_bike",
                                      energy="electric_assist", capacity_kg=D("100"), capacity_crates=8, home_hub=hub)
        first, _run = planned_cycle(coop, NOVEMBER[0], baseline_km=D("500.00"), own_km=D("50.00"), orders=[
            (1, "30.00"), (2, "20.00")], routes=[
            {"vehicle": cooled, "km": D("100.00"), "empty_km": D("10.00"), "hours": D("4.00"), "cost": D("160.00"),
             "peak_kg": D("400.0"), "avg_kg": D("200.0"), "peak_crates": D("48.0"), "avg_crates": D("30.0"),
             "stops": 6},
            {"vehicle": bike, "km": D("10.00"), "empty_km": D("2.00"), "hours": D("1.00"), "cost": D("40.00"),
             "peak_kg": D("90.0"), "avg_kg": D("45.0"), "peak_crates": D("4.0"), "avg_crates": D("2.0"),
             "stops": 2}])
        second, second_run = planned_cycle(coop, NOVEMBER[1], baseline_km=D("300.00"), own_km=D("0.00"), orders=[
            (3, "50.00")], routes=[
            {"vehicle": cooled, "km": D("90.00"), "empty_km": D("0.00"), "hours": D("3.00"), "cost": D("100.00"),
             "peak_kg": D("300.0"), "avg_kg": D("150.0"), "peak_crates": D("30.0"), "avg_crates": D("15.0"),
             "stops": 3}])
        october, _run = planned_cycle(coop, date(2026, 10, 30), baseline_km=D("100.00"), own_km=D("0.00"),
                                      orders=[(4, "5.00")], routes=[
            {"vehicle": cooled, "km": D("40.00"), "empty_km": D("0.00"), "hours": D("1.00"), "cost": D("50.00"),
             "peak_kg": D("50.0"), "avg_kg": D("20.0"), "peak_crates": D("6.0"), "avg_crates": D("3.0"),
             "stops": 1}])
        fixer = factories.MembershipFactory(coop=coop, roles=["fixer"], user__email="fixer@impactco.example")
        driver = factories.MembershipFactory(coop=coop, roles=["driver"], user__email="driver@impactco.example")
    with scope(coop=other):
        other_hub = Hub.objects.create(coop=other, name="Hub B", postcode="9900", city="Eeklo",
                                       latitude="51.18569", longitude="3.54466")
        van = Vehicle.objects.create(coop=other, key="koel", name="Andere wagen", kind="van", capacity_kg=D("700"),
                                     capacity_crates=40, home_hub=other_hub)
        foreign, _run = planned_cycle(other, NOVEMBER[0], baseline_km=D("999.00"), own_km=D("0.00"),
                                      orders=[(9, "1.00")], routes=[
            {"vehicle": van, "km": D("77.00"), "empty_km": D("0.00"), "hours": D("1.00"), "cost": D("10.00"),
             "peak_kg": D("1.0"), "avg_kg": D("1.0"), "peak_crates": D("1.0"), "avg_crates": D("1.0"), "stops": 1}])
        other_fixer = factories.MembershipFactory(coop=other, roles=["fixer"], user__email="fixer@elders.example")
    return {"coop": coop, "first": first, "second": second, "second_run": second_run, "october": october,
            "foreign": foreign, "fixer": fixer, "driver": driver, "other_fixer": other_fixer}


def url(query=""):
    return f"/impactco/hub/impact/{query}"


@pytest.fixture
def fixer(client, world):
    client.force_login(world["fixer"].user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


# --- the figures ----------------------------------------------------------------------------------------------

def test_cycle_figures_add_up_the_routes(world):
    with scope(coop=world["coop"]):
        figures = cycle_impact(world["first"])
    assert (figures["vehicle_km"], figures["vehicle_hours"], figures["cost"]) == (D("110.00"), D("5.00"), D("200.00"))
    assert (figures["orders"], figures["kg"], figures["stops"], figures["empty_km"]) == (2, D("50.00"), 8, D("12.00"))
    assert (figures["km_per_order"], figures["cost_per_order"]) == (D("55.00"), D("100.00"))
    assert (figures["km_per_kg"], figures["cost_per_kg"]) == (D("2.2000"), D("4.00"))
    assert figures["stops_per_hour"] == D("1.60")
    bike, van = figures["routes"]  # by day, then vehicle code
    # the fuller dimension counts: the van is fuller in crates (48/60), the bike in kg (90/100)
    assert van["fill"]["crates"] == {"peak": D("48.00"), "average": D("30.00"), "capacity": D("60.00"),
                                     "peak_percent": D("80.00"), "average_percent": D("50.00")}
    assert (van["fill"]["peak_percent"], bike["fill"]["peak_percent"]) == (D("80.00"), D("90.00"))
    assert (van["fill"]["average_percent"], bike["fill"]["average_percent"]) == (D("50.00"), D("45.00"))
    assert figures["average_peak_fill_percent"] == D("85.00")
    assert (van["stops_per_hour"], bike["stops_per_hour"]) == (D("1.50"), D("2.00"))
    # CO2: 100 km x 0.30 (cooled van) + 10 km x 0.01 (e-cargo bike); baseline 500 km and own trips 50 km as vans
    assert figures["co2_kg"] == D("30.10")
    assert [(k["kind"], k["km"], k["co2_kg"]) for k in figures["co2_by_kind"]] == [
        ("van_cooled", D("100.00"), D("30.00")), ("cargo_bike", D("10.00"), D("0.10"))]
    saved = figures["saved"]
    assert (saved["vehicle_km"], saved["vehicle_km_percent"]) == (D("390.00"), D("78.00"))
    assert (saved["km"], saved["km_percent"]) == (D("340.00"), D("68.00"))
    assert (saved["co2_kg"], saved["co2_percent"]) == (D("82.40"), D("65.92"))  # 125 - 30.10 - 12.50


def test_month_adds_up_its_cycles_only(world):
    with scope(coop=world["coop"]):
        month = month_impact(year=2026, month=11)
    assert [row["cycle"] for row in month["cycles"]] == [world["first"].pk, world["second"].pk]
    assert (month["vehicle_km"], month["cost"], month["orders"], month["kg"]) == (D("200.00"), D("300.00"), 3,
                                                                                 D("100.00"))
    assert (month["km_per_order"], month["cost_per_kg"], month["stops_per_hour"]) == (D("66.67"), D("3.00"),
                                                                                     D("1.38"))
    assert month["routes_count"] == 3 and month["average_peak_fill_percent"] == D("73.33")  # (80 + 90 + 50) / 3
    assert (month["baseline_km"], month["farms_own_trips_km"]) == (D("800.00"), D("50.00"))
    assert month["saved"]["km_percent"] == month["saved_km_percent"] == D("68.75")  # (800 - 200 - 50) / 800
    assert month["saved"]["vehicle_km_percent"] == D("75.00")
    assert [row["baseline_km"] for row in month["cycles"]] == [D("500.00"), D("300.00")]


def test_co2_factors_come_from_the_setting_per_kind_and_energy(world, settings):
    settings.PLANNING_CO2_KG_PER_KM = {"van_cooled": D("0.40"), "cargo_bike:electric_assist": D("0.02"),
                                       "van": D("0.20")}
    assert co2_factor("van_cooled") == D("0.40") and co2_factor("van", "electric") == D("0.04")
    assert co2_factor("cargo_bike", "electric_assist") == D("0.02") and co2_factor("cargo_bike") == D("0.01")
    with scope(coop=world["coop"]):
        figures = cycle_impact(world["first"])
    assert figures["co2_kg"] == D("40.20")  # 100 x 0.40 + 10 x 0.02
    assert figures["baseline"]["co2_kg"] == D("100.00")  # the baseline follows the factor too (500 x 0.20)


# --- the page -------------------------------------------------------------------------------------------------

def test_the_month_and_its_newest_cycle_are_shown_by_default(fixer, world):
    response = fixer.get(url())
    assert response.status_code == 200
    body = response.content.decode()
    month = body[body.index('id="month"'):body.index('id="cycle-picker"')]
    assert "November 2026" in month and "200 km" in month and "€ 300.00" in month
    assert "69 %" in month  # km saved (68.75), the headline
    assert "75 % by the rounds alone" in month
    # the month chart: per cycle the coop's km (rounds + own trips) and every farm alone (chart values: 12,5)
    for cycle, rounds, alone in ((world["first"], "110,0", "500,0"), (world["second"], "90,0", "300,0")):
        assert f"{cycle.name} · coop&#x27;s rounds: {rounds}" in month
        assert f"{cycle.name} · every farm alone: {alone}" in month
    assert f"{world['first'].name} · farms&#x27; own trips to the hub: 50,0" in month
    assert world["october"].name not in month
    # the cycle section: the month's newest cycle, its route, its fill chart
    cycle = body[body.index('id="cycle"'):]
    assert world["second"].name in cycle and "30 / 15 / 60" in cycle
    widths = dict(re.findall(r'<rect class="(average|peak)" x="[\d.]+" y="[\d.]+" width="([\d.]+)"', cycle)[:2])
    assert widths == {"average": "55.0", "peak": "55.0"}  # 25 % and 50 - 25 % of the 220-unit track
    assert '<line class="marker" x1="165.0"' in cycle  # the 75 % target


def test_the_cycle_picker_shows_a_chosen_cycle(fixer, world):
    body = fixer.get(url(f"?month=2026-11&cycle={world['first'].pk}")).content.decode()
    cycle = body[body.index('id="cycle"'):]
    assert world["first"].name in cycle and "48 / 30 / 60" in cycle and "90 / 45 / 100" in cycle
    assert "Bakfiets" in cycle and "Hoeve Test" in cycle
    assert f'<option value="{world["first"].pk}" selected>' in body


def test_the_month_picker(fixer, world):
    body = fixer.get(url("?month=2026-10")).content.decode()
    assert "October 2026" in body and "40 km" in body and world["october"].name in body
    empty = fixer.get(url("?month=2025-01")).content.decode()
    assert "No cycle delivered this month has a plan." in empty and "Choose a cycle" in empty
    for bad in ("2026-13", "november", "2026-1"):
        response = fixer.get(url(f"?month={bad}"))
        assert response.status_code == 400 and "YYYY-MM" in response.content.decode()
    assert fixer.get(url("?cycle=abc")).status_code == 400


def test_another_coops_cycle_or_a_cycle_without_plan_is_not_found(fixer, world):
    assert fixer.get(url(f"?cycle={world['foreign'].pk}")).status_code == 404
    with scope(coop=world["coop"]):
        PlanningRun.objects.filter(cycle=world["second"]).update(status=PlanningRun.Status.FAILED)
    assert fixer.get(url(f"?cycle={world['second'].pk}")).status_code == 404
    assert "999" not in fixer.get(url()).content.decode()  # the other coop's baseline


def test_only_managers_see_the_page_and_its_tab(client, world):
    client.force_login(world["driver"].user)
    assert client.get(url()).status_code in (403, 404)
    assert "/hub/impact/" not in client.get("/impactco/hub/").content.decode()
    client.force_login(world["other_fixer"].user)
    assert client.get(url()).status_code in (403, 404)
    client.force_login(world["fixer"].user)
    assert "/impactco/hub/impact/" in client.get("/impactco/hub/").content.decode()


def test_the_page_shows_the_configured_co2_factors(fixer, world, settings):
    settings.PLANNING_CO2_KG_PER_KM = {"van_cooled": D("0.40")}
    body = fixer.get(url(f"?cycle={world['first'].pk}")).content.decode()
    factors = body[body.index('id="co2-factors"'):]
    assert re.search(r"Cooled van</td><td class=\"num\">0.40<", factors)
    assert "40.0" in body[body.index('id="cycle"'):body.index('id="co2-factors"')]  # 100 km x 0.40


# --- the chart ------------------------------------------------------------------------------------------------

def test_stacked_bars_scale_escape_and_mark():
    svg = str(stacked_bar_chart_svg(
        [("<b>Week</b>", [("300 km", [("rounds", "rounds", D("200")), ("own", "own <trips>", D("100"))]),
                          ("600 km", [("baseline", "alone", D("600"))])])], title="km"))
    assert "<b>" not in svg and "&lt;b&gt;Week&lt;/b&gt;" in svg and "own &lt;trips&gt;" in svg
    lengths = [float(w) for w in re.findall(r'<rect class="\w+" x="[\d.]+" y="[\d.]+" width="([\d.]+)"', svg)]
    assert lengths == [73.3, 36.7, 220.0]  # scaled to the longest bar
    capped = str(stacked_bar_chart_svg([("r", [("120 %", [("peak", "peak", D("120"))])])], title="fill",
                                       scale=D("100"), track=True, marker=D("75")))
    assert 'class="track"' in capped and 'width="220.0" height="14"><title>' in capped  # never past the scale
    assert '<line class="marker" x1="165.0"' in capped
    assert stacked_bar_chart_svg([], title="nothing").startswith("<svg")


# --- the API: the same figures per cycle and per month ---------------------------------------------------------

def test_the_api_gives_the_figures_per_cycle_and_per_month(fixer, world):
    cycle = fixer.get(f"/api/v1/impactco/cycles/{world['first'].pk}/impact/").json()
    assert (cycle["vehicle_km"], cycle["km_per_kg"], cycle["average_peak_fill_percent"]) == (110, 2.2, 85)
    assert [(k["kind"], k["co2_kg"]) for k in cycle["co2_by_kind"]] == [("van_cooled", 30), ("cargo_bike", 0.1)]
    assert (cycle["saved"]["km_percent"], cycle["saved"]["vehicle_km_percent"]) == (68, 78)
    month = fixer.get("/api/v1/impactco/impact/?month=2026-11").json()
    assert [(row["cycle"], row["baseline_km"]) for row in month["cycles"]] == [
        (world["first"].pk, 500), (world["second"].pk, 300)]
    assert (month["vehicle_km"], month["saved"]["km_percent"]) == (200, 68.75)
    assert fixer.get(f"/api/v1/impactco/cycles/{world['foreign'].pk}/impact/").status_code == 404
    assert fixer.get("/api/v1/impactco/impact/?month=2026-13").status_code == 400
