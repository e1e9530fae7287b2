"""The fixer's planning pages: the run page with its map data, moves and pins by htmx and by plain POST (new km
shown at once, refusals as an inline 400 that writes nothing), re-optimising through the page keeps what is
pinned, starting a run with a time budget, publishing, the independent check, drivers' progress, whether each
driver has been told about a change of the published plan (or has seen it), and only managers get in."""

import json
import re
from contextlib import contextmanager
from decimal import Decimal
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone
from django_scopes import scope
from planning_setup import closed_week, plan

from logistics.models import PlanningRun, Route, RouteChange, Stop
from logistics.services import planning
from logistics.services.route_changes import route_change_seen
from logistics.tasks_planning import notify_planning_run, notify_route_change
from tests import factories

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _english(settings):
    """Numbers and messages are checked as shown in English (1.5, not 1,5)."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def week(db):
    coop = factories.CooperativeFactory(slug="kaart", name="Kaartco")
    return {"coop": coop, **closed_week(coop)}


@pytest.fixture
def ready(week):
    with scope(coop=week["coop"]):
        run = plan(week["cycle"])
    assert run.status == PlanningRun.Status.READY
    return {**week, "run": run}


@pytest.fixture
def fixer(client, ready):
    client.force_login(ready["fixer"].user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def page(world, path=""):
    return f"/{world['coop'].slug}/hub/{path}"


def run_url(world, path=""):
    return page(world, f"plans/{world['run'].pk}/{path}")


def map_data(body: str) -> dict:
    found = re.search(r'<script id="plan-map-data" type="application/json">(.*?)</script>', body, re.S)
    assert found, "the page carries its map data"
    return json.loads(found.group(1))


def routes_in_db(run) -> dict[int, list[int]]:
    with scope(coop=run.coop):
        return {route.pk: list(Stop.objects.filter(route=route).order_by("sequence").values_list("pk", flat=True))
                for route in Route.objects.filter(run=run)}


def stop_on(run, task_prefix: str) -> Stop:
    with scope(coop=run.coop):
        return Stop.objects.select_related("route").get(run=run, task_key__startswith=task_prefix,
                                                        route__isnull=False)


def other_route(run, stop: Stop) -> Route:
    """Another route on the same day as the stop's (moving a delivery to the day before would be late)."""
    with scope(coop=run.coop):
        return Route.objects.filter(run=run, day=stop.route.day).exclude(pk=stop.route_id).first()


def km_shown(body: str, route: Route) -> str:
    card = body.split(f'id="route-{route.pk}"', 1)[1]
    return re.search(r'<span class="route-km">([\d.,]+) km</span>', card).group(1)


def test_run_page_has_the_map_data_with_every_route_in_order(fixer, ready, django_assert_max_num_queries):
    run = ready["run"]
    with django_assert_max_num_queries(10):  # a fixed number, whatever the number of routes and stops
        response = fixer.get(run_url(ready))
    assert response.status_code == 200
    body = response.content.decode()
    data = map_data(body)
    assert data["hub"]["name"] == ready["hub"].name and data["hub"]["at"] == [50.88973, 4.85503]
    assert {r["id"]: [s["id"] for s in r["stops"]] for r in data["routes"]} == routes_in_db(run)
    for route in data["routes"]:
        assert [s["seq"] for s in route["stops"]] == list(range(1, len(route["stops"]) + 1))
        assert route["path"][0] == route["path"][-1] == data["hub"]["at"]  # vans leave from and return to the hub
        assert len(route["path"]) == len(route["stops"]) + 2 and route["colour"].startswith("#")
    assert len({r["colour"] for r in data["routes"]}) == len(data["routes"])
    assert data["unassigned"] == []
    assert "leaflet/leaflet.js" in body and "js/planning_map.js" in body
    assert 'data-tile-url="https://tile.openstreetmap.org/{z}/{x}/{y}.png"' in body
    with scope(coop=run.coop):
        for route in Route.objects.filter(run=run).select_related("vehicle"):
            assert km_shown(body, route) == f"{route.km:.1f}"
            assert f"{route.peak_kg:.0f} of {route.capacity_kg:.0f} kg at most" in body
    kitchen = stop_on(run, "deliver:business")
    assert "Schoolkeuken" in body and f'id="stop-{kitchen.pk}"' in body


def test_without_a_tile_server_the_map_still_gets_its_data(fixer, ready, settings):
    settings.MAP_TILE_URL = ""
    body = fixer.get(run_url(ready)).content.decode()
    assert 'data-tile-url=""' in body and map_data(body)["routes"]


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain-post"])
def test_moving_a_stop_changes_the_plan_and_the_km_shown(fixer, ready, htmx):
    run = ready["run"]
    pickup = stop_on(run, "deliver:pickup")
    source, target = pickup.route, other_route(run, pickup)
    before_km = run.total_km
    response = fixer.post(page(ready, f"plans/stops/{pickup.pk}/move/"), {"route": target.pk, "position": 1},
                          **(HTMX if htmx else {}))
    with scope(coop=run.coop):
        pickup.refresh_from_db()
        run.refresh_from_db()
        target.refresh_from_db()
        source.refresh_from_db()
        assert run.total_km == sum(Route.objects.filter(run=run).values_list("km", flat=True)) != before_km
    assert pickup.route_id == target.pk and pickup.sequence == 1
    assert target.violations  # a plain van for cooled goods: allowed, and said

    if htmx:
        assert response.status_code == 200
        body = response.content.decode()
        assert "<html" not in body  # only the body of the page: the map stays, its data is new
    else:
        assert response.status_code == 302 and response["Location"].endswith(f"#stop-{pickup.pk}")
        body = fixer.get(response["Location"]).content.decode()
        assert "is now stop 1 of" in body
    assert km_shown(body, target) == f"{target.km:.1f}" and km_shown(body, source) == f"{source.km:.1f}"
    assert target.violations[0] in body
    assert f'<dd id="total-km">{run.total_km:.1f}</dd>' in body
    target_stops = next(r for r in map_data(body)["routes"] if r["id"] == target.pk)["stops"]
    assert target_stops[0]["id"] == pickup.pk and target_stops[0]["seq"] == 1


def test_a_stop_left_out_is_highlighted_with_its_reason_and_can_be_put_back(fixer, ready):
    run = ready["run"]
    home = stop_on(run, "deliver:home")
    route = home.route
    left = fixer.post(page(ready, f"plans/stops/{home.pk}/move/"), {"route": ""}, **HTMX)
    assert left.status_code == 200
    body = left.content.decode()
    assert map_data(body)["unassigned"] == [{"id": home.pk, "name": home.name, "at": [float(home.latitude),
                                                                                     float(home.longitude)],
                                              "reason": "left out by the fixer"}]
    section = body.split('id="unassigned"', 1)[1]
    assert f'id="stop-{home.pk}"' in section and "left out by the fixer" in section
    assert "1 stop not planned" in body
    # it was the van's only stop: the route is gone and the van is offered to start a route again
    with scope(coop=run.coop):
        assert not Route.objects.filter(pk=route.pk).exists()
    value = f"vehicle:{route.vehicle_key}"
    assert f'<option value="{value}">' in section
    back = fixer.post(page(ready, f"plans/stops/{home.pk}/move/"), {"route": value}, **HTMX)
    assert back.status_code == 200 and map_data(back.content.decode())["unassigned"] == []
    with scope(coop=run.coop):
        home.refresh_from_db()
        assert (home.route.vehicle_key, home.route.driver_id) == (route.vehicle_key, route.driver_id)
    assert not home.unassigned_reason


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain-post"])
def test_a_refused_move_is_a_400_with_the_reason_and_writes_nothing(fixer, ready, htmx):
    run = ready["run"]
    kitchen = stop_on(run, "deliver:business")
    with scope(coop=run.coop):
        planning.route_pin(route_id=kitchen.route_id)
    target = other_route(run, kitchen)
    before = routes_in_db(run)
    response = fixer.post(page(ready, f"plans/stops/{kitchen.pk}/move/"), {"route": target.pk, "position": 1},
                          **(HTMX if htmx else {}))
    assert response.status_code == 400
    body = response.content.decode()
    assert "route is pinned; unpin the route first" in body and 'role="alert"' in body
    assert routes_in_db(run) == before
    assert map_data(body)["routes"]  # the plan is shown as it still is


def test_a_bad_form_is_a_400_and_a_collection_unloads_after_it_is_collected(fixer, ready):
    run = ready["run"]
    with scope(coop=run.coop):
        drop = Stop.objects.get(run=run, kind=Stop.Kind.DEPOT)
    before = routes_in_db(run)
    bad = fixer.post(page(ready, f"plans/stops/{drop.pk}/move/"), {"route": "x", "position": 0}, **HTMX)
    assert bad.status_code == 400 and routes_in_db(run) == before
    early = fixer.post(page(ready, f"plans/stops/{drop.pk}/move/"), {"route": drop.route_id, "position": 1}, **HTMX)
    assert early.status_code == 400 and "unloaded at the hub after they are collected" in early.content.decode()
    assert routes_in_db(run) == before


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain-post"])
def test_pinning_and_unpinning_stops_and_routes(fixer, ready, htmx):
    run = ready["run"]
    kitchen = stop_on(run, "deliver:business")
    extra = HTMX if htmx else {}
    response = fixer.post(page(ready, f"plans/stops/{kitchen.pk}/pin/"), {"pinned": "1"}, **extra)
    assert response.status_code == (200 if htmx else 302)
    response = fixer.post(page(ready, f"plans/routes/{kitchen.route_id}/pin/"), {"pinned": "1"}, **extra)
    assert response.status_code == (200 if htmx else 302)
    with scope(coop=run.coop):
        assert Stop.objects.get(pk=kitchen.pk).is_pinned and Route.objects.get(pk=kitchen.route_id).is_pinned
    body = fixer.get(run_url(ready)).content.decode()
    assert "Unpin route" in body and next(r for r in map_data(body)["routes"] if r["id"] == kitchen.route_id)["pinned"]
    fixer.post(page(ready, f"plans/routes/{kitchen.route_id}/pin/"), {"pinned": "0"}, **extra)
    fixer.post(page(ready, f"plans/stops/{kitchen.pk}/pin/"), {"pinned": "0"}, **extra)
    with scope(coop=run.coop):
        assert not Stop.objects.get(pk=kitchen.pk).is_pinned and not Route.objects.get(pk=kitchen.route_id).is_pinned
    assert fixer.post(page(ready, f"plans/stops/{kitchen.pk}/pin/"), {"pinned": "maybe"}, **extra).status_code == 400


@pytest.fixture
def roomy(week):
    """Both vans cooled: the pickup point (14:00-19:00) fits on either Saturday van, so where it goes is a choice."""
    with scope(coop=week["coop"]):
        type(week["plain"]).objects.filter(pk=week["plain"].pk).update(is_cooled=True)
        run = plan(week["cycle"])
    return {**week, "run": run}


def test_pinned_stops_keep_vehicle_and_order_after_re_optimising_through_the_page(
        client, roomy, django_capture_on_commit_callbacks):
    """The fixer puts the pickup point on the other Saturday van and pins it and that van's other stop; after
    re-optimising both are still on that van, in that order."""
    client.force_login(roomy["fixer"].user)
    run = roomy["run"]
    pickup = stop_on(run, "deliver:pickup")
    target = other_route(run, pickup)
    position = 2 if target.start_at.hour < 12 else 1  # after the kitchen's morning stop, before the home delivery
    assert client.post(page(roomy, f"plans/stops/{pickup.pk}/move/"), {"route": target.pk, "position": position},
                       **HTMX).status_code == 200
    pinned = routes_in_db(run)[target.pk]
    assert len(pinned) == 2 and pickup.pk in pinned
    for stop_id in pinned:
        assert client.post(page(roomy, f"plans/stops/{stop_id}/pin/"), {"pinned": "1"}, **HTMX).status_code == 200
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(run_url(roomy, "reoptimise/"), {"time_budget": "2"}, **HTMX)
    assert response.status_code == 200 and len(callbacks) == 1
    body = response.content.decode()
    assert 'id="run-progress"' in body and "/progress/" in body  # the solve's progress, polled
    assert "Move</button>" not in body  # nothing to edit while the planner works
    with scope(coop=run.coop):
        assert PlanningRun.objects.get(pk=run.pk).status == PlanningRun.Status.RUNNING
    progress = client.get(run_url(roomy, "progress/"), **HTMX)
    assert progress.status_code == 200 and "HX-Refresh" not in progress
    with scope(coop=run.coop):
        planning.planning_run_execute(run_id=run.pk, solution_limit=60)  # what the routing worker does
    assert client.get(run_url(roomy, "progress/"), **HTMX)["HX-Refresh"] == "true"
    with scope(coop=run.coop):
        run.refresh_from_db()
        assert run.status == PlanningRun.Status.READY
        kept = list(Stop.objects.filter(pk__in=pinned).order_by("sequence").values_list("pk", "route__vehicle_key"))
    assert kept == [(stop_id, target.vehicle_key) for stop_id in pinned]
    data = map_data(client.get(run_url(roomy)).content.decode())
    stops = next(r["stops"] for r in data["routes"] if r["id"] == target.pk)
    assert [s["id"] for s in stops if s["pinned"]] == pinned


def test_re_optimise_without_javascript_redirects_to_the_progress(fixer, ready, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = fixer.post(run_url(ready, "reoptimise/"), {"time_budget": "3"})
    assert response.status_code == 302 and len(callbacks) == 1
    body = fixer.get(response["Location"]).content.decode()
    assert "Re-optimising" in body and 'id="run-progress"' in body and "Refresh to see progress" in body
    refused = fixer.post(run_url(ready, "reoptimise/"), {"time_budget": "3"})
    assert refused.status_code == 400 and "Only a ready or published plan" in refused.content.decode()
    assert fixer.post(run_url(ready, "reoptimise/"), {"time_budget": "99999"}).status_code == 400


def test_starting_a_run_with_the_fixers_time_budget(fixer, ready, django_capture_on_commit_callbacks):
    cycle = ready["cycle"]
    listed = fixer.get(page(ready, f"cycles/{cycle.pk}/plans/")).content.decode()
    assert f"/plans/{ready['run'].pk}/" in listed and "Ready" in listed
    with django_capture_on_commit_callbacks() as callbacks:
        response = fixer.post(page(ready, f"cycles/{cycle.pk}/plans/start/"),
                              {"time_budget": "45", "objective": "distance", "vehicles": [ready["cooled"].pk]})
    assert response.status_code == 302 and len(callbacks) == 1
    with scope(coop=ready["coop"]):
        run = PlanningRun.objects.exclude(pk=ready["run"].pk).get(cycle=cycle)
        assert (run.time_budget_seconds, run.objective, run.vehicle_ids) == (45, "distance", [ready["cooled"].pk])
    assert response["Location"].endswith(f"/plans/{run.pk}/")
    body = fixer.get(response["Location"]).content.decode()
    assert 'id="run-progress"' in body and "about 45 s" in body
    too_long = fixer.post(page(ready, f"cycles/{cycle.pk}/plans/start/"), {"time_budget": "9999", "objective": "cost"})
    assert too_long.status_code == 400 and "errorlist" in too_long.content.decode()
    with scope(coop=ready["coop"]):
        open_cycle = factories.open_cycle(ready["coop"], name="Nog open")
    refused = fixer.post(page(ready, f"cycles/{open_cycle.pk}/plans/start/"), {"time_budget": "5", "objective": "cost"})
    assert refused.status_code == 400 and "once the cycle is closed" in refused.content.decode()
    assert PlanningRun.objects.with_scope(coop=ready["coop"]).filter(cycle=open_cycle).count() == 0


def test_publish_and_check_from_the_page(fixer, ready, django_capture_on_commit_callbacks):
    run = ready["run"]
    check = fixer.get(run_url(ready, "check/"), **HTMX)
    assert check.status_code == 200 and "passes the independent check" in check.content.decode()
    assert "passes the independent check" in fixer.get(run_url(ready, "check/")).content.decode()  # no JS
    with django_capture_on_commit_callbacks() as callbacks:
        response = fixer.post(run_url(ready, "publish/"), **HTMX)
    assert response.status_code == 200 and "Published" in response.content.decode()
    assert callbacks  # the e-mails (and route sheets) are queued for after the commit
    with scope(coop=run.coop):
        run.refresh_from_db()
        assert run.status == PlanningRun.Status.PUBLISHED and run.published_by == ready["fixer"].user
    notify_planning_run.apply(args=(run.coop_id, run.pk))  # what the worker does with the queued task
    recipients = {address for message in mail.outbox for address in message.to}
    assert {d.user.email for d in ready["drivers"]} & recipients and ready["home"].user.email in recipients
    again = fixer.post(run_url(ready, "publish/"))
    assert again.status_code == 400 and "Only a ready plan can be published" in again.content.decode()


def test_drivers_progress_is_shown_live(fixer, ready):
    run = ready["run"]
    with scope(coop=run.coop):
        planning.planning_run_publish(run_id=run.pk, notify=False)
        kitchen, pickup = stop_on(run, "deliver:business"), stop_on(run, "deliver:pickup")
        driver = Route.objects.get(pk=kitchen.route_id).driver
        planning.stop_event_record(stop_id=kitchen.pk, client_id="a-1", kind="done", membership=driver)
        planning.stop_event_record(stop_id=pickup.pk, client_id="a-2", kind="problem", membership=driver,
                                   problem="absent", note="gesloten poort")
    body = fixer.get(run_url(ready)).content.decode()
    assert 'id="plan-live"' in body and 'hx-trigger="every 15s"' in body
    live = fixer.get(run_url(ready, "live/"), **HTMX).content.decode()
    assert re.search(rf'id="live-stop-{kitchen.pk}">.*?stop-done', live, re.S)
    assert re.search(rf'id="live-stop-{pickup.pk}">.*?stop-problem.*?gesloten poort', live, re.S)


@contextmanager
def queued_notices(capture):
    """An edit of a published plan as the web makes it: its on-commit work runs, the tasks are collected."""
    with (mock.patch.object(notify_route_change, "apply_async") as notices,
          mock.patch.object(notify_planning_run, "apply_async"), capture(execute=True)):
        yield notices


def change_line(body: str, route: Route) -> str:
    found = re.search(rf'<p class="plan-route-change" id="route-change-{route.pk}">(.*?)</p>', body, re.S)
    return found.group(1) if found else ""


def test_the_fixer_sees_whether_each_driver_was_told_about_a_change(fixer, ready, django_capture_on_commit_callbacks,
                                                                   django_assert_max_num_queries):
    run = ready["run"]
    pickup = stop_on(run, "deliver:pickup")
    source, target = pickup.route, other_route(run, pickup)
    with scope(coop=run.coop):
        planning.planning_run_publish(run_id=run.pk, notify=False)
    assert "plan-route-change" not in fixer.get(run_url(ready)).content.decode(), "nothing changed yet"
    with scope(coop=run.coop), queued_notices(django_capture_on_commit_callbacks) as notices:
        planning.stop_move(stop_id=pickup.pk, route_id=target.pk, position=1)
    with django_assert_max_num_queries(8):  # 7 before route changes were shown: one query reads them all
        body = fixer.get(run_url(ready)).content.decode()
    assert change_line(body, source) == change_line(body, target) == "Change not yet sent to the driver"

    for call in notices.call_args_list:  # what the worker does after the pause
        assert notify_route_change.apply(args=call.kwargs["args"]).get() == "mailed"
    with scope(coop=run.coop):
        change = RouteChange.objects.get(run=run, driver=target.driver_id)
        told = f"Driver told at {timezone.localtime(change.mailed_at):%H:%M}"
    body = fixer.get(run_url(ready)).content.decode()
    assert change_line(body, source) == change_line(body, target) == told

    with scope(coop=run.coop):
        route_change_seen(change_id=change.pk, membership=target.driver, revision=change.revision)
    body = fixer.get(run_url(ready)).content.decode()
    assert change_line(body, target) == "Driver has seen the change" and change_line(body, source) == told


def test_a_cancelled_route_is_listed_with_whether_its_driver_was_told(fixer, ready):
    """Moving the last stop of a route away through the page (htmx): the route card is gone, the body the page
    swaps in lists the cancelled route with its driver, and the route that took the stop says it changed."""
    run = ready["run"]
    home = stop_on(run, "deliver:home")
    source, target = home.route, other_route(run, home)
    with scope(coop=run.coop):
        planning.planning_run_publish(run_id=run.pk, notify=False)
        driver = source.driver.user
    with mock.patch.object(notify_route_change, "apply_async"):
        response = fixer.post(page(ready, f"plans/stops/{home.pk}/move/"), {"route": target.pk}, **HTMX)
    body = response.content.decode()
    assert response.status_code == 200 and f'id="route-{source.pk}"' not in body
    cancelled = re.search(r'<ul class="msg" role="status" id="plan-cancelled"><li>(.*?)</li></ul>', body).group(1)
    assert cancelled == (f"Route of {driver.get_full_name() or driver.email} on {source.day:%A %-d %B} cancelled: "
                         "not yet sent to the driver")
    assert change_line(body, target) == "Change not yet sent to the driver"


def test_only_managers_reach_the_planning_pages(client, ready):
    run, cycle = ready["run"], ready["cycle"]
    with scope(coop=run.coop):
        stop, route = Stop.objects.filter(run=run, route__isnull=False).first(), Route.objects.filter(run=run).first()
    gets = [page(ready, f"cycles/{cycle.pk}/plans/"), run_url(ready), run_url(ready, "progress/"),
            run_url(ready, "check/"), run_url(ready, "live/")]
    posts = [page(ready, f"cycles/{cycle.pk}/plans/start/"), run_url(ready, "reoptimise/"), run_url(ready, "publish/"),
             page(ready, f"plans/stops/{stop.pk}/move/"), page(ready, f"plans/stops/{stop.pk}/pin/"),
             page(ready, f"plans/routes/{route.pk}/pin/")]
    for member in (ready["drivers"][0], ready["chef"], ready["home"]):
        client.force_login(member.user)
        for url in gets:
            assert client.get(url).status_code == 404, url
        for url in posts:
            assert client.post(url, {"pinned": "1", "route": route.pk, "time_budget": 5}).status_code == 404, url
    with scope(coop=run.coop):
        assert not Stop.objects.filter(run=run, is_pinned=True).exists()
        assert PlanningRun.objects.get(pk=run.pk).status == PlanningRun.Status.READY
    assert Decimal(run.total_km) > 0


def test_the_hub_cycle_page_links_to_the_rounds(fixer, ready):
    body = fixer.get(page(ready, f"cycles/{ready['cycle'].pk}/")).content.decode()
    assert f"/cycles/{ready['cycle'].pk}/plans/" in body
