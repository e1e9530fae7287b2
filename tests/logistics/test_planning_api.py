"""Rounds API: runs (202 + job, publish, re-optimise, check), a driver's own routes only, idempotent stop events
with crates returned booked exactly once, impact per cycle."""

import uuid

import pytest
from django_scopes import scope
from planning_setup import closed_week, plan
from rest_framework.test import APIClient

from catalog.models import DepositItem
from logistics.models import DepositMovement, PlanningRun, Route, Stop, StopEvent
from logistics.services import planning
from logistics.services.hub import deposit_balances
from logistics.tasks_planning import plan_run
from tests import factories


@pytest.fixture(autouse=True)
def _english_messages(settings):
    """These tests check the wording of error and status messages, written in English in the code; the platform's
    default language is Dutch, so they run in English (tests/test_translations.py covers the Dutch and French)."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def week(db):
    coop = factories.CooperativeFactory(slug="plan", name="Planco")
    return {"coop": coop, **closed_week(coop)}


@pytest.fixture
def published(week):
    with scope(coop=week["coop"]):
        run = plan(week["cycle"])
        planning.planning_run_publish(run_id=run.pk, notify=False)
    return {**week, "run": run}


def client_for(membership):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(membership.user)  # the tenancy middleware runs before DRF
    return client


def url(coop, path):
    return f"/api/v1/{coop.slug}/{path}"


def test_create_run_answers_202_with_a_job_and_queues_the_solve_on_the_routing_queue(
        week, django_capture_on_commit_callbacks):
    client = client_for(week["fixer"])
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(url(week["coop"], "planning-runs/"), {"cycle": week["cycle"].pk, "time_budget": 5},
                               format="json")
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["job"] and body["status_url"].endswith(f"/jobs/{body['job']}/")
    assert len(callbacks) == 1 and plan_run.name.startswith("routing.")
    with scope(coop=week["coop"]):
        run = PlanningRun.objects.get(pk=body["planning_run"])
        assert run.status == PlanningRun.Status.DRAFT and run.time_budget_seconds == 5
        planning.planning_run_execute(run_id=run.pk, solution_limit=40)  # what the worker does
    detail = client.get(url(week["coop"], f"planning-runs/{run.pk}/")).json()
    assert detail["status"] == "ready" and detail["routes"] and detail["unassigned"] == []
    check = client.get(url(week["coop"], f"planning-runs/{run.pk}/check/")).json()
    assert check["feasible"] is True and check["violations"] == []
    assert client.post(url(week["coop"], f"planning-runs/{run.pk}/publish/")).json()["status"] == "published"
    again = client.post(url(week["coop"], f"planning-runs/{run.pk}/publish/"))
    assert again.status_code == 400 and "detail" in again.json()
    reopt = client.post(url(week["coop"], f"planning-runs/{run.pk}/reoptimise/"), {"time_budget": 2}, format="json")
    assert reopt.status_code == 202
    with scope(coop=week["coop"]):
        assert PlanningRun.objects.get(pk=run.pk).status == PlanningRun.Status.RUNNING


def test_bad_requests_get_a_clear_400(week):
    client = client_for(week["fixer"])
    open_cycle = factories.open_cycle(week["coop"], name="Nog open")
    response = client.post(url(week["coop"], "planning-runs/"), {"cycle": open_cycle.pk}, format="json")
    assert response.status_code == 400 and "closed" in response.json()["detail"]
    response = client.post(url(week["coop"], "planning-runs/"), {"cycle": week["cycle"].pk, "time_budget": 0},
                           format="json")
    assert response.status_code == 400


def test_a_driver_sees_and_changes_only_their_own_routes(published):
    coop, run = published["coop"], published["run"]
    with scope(coop=coop):
        routes = list(Route.objects.filter(run=run, driver__isnull=False))
        mine = routes[0]
        others = [r for r in Route.objects.filter(run=run) if r.driver_id != mine.driver_id]
        assert others, "the week has routes for two drivers"
        my_driver = mine.driver
        other_stop = Stop.objects.filter(route=others[0]).first()
        my_stop = Stop.objects.filter(route=mine).order_by("sequence").first()
    client = client_for(my_driver)
    listed = client.get(url(coop, "routes/")).json()
    ids = {row["id"] for row in listed["results"]} if "results" in listed else {row["id"] for row in listed}
    assert ids == {r.pk for r in routes if r.driver_id == my_driver.pk}
    assert client.get(url(coop, f"routes/{mine.pk}/")).status_code == 200
    assert client.get(url(coop, f"routes/{others[0].pk}/")).status_code == 404
    assert client.get(url(coop, f"stops/{other_stop.pk}/")).status_code == 404
    event = {"client_id": str(uuid.uuid4()), "kind": "arrived"}
    assert client.post(url(coop, f"stops/{other_stop.pk}/events/"), event, format="json").status_code == 404
    assert client.post(url(coop, f"stops/{my_stop.pk}/events/"), event, format="json").status_code == 201
    # drivers do not plan: moving and pinning are for the fixer
    assert client.post(url(coop, f"stops/{my_stop.pk}/pin/"), {}, format="json").status_code == 404
    assert client.post(url(coop, "planning-runs/"), {"cycle": run.cycle_id}, format="json").status_code == 403
    # a driver of another coop sees nothing of this one
    other_coop = factories.CooperativeFactory(slug="ander")
    stranger = factories.MembershipFactory(coop=other_coop, roles=["driver"], user__email="rijder@ander.example")
    outsider = client_for(stranger)
    assert outsider.get(url(coop, f"routes/{mine.pk}/")).status_code == 404
    assert outsider.post(url(coop, f"stops/{my_stop.pk}/events/"), {"client_id": "x", "kind": "done"},
                         format="json").status_code == 404
    assert outsider.get(url(other_coop, f"routes/{mine.pk}/")).status_code == 404


def test_a_draft_or_unpublished_plan_is_invisible_to_drivers(week):
    with scope(coop=week["coop"]):
        run = plan(week["cycle"])
        route = Route.objects.filter(run=run, driver__isnull=False).first()
    client = client_for(route.driver)
    assert client.get(url(week["coop"], f"routes/{route.pk}/")).status_code == 404


def test_stop_events_sent_twice_are_applied_once_and_crates_are_booked_exactly(published):
    coop, run = published["coop"], published["run"]
    with scope(coop=coop):
        crate = DepositItem.objects.get(code="veg_crate") if DepositItem.objects.filter(
            code="veg_crate").exists() else factories.deposit_item(coop, code="veg_crate", kind="crate")
        stop = Stop.objects.get(run=run, load__orders__0__customer_id=published["chef"].pk)
        driver = stop.route.driver
        before = deposit_balances(customer=published["chef"]).get("veg_crate", 0)
        backs = DepositMovement.objects.filter(direction="back").count()
    client = client_for(driver)
    event = {"client_id": "phone-1-0001", "kind": "done", "receiver_name": "Chef Jan",
             "crates_returned": [{"item": "veg_crate", "quantity": 4}], "note": "achteraan geleverd"}
    first = client.post(url(coop, f"stops/{stop.pk}/events/"), event, format="json")
    second = client.post(url(coop, f"stops/{stop.pk}/events/"), event, format="json")  # the phone retried
    assert first.status_code == 201 and second.status_code == 200
    assert first.json()["id"] == second.json()["id"] and second.json()["stop_status"] == "done"
    with scope(coop=coop):
        assert StopEvent.objects.filter(client_id="phone-1-0001").count() == 1
        assert DepositMovement.objects.filter(direction="back").count() == backs + 1
        movement = DepositMovement.objects.filter(direction="back").latest("pk")
        assert (movement.item_id, movement.quantity, movement.customer_id, movement.cycle_id) == (
            crate.pk, 4, published["chef"].pk, run.cycle_id)
        assert deposit_balances(customer=published["chef"]).get("veg_crate", 0) == before - 4
        stop.refresh_from_db()
        assert stop.status == Stop.Status.DONE


def test_crates_at_a_shared_stop_need_the_order_and_go_to_its_customer(published):
    coop, run = published["coop"], published["run"]
    with scope(coop=coop):
        factories.deposit_item(coop, code="bak", kind="crate")
        point = Stop.objects.get(run=run, task_key__startswith="deliver:pickup:")
        order = point.load["orders"][1]
        driver = point.route.driver
    client = client_for(driver)
    vague = {"client_id": "phone-2-1", "kind": "proof", "crates_returned": [{"item": "bak", "quantity": 2}]}
    response = client.post(url(coop, f"stops/{point.pk}/events/"), vague, format="json")
    assert response.status_code == 400 and "order" in response.json()["detail"]
    precise = {"client_id": "phone-2-2", "kind": "proof",
               "crates_returned": f'[{{"item": "bak", "quantity": 2, "order": {order["id"]}}}]'}
    assert client.post(url(coop, f"stops/{point.pk}/events/"), precise).status_code == 201  # multipart form
    with scope(coop=coop):
        assert deposit_balances(customer=type(published["chef"]).objects.get(pk=order["customer_id"])) == {"bak": -2}
        assert not StopEvent.objects.filter(client_id="phone-2-1").exists()  # nothing half-written


def test_the_last_stop_done_finishes_the_run(published):
    coop, run = published["coop"], published["run"]
    with scope(coop=coop):
        stops = list(Stop.objects.filter(run=run, route__isnull=False).select_related("route__driver"))
        fixer = published["fixer"]
        for n, stop in enumerate(stops):
            planning.stop_event_record(stop_id=stop.pk, client_id=f"fixer-{n}", kind="done", membership=fixer)
        run.refresh_from_db()
        assert run.status == PlanningRun.Status.DONE


def test_fixer_moves_and_pins_through_the_api(published):
    coop, run = published["coop"], published["run"]
    with scope(coop=coop):
        route = Route.objects.filter(run=run).order_by("-day").first()
        stop = Stop.objects.filter(route=route).order_by("-sequence").first()
    client = client_for(published["fixer"])
    moved = client.post(url(coop, f"stops/{stop.pk}/move/"), {"route": route.pk, "position": 1}, format="json")
    assert moved.status_code == 200 and moved.json()["sequence"] == 1
    assert client.post(url(coop, f"stops/{stop.pk}/pin/"), {"pinned": True}, format="json").json()["is_pinned"]
    assert client.post(url(coop, f"routes/{route.pk}/pin/"), {}, format="json").json()["is_pinned"]
    blocked = client.post(url(coop, f"stops/{stop.pk}/move/"), {"route": None}, format="json")
    assert blocked.status_code == 400 and "pinned" in blocked.json()["detail"]


def test_impact_per_cycle_and_month(published):
    coop, run = published["coop"], published["run"]
    client = client_for(published["fixer"])
    figures = client.get(url(coop, f"cycles/{run.cycle_id}/impact/")).json()
    assert figures["planning_run"] == run.pk and float(figures["vehicle_km"]) > 0
    assert float(figures["baseline"]["km"]) > 0 and "km_percent" in figures["saved"]
    day = run.cycle.delivery_date
    month = client.get(url(coop, f"impact/?month={day:%Y-%m}")).json()
    assert month["vehicle_km"] == figures["vehicle_km"] and len(month["cycles"]) == 1
    assert client.get(url(coop, "impact/?month=2026-13")).status_code == 400
    driver = client_for(published["drivers"][0])
    assert driver.get(url(coop, f"cycles/{run.cycle_id}/impact/")).status_code == 403
