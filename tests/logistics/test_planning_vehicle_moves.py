"""Moving a stop onto a vehicle the plan does not use yet: its route is made in the same transaction (its usual
driver, figures and warnings like any route), a route left empty disappears, refusals write nothing, and a
pinned hand-made route survives re-optimising. A moved stop is pinned where it lands (left out, unpinned), so
re-optimising keeps the fixer's decision, or plans it again with a warning when the vehicle cannot keep it.
Through the service, the fixer's page (htmx and plain forms) and the API (a vehicle id as target; another
coop's vehicle or stop gets a 400 or 404)."""

from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import formats, translation
from django.utils.html import escape
from django_scopes import scope
from planning_setup import closed_week, plan
from rest_framework.test import APIClient

from logistics.models import PlanningRun, Route, Stop, Vehicle
from logistics.services import planning
from logistics.tasks_planning import notify_planning_run
from tests import factories


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def week(db):
    coop = factories.CooperativeFactory(slug="eigen", name="Eigenco")
    return {"coop": coop, **closed_week(coop)}


@pytest.fixture
def cooled_only(week):
    """Planned with the cooled van alone: the home delivery (16:00-20:00) is left out, the plain van is unused
    and was not even offered to the solver."""
    with scope(coop=week["coop"]):
        run = plan(week["cycle"], vehicles=[week["cooled"]])
        home = Stop.objects.get(run=run, task_key__startswith="deliver:home")
    assert home.route_id is None and run.vehicle_ids == [week["cooled"].pk]
    return {**week, "run": run, "home": home}


def snapshot(run):
    """Everything a move writes: routes with their figures, where each stop is, the run's totals and vehicles."""
    run.refresh_from_db()
    routes = sorted(Route.objects.filter(run=run).values_list("pk", "vehicle_key", "km", "cost", "driver_id"))
    stops = sorted(Stop.objects.filter(run=run).values_list("pk", "route_id", "sequence", "unassigned_reason"))
    return routes, stops, (run.total_km, run.total_cost, run.vehicles_used, run.unassigned_count, run.vehicle_ids)


def test_a_left_out_stop_goes_on_an_unused_vehicle_whose_route_is_made_and_evaluated(cooled_only):
    run, home, plain = cooled_only["run"], cooled_only["home"], cooled_only["plain"]
    with scope(coop=run.coop):
        before = Route.objects.filter(run=run).count()
        moved = planning.stop_move(stop_id=home.pk, vehicle_id=plain.pk)
        route = moved.route
        run.refresh_from_db()
        assert Route.objects.filter(run=run).count() == before + 1
        assert (route.vehicle_id, route.day, route.vehicle_key) == (
            plain.pk, cooled_only["cycle"].delivery_date, f"v{plain.pk}@{cooled_only['day']}")
        assert route.driver == cooled_only["drivers"][1]  # the driver who usually takes the plain van
        assert moved.sequence == 1 and moved.eta_from is not None and not moved.unassigned_reason
        # evaluated like a solved route: km there and back, the day's fixed cost, hours, load, no warning
        assert route.km > 0 and route.hours > 0 and route.violations == []
        assert route.cost > Decimal("25") and route.capacity_kg == Decimal("700.0")
        assert route.peak_kg == moved.kg.quantize(Decimal("0.1"))
        assert route.start_at.hour >= 12  # the plain van's shift starts at 12:30
        assert run.unassigned_count == 0 and run.vehicles_used == before + 1
        assert run.total_km == sum(Route.objects.filter(run=run).values_list("km", flat=True))
        assert plain.pk in run.vehicle_ids  # re-optimising and the check know the vehicle now
        assert planning.planning_run_check(run_id=run.pk).feasible


def test_a_route_left_empty_by_a_move_disappears(cooled_only):
    run, home, plain = cooled_only["run"], cooled_only["home"], cooled_only["plain"]
    with scope(coop=run.coop):
        totals = snapshot(run)[2]
        route = planning.stop_move(stop_id=home.pk, vehicle_id=plain.pk).route
        planning.stop_move(stop_id=home.pk, route_id=None)
        assert not Route.objects.filter(pk=route.pk).exists()
        run.refresh_from_db()
        assert (run.total_km, run.total_cost, run.vehicles_used, run.unassigned_count) == totals[:4]
        # and a solver's route emptied by moving its last stop away goes too
        planning.stop_move(stop_id=home.pk, vehicle_id=plain.pk)
        collect = Stop.objects.get(run=run, kind=Stop.Kind.COLLECT)
        emptied = collect.route
        planning.stop_move(stop_id=collect.pk, route_id=None)  # its unloading at the hub leaves with it
        assert not Route.objects.filter(pk=emptied.pk).exists()
        assert Stop.objects.filter(run=run, route__isnull=True).count() == 2


def test_moving_to_a_vehicle_that_has_a_route_that_day_uses_that_route(cooled_only):
    run, home, cooled = cooled_only["run"], cooled_only["home"], cooled_only["cooled"]
    with scope(coop=run.coop):
        saturday = Route.objects.get(run=run, vehicle=cooled, day=cooled_only["cycle"].delivery_date)
        moved = planning.stop_move(stop_id=home.pk, vehicle_id=cooled.pk, position=1)
        assert moved.route_id == saturday.pk and moved.sequence == 1
        assert Route.objects.filter(run=run).count() == 2
        # the day before is another shift of the same van: asked for by day
        friday = Route.objects.filter(run=run, vehicle=cooled).exclude(pk=saturday.pk).get()
        again = planning.stop_move(stop_id=home.pk, vehicle_id=cooled.pk, day=friday.day)
        assert again.route_id == friday.pk


def test_warnings_for_capacity_cooling_and_shift_on_a_small_plain_vehicle(cooled_only):
    run = cooled_only["run"]
    with scope(coop=run.coop):
        bike = Vehicle.objects.create(
            coop=run.coop, key="bakfiets", name="Bakfiets", kind="cargo_bike", capacity_kg=Decimal("20"),
            capacity_crates=2, cost_per_km="0.05", availability=[{"day": cooled_only["day"], "from": "10:00",
                                                                   "to": "10:10"}])
        kitchen = Stop.objects.get(run=run, task_key__startswith="deliver:business")
        moved = planning.stop_move(stop_id=kitchen.pk, vehicle_id=bike.pk)
        route = moved.route
        # nobody usually takes the bike: a driver of that day without a route (the plain van's, unused)
        assert route.vehicle_id == bike.pk and route.driver == cooled_only["drivers"][1]
        problems = " | ".join(route.violations)
        assert "needs cooled" in problems  # chilled cheese on a plain bike
        assert "on board than the vehicle holds" in problems or "too much kg" in problems  # 70 kg on 20 kg
        assert "after the end of the shift" in problems  # ten minutes is not enough
        assert "after its time window" in problems  # the kitchen wants it 07:00-09:00
        assert not planning.planning_run_check(run_id=run.pk).feasible


def test_refusals_write_nothing(cooled_only):
    run, home, plain = cooled_only["run"], cooled_only["home"], cooled_only["plain"]
    other = factories.CooperativeFactory(slug="ander", name="Anderco")
    with scope(coop=other):
        foreign = Vehicle.objects.create(coop=other, key="wagen", name="Vreemde wagen", capacity_kg=500,
                                         capacity_crates=30, availability=[{"day": cooled_only["day"],
                                                                            "from": "06:00", "to": "20:00"}])
    with scope(coop=run.coop):
        idle = Vehicle.objects.create(coop=run.coop, key="maandag", name="Maandagwagen", capacity_kg=500,
                                      capacity_crates=30, availability=[{"day": "mon", "from": "06:00",
                                                                         "to": "20:00"}])
        retired = Vehicle.objects.create(coop=run.coop, key="oud", name="Oude wagen", capacity_kg=500,
                                         capacity_crates=30, is_active=False,
                                         availability=[{"day": cooled_only["day"], "from": "06:00", "to": "20:00"}])
        before = snapshot(run)
        cases = [
            ({"vehicle_id": foreign.pk}, "no such vehicle"),
            ({"vehicle_id": 987654}, "no such vehicle"),
            ({"vehicle_id": idle.pk}, "Maandagwagen has no shift on"),
            ({"vehicle_id": retired.pk}, "Oude wagen is not in service"),
            ({"vehicle_id": plain.pk, "day": cooled_only["cycle"].delivery_date - timedelta(days=1)}, "has no shift"),
            ({"vehicle_id": plain.pk, "vehicle_key": f"v{plain.pk}@mon"}, "has no shift on"),
            ({"vehicle_id": plain.pk, "route_id": Route.objects.filter(run=run).first().pk}, "not both"),
        ]
        for kwargs, message in cases:
            with pytest.raises(ValidationError, match=message):
                planning.stop_move(stop_id=home.pk, **kwargs)
            assert snapshot(run) == before, kwargs
        kitchen = Stop.objects.get(run=run, task_key__startswith="deliver:business")
        planning.route_pin(route_id=kitchen.route_id)
        with pytest.raises(ValidationError, match="route is pinned"):
            planning.stop_move(stop_id=kitchen.pk, vehicle_id=plain.pk)
        planning.route_pin(route_id=kitchen.route_id, pinned=False)
        collect = Stop.objects.get(run=run, kind=Stop.Kind.COLLECT)
        depot = Stop.objects.get(run=run, kind=Stop.Kind.DEPOT)
        with pytest.raises(ValidationError, match="stays on the route that collected"):
            planning.stop_move(stop_id=depot.pk, vehicle_id=cooled_only["cooled"].pk,
                               day=cooled_only["cycle"].delivery_date)
        before = snapshot(run)
        planning.planning_run_publish(run_id=run.pk, notify=False)
        planning.stop_event_record(stop_id=collect.pk, client_id="i10-1", kind="arrived",
                                   membership=collect.route.driver)
        with pytest.raises(ValidationError, match="already visited"):
            planning.stop_move(stop_id=collect.pk, vehicle_id=cooled_only["cooled"].pk, day=collect.route.day)
        assert snapshot(run)[:2] == before[:2]


def test_a_pinned_hand_made_route_is_kept_when_re_optimising(cooled_only):
    run, home, plain = cooled_only["run"], cooled_only["home"], cooled_only["plain"]
    with scope(coop=run.coop):
        route = planning.stop_move(stop_id=home.pk, vehicle_id=plain.pk).route
        planning.route_pin(route_id=route.pk)
        kept = list(Stop.objects.filter(route=route).order_by("sequence").values_list("pk", flat=True))
        assert kept == [home.pk]
        planning.planning_run_reoptimise(run_id=run.pk)
        planning.planning_run_execute(run_id=run.pk, solution_limit=60)
        run.refresh_from_db()
        assert run.status == PlanningRun.Status.READY
        route.refresh_from_db()
        assert route.is_pinned and route.vehicle_id == plain.pk
        assert list(Stop.objects.filter(route=route).order_by("sequence").values_list("pk", flat=True)) == kept
        assert run.unassigned_count == 0 and planning.planning_run_check(run_id=run.pk).feasible


def test_a_new_route_on_a_published_plan_tells_its_driver(cooled_only, django_capture_on_commit_callbacks):
    run, home, plain = cooled_only["run"], cooled_only["home"], cooled_only["plain"]
    with scope(coop=run.coop):
        planning.planning_run_publish(run_id=run.pk, notify=False)
        with (mock.patch.object(notify_planning_run, "apply_async") as queued,
              django_capture_on_commit_callbacks(execute=True)):
            route = planning.stop_move(stop_id=home.pk, vehicle_id=plain.pk).route
        queued.assert_called_once_with(args=(run.coop_id, run.pk), kwargs={})
        mail.outbox.clear()
        notify_planning_run.apply(args=(run.coop_id, run.pk))  # what the worker does; mails only who was not told
        route.refresh_from_db()
        assert route.notified_at is not None
        assert [m.to for m in mail.outbox if route.vehicle.name in m.body] == [[cooled_only["drivers"][1].user.email]]


# --- the fixer's page ---------------------------------------------------------------------------------------

HTMX = {"HTTP_HX_REQUEST": "true"}


def move_url(run, stop):
    return f"/{run.coop.slug}/hub/plans/stops/{stop.pk}/move/"


def run_page(client, run, **extra):
    return client.get(f"/{run.coop.slug}/hub/plans/{run.pk}/", **extra).content.decode()


@pytest.fixture
def foreign_vehicle(cooled_only):
    other = factories.CooperativeFactory(slug="ander", name="Anderco")
    with scope(coop=other):
        return Vehicle.objects.create(coop=other, key="wagen", name="Vreemde wagen", capacity_kg=500,
                                      capacity_crates=30, availability=[{"day": cooled_only["day"], "from": "06:00",
                                                                         "to": "20:00"}])


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain-post"])
def test_the_move_form_offers_unused_vehicles_and_starts_their_route(client, cooled_only, foreign_vehicle, htmx):
    run, home, plain = cooled_only["run"], cooled_only["home"], cooled_only["plain"]
    with scope(coop=run.coop):
        Vehicle.objects.create(coop=run.coop, key="maandag", name="Maandagwagen", capacity_kg=500,
                               capacity_crates=30, availability=[{"day": "mon", "from": "06:00", "to": "20:00"}])
    client.force_login(cooled_only["fixer"].user)
    body = run_page(client, run)
    key = f"v{plain.pk}@{cooled_only['day']}"
    spare = body.split('id="spare-vehicles"', 1)[1].split("</section>", 1)[0]
    assert f'id="spare-{key}"' in spare and "Bestelwagen" in spare and "12:30–20:30" in spare
    left_out = body.split('id="unassigned"', 1)[1]
    assert f'<option value="vehicle:{key}">Bestelwagen' in left_out
    # no shift on the plan's days, another coop's, or a shift that already has its route: not offered
    assert "Maandagwagen" not in body and "Vreemde wagen" not in body
    assert f'value="vehicle:v{cooled_only["cooled"].pk}@' not in body

    response = client.post(move_url(run, home), {"route": f"vehicle:{key}", "position": ""},
                           **(HTMX if htmx else {}))
    with scope(coop=run.coop):
        route = Route.objects.get(run=run, vehicle_key=key)
        run.refresh_from_db()
        assert list(Stop.objects.filter(route=route).values_list("pk", flat=True)) == [home.pk]
    if htmx:
        assert response.status_code == 200
        body = response.content.decode()
        assert "<html" not in body
    else:
        assert response.status_code == 302 and response["Location"].endswith(f"#stop-{home.pk}")
        body = run_page(client, run)
        assert "is now stop 1 of Bestelwagen" in body
    card = body.split(f'id="route-{route.pk}"', 1)[1].split("</section>", 1)[0]
    assert f'<span class="route-km">{route.km:.1f} km</span>' in card and "Bestelwagen" in card
    assert f'<dd id="total-km">{run.total_km:.1f}</dd>' in body and 'id="unassigned"' not in body
    assert f'id="spare-{key}"' not in body  # it has its route now


@pytest.mark.parametrize("value, message", [
    ("vehicle:v{foreign}@{day}", "no such vehicle"),
    ("vehicle:v{plain}@mon", "has no shift on"),
    ("vehicle:bakfiets", "Choose a route or a vehicle"),
])
def test_a_bad_or_foreign_vehicle_on_the_page_is_a_400_that_writes_nothing(client, cooled_only, foreign_vehicle,
                                                                          value, message):
    run, home = cooled_only["run"], cooled_only["home"]
    client.force_login(cooled_only["fixer"].user)
    with scope(coop=run.coop):
        before = snapshot(run)
    target = value.format(foreign=foreign_vehicle.pk, plain=cooled_only["plain"].pk, day=cooled_only["day"])
    for extra in (HTMX, {}):
        response = client.post(move_url(run, home), {"route": target}, **extra)
        assert response.status_code == 400
        assert message in response.content.decode() and 'role="alert"' in response.content.decode()
    with scope(coop=run.coop):
        assert snapshot(run) == before


# --- the API ------------------------------------------------------------------------------------------------

def api(membership):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(membership.user)
    return client


def api_move(run, stop):
    return f"/api/v1/{run.coop.slug}/stops/{stop.pk}/move/"


def test_the_api_moves_a_stop_onto_a_vehicle_id(cooled_only):
    run, home, plain = cooled_only["run"], cooled_only["home"], cooled_only["plain"]
    client = api(cooled_only["fixer"])
    response = client.post(api_move(run, home), {"vehicle": plain.pk, "day": str(cooled_only["cycle"].delivery_date)},
                           format="json")
    assert response.status_code == 200, response.content
    with scope(coop=run.coop):
        route = Route.objects.get(run=run, vehicle=plain)
    assert response.json()["route"] == route.pk and response.json()["sequence"] == 1
    shown = client.get(f"/api/v1/{run.coop.slug}/planning-runs/{run.pk}/").json()
    listed = next(r for r in shown["routes"] if r["id"] == route.pk)
    assert listed["vehicle"] == plain.pk and float(listed["km"]) > 0 and shown["unassigned"] == []
    assert plain.pk in shown["vehicle_ids"]
    # the kitchen onto the same van (it has its route now): a warning for its chilled goods
    with scope(coop=run.coop):
        kitchen = Stop.objects.get(run=run, task_key__startswith="deliver:business")
    again = client.post(api_move(run, kitchen), {"vehicle": plain.pk, "position": 1}, format="json")
    assert again.status_code == 200 and again.json()["route"] == route.pk
    with scope(coop=run.coop):
        route.refresh_from_db()
    assert any("needs cooled" in problem for problem in route.violations)


def test_the_api_refuses_foreign_unknown_and_unavailable_vehicles_and_writes_nothing(cooled_only, foreign_vehicle):
    run, home, plain = cooled_only["run"], cooled_only["home"], cooled_only["plain"]
    client = api(cooled_only["fixer"])
    with scope(coop=run.coop):
        before = snapshot(run)
        route = Route.objects.filter(run=run).first()
    friday = str(cooled_only["cycle"].delivery_date - timedelta(days=1))
    cases = [
        ({"vehicle": foreign_vehicle.pk}, "no such vehicle"),
        ({"vehicle": 987654}, "no such vehicle"),
        ({"vehicle": plain.pk, "day": friday}, "has no shift on"),
        ({"vehicle": plain.pk, "route": route.pk}, "not both"),
        ({"position": 1}, "Say where the stop goes"),
        ({"route": route.pk, "day": friday}, "A day goes with a vehicle"),
    ]
    for payload, message in cases:
        response = client.post(api_move(run, home), payload, format="json")
        assert response.status_code == 400 and message in response.json()["detail"], (payload, response.content)
    assert client.post(api_move(run, home), {"vehicle": "bike"}, format="json").status_code == 400
    # the other coop's fixer reaches neither this coop's stops nor, through its own coop, this stop
    with scope(coop=foreign_vehicle.coop):
        stranger = factories.MembershipFactory(coop=foreign_vehicle.coop, roles=["fixer"])
    outsider = api(stranger)
    assert outsider.post(api_move(run, home), {"vehicle": foreign_vehicle.pk}, format="json").status_code == 404
    sneaky = f"/api/v1/{foreign_vehicle.coop.slug}/stops/{home.pk}/move/"
    assert outsider.post(sneaky, {"vehicle": foreign_vehicle.pk}, format="json").status_code == 404
    # a driver of this coop may not move stops
    assert api(cooled_only["drivers"][0]).post(api_move(run, home), {"vehicle": plain.pk},
                                                format="json").status_code == 404
    with scope(coop=run.coop):
        assert snapshot(run) == before


# --- a move is the fixer's decision: it is pinned and survives re-optimising -----------------------------

@pytest.fixture
def spare(week):
    """Planned with both vans (the home delivery on the plain van, its only stop); then a dearer reserve van is
    added that the plan does not use and the solver was not offered: left alone, the solver would never pick it."""
    with scope(coop=week["coop"]):
        run = plan(week["cycle"])
        reserve = Vehicle.objects.create(
            coop=week["coop"], key="reserve", name="Reservewagen", kind="van", capacity_kg=Decimal("700"),
            capacity_crates=40, cost_per_km="0.40", cost_per_hour="40", fixed_cost_per_day="60",
            home_hub=week["hub"], max_duration_hours=8,
            availability=[{"day": week["day"], "from": "12:30", "to": "20:30"}])
        home = Stop.objects.get(run=run, task_key__startswith="deliver:home")
    assert home.route.vehicle_id == week["plain"].pk and reserve.pk not in run.vehicle_ids
    return {**week, "run": run, "home": home, "reserve": reserve}


def reoptimise(run):
    planning.planning_run_reoptimise(run_id=run.pk)
    return planning.planning_run_execute(run_id=run.pk, solution_limit=60)


def where(stop):
    stop.refresh_from_db()
    return (stop.route.vehicle.name if stop.route else None), stop.is_pinned


def test_a_stop_moved_onto_an_unused_vehicle_stays_there_when_re_optimising_until_unpinned(spare):
    run, home, reserve = spare["run"], spare["home"], spare["reserve"]
    with scope(coop=run.coop):
        route = planning.stop_move(stop_id=home.pk, vehicle_id=reserve.pk).route
        assert where(home) == ("Reservewagen", True)
        run = reoptimise(run)
        assert run.status == PlanningRun.Status.READY and run.warnings == []
        # the fixer's decision held: same stop, same vehicle, same route (its driver and id on phones)
        assert where(home) == ("Reservewagen", True) and home.route_id == route.pk
        assert reserve.pk in run.vehicle_ids and run.unassigned_count == 0
        assert planning.planning_run_check(run_id=run.pk).feasible
        # unpinned, the solver is free again: back on the cheaper van, and the reserve van's route goes
        planning.stop_pin(stop_id=home.pk, pinned=False)
        run = reoptimise(run)
        assert where(home) == ("Bestelwagen", False)
        assert not Route.objects.filter(run=run, vehicle=reserve).exists() and run.warnings == []


def test_every_move_pins_the_moved_stop_and_leaving_out_unpins_it(spare):
    run, home = spare["run"], spare["home"]
    with scope(coop=run.coop):
        # a reorder on its own route: the collection and its unloading at the hub are both pinned
        collect = Stop.objects.get(run=run, kind=Stop.Kind.COLLECT)
        drop = Stop.objects.get(run=run, kind=Stop.Kind.DEPOT)
        others = set(Stop.objects.filter(route=collect.route).exclude(pk__in=[collect.pk, drop.pk])
                     .values_list("pk", flat=True))
        planning.stop_move(stop_id=collect.pk, route_id=collect.route_id, position=1)
        collect.refresh_from_db()
        drop.refresh_from_db()
        assert collect.is_pinned and drop.is_pinned and collect.sequence == 1
        assert not Stop.objects.filter(pk__in=others, is_pinned=True).exists()  # only what the fixer moved
        # a pinned stop left out loses its pin: the next solve places it freely and must not hold it there
        planning.stop_move(stop_id=home.pk, route_id=None)
        assert where(home) == (None, False)
        run = reoptimise(run)
        assert where(home) == ("Bestelwagen", False)
        # onto a vehicle that has its route: pinned as well
        saturday = Route.objects.get(run=run, vehicle=spare["cooled"], day=spare["cycle"].delivery_date)
        planning.stop_move(stop_id=home.pk, route_id=saturday.pk)
        assert where(home) == ("Koelbestelwagen", True)


@pytest.mark.parametrize("change, reason", [
    ({"capacity_kg": Decimal("5")}, "it is more than the vehicle carries"),
    ({"availability_to": "15:00"}, "it no longer fits in the vehicle's shift"),
], ids=["capacity", "shift"])
def test_a_moved_stop_the_vehicle_cannot_keep_is_planned_again_with_a_warning(spare, change, reason, client):
    run, home, reserve = spare["run"], spare["home"], spare["reserve"]
    with scope(coop=run.coop):
        route = planning.stop_move(stop_id=home.pk, vehicle_id=reserve.pk).route
        # then the reserve van turns out smaller, or its shift ends before the home delivery's window
        if "capacity_kg" in change:
            reserve.capacity_kg = change["capacity_kg"]
        else:
            reserve.availability = [{"day": spare["day"], "from": "12:30", "to": change["availability_to"]}]
        reserve.save()
        run = reoptimise(run)
        assert run.status == PlanningRun.Status.READY
        assert where(home) == ("Bestelwagen", False) and run.unassigned_count == 0
        # the reserve van's route is not kept empty
        assert not Route.objects.filter(pk=route.pk).exists()
        assert [(w["code"], w["vehicle"], w["count"]) for w in run.warnings] == [("pin_infeasible", "Reservewagen", 1)]
        (message,) = [w["message"] for w in planning.run_warnings(run)]
    weekday = formats.date_format(spare["cycle"].delivery_date, "l")
    assert message == (f"The pinned stop of Reservewagen on {weekday} can no longer be kept ({reason}): it was "
                       "planned again.")
    with translation.override("nl"), scope(coop=run.coop):
        (dutch,) = [w["message"] for w in planning.run_warnings(run)]
    assert dutch.startswith("De vastgezette stop van Reservewagen op ") and "opnieuw gepland" in dutch
    client.force_login(spare["fixer"].user)
    assert escape(message) in run_page(client, run)  # and the fixer sees it on the planning page


def test_moving_the_last_stop_off_a_vehicle_brought_into_use_leaves_no_empty_route(spare):
    run, home, reserve, plain = spare["run"], spare["home"], spare["reserve"], spare["plain"]
    with scope(coop=run.coop):
        planning.planning_run_publish(run_id=run.pk, notify=False)
        route = planning.stop_move(stop_id=home.pk, vehicle_id=reserve.pk).route
        assert not Route.objects.filter(run=run, vehicle=plain).exists()  # the plain van's only stop left it
        planning.stop_move(stop_id=home.pk, vehicle_id=plain.pk)
        assert where(home) == ("Bestelwagen", True)
        assert not Route.objects.filter(pk=route.pk).exists()
        run.refresh_from_db()
        assert run.vehicles_used == Route.objects.filter(run=run).count() == 3
        run = reoptimise(run)
        assert run.status == PlanningRun.Status.PUBLISHED
        assert where(home) == ("Bestelwagen", True)
        # no empty route anywhere in the published plan, and none for the reserve van
        assert not Route.objects.filter(run=run, vehicle=reserve).exists()
        assert all(Stop.objects.filter(route=r).exists() for r in Route.objects.filter(run=run))


def test_a_move_on_the_page_is_pinned_and_kept_by_re_optimising_through_the_page(client, spare,
                                                                                  django_capture_on_commit_callbacks):
    run, home, reserve = spare["run"], spare["home"], spare["reserve"]
    client.force_login(spare["fixer"].user)
    key = f"v{reserve.pk}@{spare['day']}"
    assert f'<option value="vehicle:{key}">Reservewagen' in run_page(client, run)
    response = client.post(move_url(run, home), {"route": f"vehicle:{key}", "position": ""}, **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert "pinned there: re-optimising keeps it on this vehicle until you unpin it" in body
    card = body.split(f'id="stop-{home.pk}"', 1)[1].split("</li>", 1)[0]
    assert '<span class="badge pin">pinned</span>' in card and 'name="pinned" value="0"' in card  # Unpin offered
    with django_capture_on_commit_callbacks():
        assert client.post(f"/{run.coop.slug}/hub/plans/{run.pk}/reoptimise/", {"time_budget": "2"},
                           **HTMX).status_code == 200
    with scope(coop=run.coop):
        planning.planning_run_execute(run_id=run.pk, solution_limit=60)  # what the routing worker does
        route = Route.objects.get(run=run, vehicle=reserve)
    body = run_page(client, run)
    card = body.split(f'id="route-{route.pk}"', 1)[1].split("</section>", 1)[0]
    assert f'id="stop-{home.pk}"' in card and '<span class="badge pin">pinned</span>' in card
    assert 'role="alert"' not in body and "can no longer be kept" not in body
