"""Re-optimising a plan whose pins the cycle no longer allows: the vehicle lost its shift (availability edited,
out of service), the order was cancelled or the farm's goods shorted to nothing, the pinned order can no longer
be driven (a window moved), the driver stopped driving. The solve still runs, what cannot be honoured is
released (or kept, for routes already under way) and the run says so; nothing crashes, nothing half-written.

The week (planning_setup.closed_week) plans as: the cooled van collects the dairy on Friday (collection and its
unloading at the hub) and delivers the kitchen and the pickup point on Saturday morning; the plain van delivers
the home address on Saturday evening."""

from datetime import time

import pytest
from django.core import mail
from django.utils import timezone
from django_scopes import scope
from planning_setup import closed_week, plan
from rest_framework.test import APIClient

from coop.models import Job
from logistics.models import DriverProfile, PlanningRun, PurchaseOrder, Route, RouteChange, Stop
from logistics.routing.model import Solution
from logistics.services import planning
from logistics.services.hub import purchase_order_respond
from logistics.services.planning_notify import planning_run_notify
from logistics.services.planning_warnings import run_warnings
from orders.models import Order
from tests import factories


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def week(db):
    coop = factories.CooperativeFactory(slug="pins", name="Pinco")
    week = closed_week(coop)
    with scope(coop=coop):
        run = plan(week["cycle"])
        assert run.status == PlanningRun.Status.READY and run.unassigned_count == 0
    return {"coop": coop, "run": run, **week}


def on(run, prefix: str) -> Stop:
    return Stop.objects.select_related("route").exclude(kind=Stop.Kind.DEPOT).get(run=run, task_key__startswith=prefix)


def keys(route: Route) -> list[str]:
    return list(Stop.objects.filter(route=route).order_by("sequence").values_list("task_key", flat=True))


def pin(run, prefix: str) -> Stop:
    stop = on(run, prefix)
    planning.stop_pin(stop_id=stop.pk)
    return stop


def stored_plan(run) -> dict[int, list[str]]:
    return {route.pk: keys(route) for route in Route.objects.filter(run=run)}


def without_shift(vehicle, weekday: str) -> None:
    vehicle.availability = [shift for shift in vehicle.availability if shift["day"] != weekday]
    vehicle.save(update_fields=["availability"])


def roomy(vehicle, weekday: str, *, cooled: bool = False) -> None:
    """Give the vehicle a long shift on that day (and cooling) so it can take over what another one loses."""
    vehicle.availability = [s for s in vehicle.availability if s["day"] != weekday] + [
        {"day": weekday, "from": "06:00", "to": "21:00"}]
    vehicle.max_duration_hours, vehicle.is_cooled = None, vehicle.is_cooled or cooled
    vehicle.save()


def reoptimise(run) -> PlanningRun:
    planning.planning_run_reoptimise(run_id=run.pk, time_budget=2)
    return planning.planning_run_execute(run_id=run.pk, solution_limit=60)


def messages(run) -> list[str]:
    return [entry["message"] for entry in run_warnings(run)]


def assert_sound(run) -> None:
    """Planned and stored whole: ready, its Job done, and the stored plan feasible by the independent check."""
    assert run.status == PlanningRun.Status.READY, run.message
    assert Job.objects.get(pk=run.job_id).status == "succeeded"
    report = planning.planning_run_check(run_id=run.pk)
    assert report.feasible, report.violations


def test_a_pinned_route_whose_vehicle_lost_its_shift_is_planned_again(week):
    with scope(coop=week["coop"]):
        run, cooled = week["run"], week["cooled"]
        morning = on(run, "deliver:business:").route
        assert morning.vehicle == cooled and len(keys(morning)) == 2
        planning.route_pin(route_id=morning.pk)
        without_shift(cooled, week["day"])  # the cooled van no longer drives on Saturday
        roomy(week["plain"], week["day"], cooled=True)
        run = reoptimise(run)
        assert_sound(run)
        assert not Route.objects.filter(pk=morning.pk).exists()
        for prefix in ("deliver:business:", "deliver:pickup:"):  # planned again, on the van that is left
            stop = on(run, prefix)
            assert stop.route.vehicle == week["plain"] and not stop.is_pinned
        assert messages(run) == ["Koelbestelwagen has no shift on Saturday any more: its 2 pinned stops were "
                                 "planned again."]
        assert run_warnings(run)[0] | {"message": ""} == {
            "code": "released", "cause": "no_shift", "vehicle": "Koelbestelwagen", "count": 2, "message": "",
            "day": week["cycle"].delivery_date.isoformat()}
        assert Route.objects.get(run=run, vehicle_key__endswith=f"@{week['before']}").vehicle == cooled  # Friday


def test_pinned_stops_of_a_vehicle_taken_out_of_service_are_planned_again(week):
    with scope(coop=week["coop"]):
        run, plain = week["run"], week["plain"]
        home = on(run, "deliver:home:")
        assert home.route.vehicle == plain
        planning.stop_pin(stop_id=home.pk)
        plain.is_active = False
        plain.save(update_fields=["is_active"])
        roomy(week["cooled"], week["day"])
        run = reoptimise(run)
        assert_sound(run)
        home.refresh_from_db()
        assert home.route.vehicle == week["cooled"] and not home.is_pinned
        assert not Route.objects.filter(run=run, vehicle=plain).exists()
        assert messages(run) == ["Bestelwagen is out of service: its pinned stop on Saturday was planned again."]


def test_a_started_route_of_a_vehicle_without_its_shift_is_kept_as_it_was(week, client):
    with scope(coop=week["coop"]):
        run = week["run"]
        planning.planning_run_publish(run_id=run.pk, notify=False)
        kitchen = on(run, "deliver:business:")
        route = kitchen.route
        before = keys(route)
        Stop.objects.filter(pk=kitchen.pk).update(status=Stop.Status.DONE)
        without_shift(week["cooled"], week["day"])
        run = reoptimise(run)
        assert run.status == PlanningRun.Status.PUBLISHED, run.message
        assert keys(Route.objects.get(pk=route.pk)) == before
        assert messages(run) == ["Koelbestelwagen has no shift on Saturday any more, but its route has started: "
                                 "it was kept as it was."]
    client.force_login(week["fixer"].user)
    page = client.get(f"/{week['coop'].slug}/hub/plans/{run.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and "but its route has started" in page.content.decode()


def test_pinned_stops_that_left_the_cycle_leave_the_plan_with_a_note(week):
    with scope(coop=week["coop"]):
        run = week["run"]
        home, collection = on(run, "deliver:home:"), on(run, "collect:po:")
        planning.stop_pin(stop_id=home.pk)
        planning.stop_pin(stop_id=collection.pk)
        # The home customer's order is cancelled at the hub; the dairy can bring nothing after all.
        Order.objects.filter(pk=week["orders"][-1].pk).update(status=Order.Status.CANCELLED)
        po = PurchaseOrder.objects.get(cycle=week["cycle"], producer=week["dairy"])
        purchase_order_respond(purchase_order_id=po.pk, producer=week["dairy"],
                               confirmed={line.pk: 0 for line in po.lines.all()})
        run = reoptimise(run)
        assert_sound(run)
        assert not Stop.objects.filter(run=run, task_key__in=[home.task_key, collection.task_key,
                                                              f"{collection.task_key}:hub"]).exists()
        assert not Route.objects.filter(run=run, day=week["cycle"].delivery_date.replace(
            day=week["cycle"].delivery_date.day - 1)).exists()  # Friday's route had nothing else
        person = week["home"].user.get_full_name() or week["home"].user.email
        assert sorted(messages(run)) == sorted([
            f"{person}, pinned on Bestelwagen, is no longer part of the cycle (its orders were cancelled or its goods "
            "shorted to nothing): it left the plan.",
            "Zuivelhoeve, pinned on Koelbestelwagen, is no longer part of the cycle (its orders were cancelled or its "
            "goods shorted to nothing): it left the plan."])
        assert run.unassigned_count == 0


def _kitchen_window_moves_to_dawn(week) -> None:
    """The kitchen now takes deliveries from 04:00 to 05:00: before the cooled van's Saturday shift (from 06:00)."""
    account = week["account"]
    account.delivery_from, account.delivery_until = time(4), time(5)
    account.save(update_fields=["delivery_from", "delivery_until"])


def test_pinned_stops_whose_order_became_impossible_are_released_not_the_whole_plan_lost(week):
    with scope(coop=week["coop"]):
        run = week["run"]
        kitchen, pickup = on(run, "deliver:business:"), on(run, "deliver:pickup:")
        # The fixer pins the pickup point before the kitchen; then the kitchen wants its goods by 06:25, which
        # that order cannot make. Locked like that the engine would find no plan at all.
        planning.stop_move(stop_id=pickup.pk, route_id=kitchen.route_id, position=1)
        planning.stop_pin(stop_id=kitchen.pk)
        planning.stop_pin(stop_id=pickup.pk)
        account = week["account"]
        account.delivery_from, account.delivery_until = time(6), time(6, 25)
        account.save(update_fields=["delivery_from", "delivery_until"])
        run = reoptimise(run)
        assert_sound(run)
        kitchen.refresh_from_db()
        pickup.refresh_from_db()
        assert not kitchen.is_pinned and not pickup.is_pinned
        assert run.unassigned_count == 0 and kitchen.route_id and pickup.route_id
        assert messages(run) == [
            "The 2 pinned stops of Koelbestelwagen on Saturday can no longer be kept in their order (Schoolkeuken "
            "pins can no longer be reached within its time window): they were planned again."]


def test_a_pinned_stop_the_engine_cannot_serve_at_all_loses_its_pin_with_a_note(week, monkeypatch):
    """Belt and braces behind the check above: should a pinned stop still reach the engine and be left out as
    unserviceable, its pin goes and the run says so."""
    from logistics.services import planning_pins

    monkeypatch.setattr(planning_pins, "_problem", lambda *args: None)  # as if the check let it through
    with scope(coop=week["coop"]):
        run = week["run"]
        kitchen = on(run, "deliver:business:")
        planning.stop_pin(stop_id=kitchen.pk)
        _kitchen_window_moves_to_dawn(week)
        run = reoptimise(run)
        assert_sound(run)
        kitchen.refresh_from_db()
        assert kitchen.route is None and not kitchen.is_pinned
        assert messages(run) == ["The planner could not keep Schoolkeuken pins on Koelbestelwagen on Saturday: its "
                                 "pin was released and it is among the stops not planned."]


def test_a_pinned_route_that_became_impossible_is_kept_and_reported(week):
    with scope(coop=week["coop"]):
        run = week["run"]
        route = on(run, "deliver:business:").route
        before = keys(route)
        planning.route_pin(route_id=route.pk)
        _kitchen_window_moves_to_dawn(week)
        run = reoptimise(run)
        assert run.status == PlanningRun.Status.READY and Job.objects.get(pk=run.job_id).status == "succeeded"
        route.refresh_from_db()
        assert route.is_pinned and keys(route) == before and route.violations
        assert messages(run) == [
            "The pinned route of Koelbestelwagen on Saturday no longer works (Schoolkeuken pins can no longer be "
            "reached within its time window): it was kept as pinned; unpin it to have it planned again."]


def test_when_the_engine_finds_no_plan_with_the_pins_the_run_fails_clearly_and_the_plan_stays(week, monkeypatch):
    with scope(coop=week["coop"]):
        run = week["run"]
        pin(run, "deliver:business:")
        stored = stored_plan(run)
        monkeypatch.setattr(planning, "solve", lambda instance, options: Solution(
            instance.name, "cost", "no_solution", [], [], 0.0, 0.0, 0.1))
        run = reoptimise(run)
        assert run.status == PlanningRun.Status.READY
        assert run.message == ("The planner found no plan that keeps the pinned stops of Koelbestelwagen. Unpin some "
                               "of them and re-optimise; the plan stays as it was.")
        assert Job.objects.get(pk=run.job_id).status == "failed"
        assert stored_plan(run) == stored


def test_a_store_that_breaks_leaves_the_plan_as_it_was_and_the_run_not_stuck(week, monkeypatch):
    with scope(coop=week["coop"]):
        run = week["run"]
        pinned, stored = pin(run, "deliver:home:"), stored_plan(run)

        def broken(*args, **kwargs):
            Route.objects.filter(run=run).delete()  # half-written, then it breaks
            raise RuntimeError("disk full")

        monkeypatch.setattr(planning, "plan_store", broken)
        planning.planning_run_reoptimise(run_id=run.pk, time_budget=2)
        with pytest.raises(RuntimeError):
            planning.planning_run_execute(run_id=run.pk, solution_limit=60)
        run.refresh_from_db()
        assert run.status == PlanningRun.Status.READY and "disk full" in run.message
        assert stored_plan(run) == stored
        assert Stop.objects.get(pk=pinned.pk).is_pinned


def test_a_route_whose_driver_stopped_driving_gets_a_free_driver_and_the_new_one_is_told(
        week, django_capture_on_commit_callbacks):
    with scope(coop=week["coop"]):
        run = week["run"]
        planning.planning_run_publish(run_id=run.pk, notify=False)
        evening = on(run, "deliver:home:").route
        gone = evening.driver
        Route.objects.filter(run=run).update(notified_at=timezone.now())  # every driver was told
        gone.roles = [role for role in gone.roles if role != "driver"]
        gone.save(update_fields=["roles"])
        stand_in = factories.MembershipFactory(coop=week["coop"], roles=["driver"], user__first_name="Vera",
                                               user__last_name="Vervanger", user__email="vera@pins.example")
        DriverProfile.objects.create(coop=week["coop"], membership=stand_in, days=[week["day"]])
        planning.planning_run_reoptimise(run_id=run.pk, time_budget=2)
        with django_capture_on_commit_callbacks() as callbacks:
            run = planning.planning_run_execute(run_id=run.pk, solution_limit=60)
        # the e-mails for whoever was not told yet, and the former driver's notice that the route is not theirs
        assert len(callbacks) == 2
        assert RouteChange.objects.get(run=run).driver == gone
        evening = on(run, "deliver:home:").route
        assert evening.driver == stand_in and evening.notified_at is None
        name = gone.user.get_full_name() or gone.user.email
        assert messages(run) == [f"{name} no longer drives on Saturday: the route of Bestelwagen goes to Vera "
                                 "Vervanger now."]
        mail.outbox.clear()
        assert planning_run_notify(run_id=run.pk)["drivers"] == 1
        assert ["vera@pins.example"] in [m.to for m in mail.outbox]  # (and the home customer's ETA)


def test_moving_a_stop_on_a_route_whose_vehicle_lost_its_shift_does_not_crash(week):
    with scope(coop=week["coop"]):
        run = week["run"]
        kitchen, pickup = on(run, "deliver:business:"), on(run, "deliver:pickup:")
        without_shift(week["cooled"], week["day"])
        planning.stop_move(stop_id=pickup.pk, route_id=kitchen.route_id, position=1)
        route = Route.objects.get(pk=kitchen.route_id)
        assert keys(route) == [pickup.task_key, kitchen.task_key]
        assert route.violations == ["this vehicle is no longer available on that day"]


def test_the_api_re_optimise_reports_the_warnings(week):
    with scope(coop=week["coop"]):
        run = week["run"]
        planning.route_pin(route_id=on(run, "deliver:home:").route_id)
        without_shift(week["plain"], week["day"])
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(week["fixer"].user)
    base = f"/api/v1/{week['coop'].slug}/"
    response = client.post(f"{base}planning-runs/{run.pk}/reoptimise/", {"time_budget": 2}, format="json")
    assert response.status_code == 202, response.content
    with scope(coop=week["coop"]):
        planning.planning_run_execute(run_id=run.pk, solution_limit=60)  # what the worker does
    job = client.get(response.json()["status_url"]).json()
    detail = client.get(f"{base}planning-runs/{run.pk}/").json()
    assert detail["status"] == "ready"
    expected = "Bestelwagen has no shift on Saturday any more: its pinned stop was planned again."
    assert [(w["code"], w["vehicle"], w["count"], w["message"]) for w in detail["warnings"]] == [
        ("released", "Bestelwagen", 1, expected)]
    assert [w["message"] for w in job["result"]["warnings"]] == [expected]
    page = client.get(f"/{week['coop'].slug}/hub/plans/{run.pk}/")
    assert expected in page.content.decode()
