"""Planning rounds for a closed cycle: the instance, a feasible plan, pins that survive re-optimising, the
return trip, moves, publishing and the ETA e-mails."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_scopes import scope
from planning_setup import KITCHEN, WEEKDAYS, at, close, closed_week, hub_for, kitchen, plan, producer

from logistics.models import PlanningRun, Route, Stop, Vehicle
from logistics.routing.matrix import default_matrix_provider
from logistics.routing.model import Location
from logistics.services import planning
from logistics.services.planning_instance import COOLED, build_instance, planning_input_for_cycle
from logistics.services.planning_notify import planning_run_notify
from orders.models import Order
from orders.services.ordering import Destination, order_place
from tests import factories


@pytest.fixture
def week(db):
    coop = factories.CooperativeFactory(slug="plan", name="Planco")
    return {"coop": coop, **closed_week(coop)}


def _route_stops(run):
    return {route.vehicle_key: list(Stop.objects.filter(route=route).order_by("sequence"))
            for route in Route.objects.filter(run=run)}


def test_instance_from_the_cut_off(week):
    with scope(coop=week["coop"]):
        data = planning_input_for_cycle(week["cycle"])
        tasks = {task.key: task for task in data.tasks}
        instance = build_instance(data)
    delivers = [t for t in tasks.values() if t.kind == "deliver"]
    collects = [t for t in tasks.values() if t.kind == "collect"]
    # pickup point, kitchen, home; only the farm that must be collected is visited
    assert len(delivers) == 3 and len(collects) == 1
    assert collects[0].producer_id == week["dairy"].pk and collects[0].cooled
    kitchen_task = tasks[f"deliver:business:{week['account'].pk}"]
    assert kitchen_task.cooled and kitchen_task.service_fixed == 15 * 60
    assert kitchen_task.kg == pytest.approx(70.0) and kitchen_task.crates >= 6
    # the collection is a shipment farm -> hub, dropped within the hub's receiving windows
    assert [s.id for s in instance.shipments] == [collects[0].key]
    assert instance.shipments[0].delivery.location == "hub" and instance.shipments[0].delivery.windows
    assert COOLED in instance.shipments[0].pickup.skills
    # one engine vehicle per shift on a day with work: the cooled van twice, the plain van once
    assert sorted(v.key.split("@")[1] for v in data.vehicles) == sorted([week["before"], week["day"], week["day"]])
    assert all(COOLED in v.skills for v in instance.vehicles if v.id.startswith(f"v{week['cooled'].pk}@"))


def test_plan_for_closed_cycle_is_feasible_by_independent_check(week):
    with scope(coop=week["coop"]):
        run = plan(week["cycle"])
        assert run.status == PlanningRun.Status.READY, run.message
        assert run.unassigned_count == 0
        report = planning.planning_run_check(run_id=run.pk)
        assert report.feasible, report.violations
        routes = _route_stops(run)
        cooled_key = f"v{week['cooled'].pk}@"
        for key, stops in routes.items():
            for stop in stops:
                if stop.is_cooled:  # cooled goods only on the cooled van
                    assert key.startswith(cooled_key)
        collect = Stop.objects.get(run=run, kind=Stop.Kind.COLLECT)
        drop = Stop.objects.get(run=run, kind=Stop.Kind.DEPOT)
        assert drop.route_id == collect.route_id and drop.sequence > collect.sequence
        assert collect.route.day == week["cycle"].delivery_date - timedelta(days=1)
        assert not Stop.objects.filter(run=run, producer=week["grower"]).exists()  # brings goods itself
        for route in Route.objects.filter(run=run):
            assert route.km > 0 and route.cost > 0 and route.peak_crates <= route.capacity_crates
            assert route.driver is not None  # each route got a driver of that day
        assert run.total_km == sum(r.km for r in Route.objects.filter(run=run))
        assert run.baseline_km and run.baseline_km > 0
        assert PlanningRun.objects.get(pk=run.pk).job.status == "succeeded"


def test_pinned_stops_keep_vehicle_and_order_after_reoptimising(week):
    with scope(coop=week["coop"]):
        run = plan(week["cycle"])
        friday = next(stops for key, stops in _route_stops(run).items()
                      if key.startswith(f"v{week['cooled'].pk}@") and len(stops) >= 2
                      and stops[0].kind == Stop.Kind.DELIVER)
        first, last = friday[0], friday[-1]
        # The fixer puts the last stop first and pins both: a worse order the solver would not choose.
        planning.stop_move(stop_id=last.pk, route_id=last.route_id, position=1)
        planning.stop_pin(stop_id=last.pk)
        planning.stop_pin(stop_id=first.pk)
        planning.planning_run_reoptimise(run_id=run.pk)
        run = planning.planning_run_execute(run_id=run.pk, solution_limit=60)
        assert run.status == PlanningRun.Status.READY
        last.refresh_from_db()
        first.refresh_from_db()
        assert last.route.vehicle_key == first.route.vehicle_key == friday[0].route.vehicle_key
        assert last.sequence < first.sequence
        assert last.is_pinned and first.is_pinned
        assert planning.planning_run_check(run_id=run.pk).violations == []


def test_a_pinned_route_stays_exactly_as_it_is(week):
    with scope(coop=week["coop"]):
        run = plan(week["cycle"])
        route = Route.objects.filter(run=run).order_by("day").first()
        before = [s.task_key for s in Stop.objects.filter(route=route).order_by("sequence")]
        planning.route_pin(route_id=route.pk)
        planning.planning_run_reoptimise(run_id=run.pk, time_budget=1)
        planning.planning_run_execute(run_id=run.pk, solution_limit=30)
        route.refresh_from_db()
        assert [s.task_key for s in Stop.objects.filter(route=route).order_by("sequence")] == before
        assert route.is_pinned


def test_a_van_collects_on_its_way_back_instead_of_a_second_trip(db):
    """Hand-made: the van delivers a kitchen close to a farm that must be collected the same morning."""
    coop = factories.CooperativeFactory(slug="retour")
    with scope(coop=coop):
        cycle = factories.open_cycle(coop)
        delivery = cycle.delivery_date
        day = WEEKDAYS[delivery.weekday()]
        hub = hub_for(coop, [{"day": day, "from": "05:30", "to": "12:00"}])
        farm = producer(coop, "Hoeve naast de school", ("50.89300", "4.73800"), mode="collected", day=day,
                        earliest="09:00", latest="11:00", postcode="3010")
        soup = factories.ProductFactory(coop=coop, producer=farm, name_nl="Soep", storage="chilled",
                                        est_weight_kg="1.000")
        offer = factories.offer_for(cycle, soup)
        account, chef = kitchen(coop, window=("07:00", "09:00"))
        order_place(customer=chef, cycle_id=cycle.pk, destination=Destination("business"),
                    lines=[{"offer": offer.pk, "quantity": 24}])
        close(cycle)
        shift = [{"day": day, "from": "06:00", "to": "14:00"}]
        for key in ("van-1", "van-2"):
            Vehicle.objects.create(coop=coop, key=key, name=key, kind="van_cooled", capacity_kg=800,
                                   capacity_crates=50, is_cooled=True, cost_per_km="0.35", cost_per_hour="32",
                                   fixed_cost_per_day="35", home_hub=hub, availability=shift)
        run = plan(cycle)
        assert run.status == PlanningRun.Status.READY and run.unassigned_count == 0
        routes = _route_stops(run)
        assert len(routes) == 1  # one van, one trip
        (stops,) = routes.values()
        assert [s.kind for s in stops] == [Stop.Kind.DELIVER, Stop.Kind.COLLECT, Stop.Kind.DEPOT]
        assert stops[0].name == account.name and stops[1].producer_id == farm.pk
        # cheaper in km than two trips from the hub (one to the kitchen, one to the farm)
        points = [Location("hub", lat=float(hub.latitude), lon=float(hub.longitude)),
                  Location("k", lat=float(KITCHEN[0]), lon=float(KITCHEN[1])),
                  Location("f", lat=50.893, lon=4.738)]
        d = default_matrix_provider(points).matrix(points).distances
        two_trips = 2 * d[0][1] + 2 * d[0][2]
        route = Route.objects.get(run=run)
        assert float(route.km) < 0.7 * two_trips
        # only the short hop from the kitchen to the farm is driven empty; the way back is loaded
        assert float(route.empty_km) == pytest.approx(d[1][2], abs=0.01)


def test_a_cargo_bike_only_serves_its_postcodes(week):
    with scope(coop=week["coop"]):
        bike = Vehicle.objects.create(coop=week["coop"], key="bakfiets", name="Bakfiets", kind="cargo_bike",
                                      capacity_kg=100, capacity_crates=8, service_postcodes=["3000"],
                                      availability=[{"day": week["day"], "from": "10:00", "to": "18:00"}])
        data = planning_input_for_cycle(week["cycle"])
        instance = build_instance(data)
    bike_vehicle = next(v for v in instance.vehicles if v.id.startswith(f"v{bike.pk}@"))
    outside = f"outside:{bike.pk}"
    postcodes = {t.key: t.postcode for t in data.tasks}
    assert {s.id for s in instance.stops if outside not in s.skills} == {
        key for key, postcode in postcodes.items() if postcode == "3000"}
    assert outside not in bike_vehicle.skills and all(outside in v.skills for v in instance.vehicles
                                                      if v is not bike_vehicle)
    assert bike_vehicle.speed_factor > 1


def test_moving_a_stop_updates_the_figures_at_once(week):
    with scope(coop=week["coop"]):
        run = plan(week["cycle"])
        home = Stop.objects.get(run=run, kind=Stop.Kind.DELIVER, load__orders__0__fulfilment="delivery")
        old_route = home.route
        planning.stop_move(stop_id=home.pk, route_id=None)
        home.refresh_from_db()
        run.refresh_from_db()
        assert home.route is None and home.unassigned_reason and run.unassigned_count == 1
        assert not Route.objects.filter(pk=old_route.pk, km__gt=0).exists() or \
            Route.objects.get(pk=old_route.pk).km < old_route.km
        target = Route.objects.filter(run=run, vehicle=week["cooled"], day=week["cycle"].delivery_date).get()
        km_before = target.km
        planning.stop_move(stop_id=home.pk, route_id=target.pk, position=1)
        target.refresh_from_db()
        home.refresh_from_db()
        assert home.route_id == target.pk and home.sequence == 1
        assert target.km != km_before
        assert any("time window" in v for v in target.violations)  # 16:00-20:00 cannot be met at 06:00
        assert not planning.planning_run_check(run_id=run.pk).feasible
        with pytest.raises(ValidationError):
            depot = Stop.objects.filter(run=run, kind=Stop.Kind.DEPOT).first()
            planning.stop_move(stop_id=depot.pk, route_id=target.pk, position=1)


def test_publish_once_then_drivers_and_home_customers_are_told(week, django_capture_on_commit_callbacks):
    with scope(coop=week["coop"]):
        run = plan(week["cycle"])
        with django_capture_on_commit_callbacks() as callbacks:
            planning.planning_run_publish(run_id=run.pk, user=week["fixer"].user)
        assert len(callbacks) == 2  # once the publish commits: the e-mails and the route sheets are queued
        run.refresh_from_db()
        assert run.status == PlanningRun.Status.PUBLISHED and run.published_at
        with pytest.raises(ValidationError):
            planning.planning_run_publish(run_id=run.pk)
        mail.outbox.clear()
        sent = planning_run_notify(run_id=run.pk)
        home_order = Order.objects.get(customer=week["home"])
        to_home = [m for m in mail.outbox if m.to == [week["home"].user.email]]
        assert len(to_home) == 1 and home_order.number in to_home[0].subject
        stop = Stop.objects.get(run=run, load__orders__0__id=home_order.pk)
        assert timezone.localtime(stop.eta_from).strftime("%H:%M") in to_home[0].subject
        assert stop.eta_notified_at is not None
        assert stop.window_from <= stop.eta_from < stop.eta_to <= stop.window_until + timedelta(minutes=30)
        assert sent["drivers"] == Route.objects.filter(run=run, driver__isnull=False).count()
        assert planning_run_notify(run_id=run.pk) == {"drivers": 0, "customers": 0}  # never twice


def test_a_run_without_usable_vehicles_fails_with_a_message(week):
    with scope(coop=week["coop"]):
        Vehicle.objects.update(availability=[])  # no shift on any day of the cycle
        run = plan(week["cycle"])
        assert run.status == PlanningRun.Status.FAILED and run.message
        assert run.job.status == "failed"


def test_only_closed_cycles_are_planned(db):
    coop = factories.CooperativeFactory(slug="open")
    with scope(coop=coop):
        cycle = factories.open_cycle(coop)
        hub_for(coop, [])
        Vehicle.objects.create(coop=coop, key="v", name="v", capacity_kg=Decimal("100"), capacity_crates=5)
        with pytest.raises(ValidationError):
            planning.planning_run_create(cycle=cycle)
    assert at(cycle.delivery_date, "06:00").hour == 6
