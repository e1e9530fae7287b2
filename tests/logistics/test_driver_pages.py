"""The driver's day (/<coop>/driver/): own routes in order with what to hand over, arrived / done / problem,
proof of delivery with crates booked into the ledger exactly once, a client id sent twice applied once, another
driver or another coop answered 404; the route sheet download (a changed route gets a new sheet)."""

import base64
import io
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_scopes import scope
from PIL import Image
from planning_setup import closed_week, plan
from rest_framework.test import APIClient

from catalog.models import DepositItem
from logistics import tasks_sheets
from logistics.models import DepositMovement, Route, RouteSheet, Stop, StopEvent
from logistics.services import planning
from logistics.services.hub import deposit_balances
from logistics.services.route_sheets import route_sheet_render
from tests import factories


@pytest.fixture
def week(db):
    coop = factories.CooperativeFactory(slug="rit", name="Ritco")
    week = closed_week(coop)
    with scope(coop=coop):
        if not DepositItem.objects.filter(code="veg_crate").exists():
            factories.deposit_item(coop, code="veg_crate", kind="crate", value="3.00")
        factories.deposit_item(coop, code="milk_bottle_1l", kind="bottle")
    return {"coop": coop, **week}


@pytest.fixture
def published(week):
    with scope(coop=week["coop"]):
        run = plan(week["cycle"])
        planning.planning_run_publish(run_id=run.pk, notify=False)
        routes = list(Route.objects.filter(run=run, driver__isnull=False).select_related("driver__user"))
        kitchen = Stop.objects.select_related("route").get(run=run, load__orders__0__customer_id=week["chef"].pk)
        point = Stop.objects.select_related("route").get(run=run, task_key__startswith="deliver:pickup:")
    assert kitchen.route is not None and point.route is not None
    return {**week, "run": run, "routes": routes, "kitchen": kitchen, "point": point}


def login(membership):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(membership.user)
    return client


def today_url(coop, day=None):
    return reverse("driver_today", kwargs={"coop_slug": coop.slug}) + (f"?day={day:%Y-%m-%d}" if day else "")


def event_url(coop, stop):
    return reverse("driver_stop_event", kwargs={"coop_slug": coop.slug, "stop_id": stop.pk})


def form_values(html: str, stop: Stop, kind: str) -> dict:
    """The hidden values of one of a stop's forms as the page rendered them (client id made by the server)."""
    match = re.search(rf'id="s{stop.pk}-{kind}-client_id"', html)
    assert match, f"no {kind} form for stop {stop.pk}"
    tag = html[html.rfind("<input", 0, match.start()):html.find(">", match.start())]
    return {"client_id": re.search(r'value="([^"]+)"', tag).group(1), "kind": kind}


def png_bytes(size=(40, 20)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "white").save(buffer, format="PNG")
    return buffer.getvalue()


def other_stops(published, route):
    with scope(coop=published["coop"]):
        return list(Stop.objects.filter(run=published["run"], route__isnull=False).exclude(route=route))


# --- the page ---------------------------------------------------------------------------------------------

def test_the_driver_sees_their_own_route_of_the_day_in_order(published, django_assert_max_num_queries):
    coop, route = published["coop"], published["kitchen"].route
    with scope(coop=coop):
        stops = list(Stop.objects.filter(route=route).order_by("sequence"))
        orders = [entry["number"] for stop in stops for entry in stop.load.get("orders", [])]
    client = login(route.driver)
    with django_assert_max_num_queries(30):
        response = client.get(today_url(coop, route.day))
    assert response.status_code == 200
    html = response.content.decode()
    positions = [html.index(f'id="stop-{stop.pk}"') for stop in stops]
    assert positions == sorted(positions), "stops are listed in driving order"
    assert orders and all(number in html for number in orders)
    kitchen = published["kitchen"]
    assert f"geo:{kitchen.latitude},{kitchen.longitude}?q={kitchen.latitude},{kitchen.longitude}(" in html
    assert kitchen.address in html
    # the kitchen's order is chilled: listed with its chilled crates
    assert re.search(r"crates? chilled", html)
    for stop in other_stops(published, route):
        if stop.route.driver_id != route.driver_id:
            assert f'id="stop-{stop.pk}"' not in html, "another driver's stop is not on my page"
    assert "<svg" in html and "route-sketch" in html
    assert reverse("driver_route_sheet", kwargs={"coop_slug": coop.slug, "route_id": route.pk}) in html


def test_today_without_a_route_links_to_the_next_route(published):
    coop, route = published["coop"], published["kitchen"].route
    first_day = min(r.day for r in published["routes"] if r.driver_id == route.driver_id)
    client = login(route.driver)
    response = client.get(today_url(coop, route.day - timedelta(days=7)))
    assert response.status_code == 200
    assert "No route for you on this day." in response.content.decode()
    assert f"?day={first_day:%Y-%m-%d}" in response.content.decode()
    assert client.get(today_url(coop) + "?day=gisteren").status_code == 404


def test_a_plan_that_is_not_published_shows_nothing(week):
    coop = week["coop"]
    with scope(coop=coop):
        run = plan(week["cycle"])
        route = Route.objects.filter(run=run, driver__isnull=False).first()
        stop = Stop.objects.filter(route=route).first()
    client = login(route.driver)
    assert f'id="stop-{stop.pk}"' not in client.get(today_url(coop, route.day)).content.decode()
    assert client.get(reverse("driver_route", kwargs={"coop_slug": coop.slug, "route_id": route.pk})).status_code == 404
    assert client.post(event_url(coop, stop), {"client_id": "x1", "kind": "arrived"}).status_code == 404


# --- arrived, done, problem, proof -------------------------------------------------------------------------

def test_arrived_done_and_problem_are_recorded_from_plain_forms(published):
    coop, kitchen, point = published["coop"], published["kitchen"], published["point"]
    client = login(kitchen.route.driver)
    html = client.get(today_url(coop, kitchen.route.day)).content.decode()
    arrived = client.post(event_url(coop, kitchen), {**form_values(html, kitchen, "arrived"),
                                                     "next": today_url(coop, kitchen.route.day)})
    assert arrived.status_code == 302 and arrived["Location"].endswith(f"#stop-{kitchen.pk}")
    with scope(coop=coop):
        assert Stop.objects.get(pk=kitchen.pk).status == Stop.Status.ARRIVED
    assert client.post(event_url(coop, kitchen), form_values(html, kitchen, "done")).status_code == 302
    with scope(coop=coop):
        assert Stop.objects.get(pk=kitchen.pk).status == Stop.Status.DONE
    client_point = login(point.route.driver)
    page = client_point.get(today_url(coop, point.route.day)).content.decode()
    problem = client_point.post(event_url(coop, point), {**form_values(page, point, "problem"), "problem": "absent"})
    assert problem.status_code == 302
    with scope(coop=coop):
        assert Stop.objects.get(pk=point.pk).status == Stop.Status.PROBLEM
        assert list(StopEvent.objects.filter(stop__in=[kitchen, point]).order_by("pk").values_list(
            "kind", "problem", "recorded_by")) == [("arrived", "", kitchen.route.driver.user_id),
                                                   ("done", "", kitchen.route.driver.user_id),
                                                   ("problem", "absent", point.route.driver.user_id)]


def test_proof_of_delivery_with_signature_photo_and_crates_books_the_ledger_exactly(published):
    coop, kitchen, chef = published["coop"], published["kitchen"], published["chef"]
    client = login(kitchen.route.driver)
    html = client.get(today_url(coop, kitchen.route.day)).content.decode()
    assert f'id="s{kitchen.pk}-proof-crates_veg_crate"' in html
    with scope(coop=coop):
        before = deposit_balances(customer=chef)
        backs = DepositMovement.objects.filter(direction="back").count()
    signature = "data:image/png;base64," + base64.b64encode(png_bytes()).decode()
    values = {**form_values(html, kitchen, "proof"), "kind": "done", "receiver_name": "Chef Jan",
              "signature_data": signature, "photo": SimpleUploadedFile("pod.png", png_bytes((80, 60)), "image/png"),
              "crates_veg_crate": "3", "crates_milk_bottle_1l": "2", "note": "achterdeur"}
    response = client.post(event_url(coop, kitchen), values)
    assert response.status_code == 302
    with scope(coop=coop):
        event = StopEvent.objects.get(stop=kitchen)
        assert (event.kind, event.receiver_name, event.note) == ("done", "Chef Jan", "achterdeur")
        assert event.signature.read().startswith(b"\x89PNG") and event.photo.name
        assert sorted((row["item"], row["quantity"], row["customer"]) for row in event.crates_returned) == [
            ("milk_bottle_1l", 2, chef.pk), ("veg_crate", 3, chef.pk)]
        assert DepositMovement.objects.filter(direction="back").count() == backs + 2
        after = deposit_balances(customer=chef)
        assert after.get("veg_crate", 0) == before.get("veg_crate", 0) - 3
        assert after.get("milk_bottle_1l", 0) == before.get("milk_bottle_1l", 0) - 2
        assert Stop.objects.get(pk=kitchen.pk).status == Stop.Status.DONE


def test_the_same_client_id_twice_is_applied_once(published):
    """A double tap (plain form) and a queue sent again after a lost answer (JSON) both hit the client id."""
    coop, kitchen = published["coop"], published["kitchen"]
    client = login(kitchen.route.driver)
    html = client.get(today_url(coop, kitchen.route.day)).content.decode()
    values = {**form_values(html, kitchen, "proof"), "kind": "done", "receiver_name": "Chef Jan",
              "crates_veg_crate": "4"}
    with scope(coop=coop):
        backs = DepositMovement.objects.filter(direction="back").count()
    assert client.post(event_url(coop, kitchen), values).status_code == 302
    assert client.post(event_url(coop, kitchen), values).status_code == 302  # the double tap
    again = client.post(event_url(coop, kitchen), values, HTTP_ACCEPT="application/json")  # the phone's queue
    assert again.status_code == 200 and again.json()["created"] is False and again.json()["stop_status"] == "done"
    with scope(coop=coop):
        assert StopEvent.objects.filter(client_id=values["client_id"]).count() == 1
        assert DepositMovement.objects.filter(direction="back").count() == backs + 1
        assert DepositMovement.objects.filter(direction="back").latest("pk").quantity == 4


def test_the_queue_gets_json_answers(published):
    coop, kitchen = published["coop"], published["kitchen"]
    client = login(kitchen.route.driver)
    first = client.post(event_url(coop, kitchen), {"client_id": "0f" * 16, "kind": "arrived",
                                                   "recorded_at": "2026-01-01T08:15:00+01:00"},
                        HTTP_ACCEPT="application/json")
    assert first.status_code == 201
    assert first.json()["stop_status"] == "arrived" and first.json()["created"] is True
    with scope(coop=coop):
        assert StopEvent.objects.get(client_id="0f" * 16).recorded_at.isoformat().startswith("2026-01-01T07:15")
    bad = client.post(event_url(coop, kitchen), {"client_id": "1f" * 16, "kind": "done",
                                                 "crates_veg_crate": "-2"}, HTTP_ACCEPT="application/json")
    assert bad.status_code == 400 and bad.json()["detail"]
    scribble = client.post(event_url(coop, kitchen), {"client_id": "2f" * 16, "kind": "done",
                                                      "signature_data": "data:image/png;base64,bm90IGEgcG5n"},
                           HTTP_ACCEPT="application/json")
    assert scribble.status_code == 400 and "PNG" in scribble.json()["detail"]
    with scope(coop=coop):
        assert not StopEvent.objects.filter(client_id__in=["1f" * 16, "2f" * 16]).exists()
    # the API answers the same stop with a navigation link that names the place
    api = client.get(f"/api/v1/{coop.slug}/stops/{kitchen.pk}/").json()
    assert api["navigation_url"].startswith(f"geo:{kitchen.latitude},{kitchen.longitude}?q=") and "(" in api[
        "navigation_url"]


def test_crates_at_a_shared_stop_ask_whose_order_and_the_page_keeps_what_was_typed(published):
    coop, point = published["coop"], published["point"]
    client = login(point.route.driver)
    html = client.get(today_url(coop, point.route.day)).content.decode()
    assert f'id="s{point.pk}-proof-order"' in html  # several customers get goods here
    values = {**form_values(html, point, "proof"), "kind": "done", "receiver_name": "Els van het afhaalpunt",
              "crates_veg_crate": "2"}
    vague = client.post(event_url(coop, point), values)
    assert vague.status_code == 400
    page = vague.content.decode()
    assert "say which order" in page and 'value="Els van het afhaalpunt"' in page
    assert f'name="next" value="{today_url(coop, point.route.day)}"' in page.replace("&amp;", "&")  # back to the day
    with scope(coop=coop):
        assert not StopEvent.objects.filter(stop=point).exists()
    order = point.load["orders"][1]
    assert client.post(event_url(coop, point), {**values, "order": order["id"]}).status_code == 302
    with scope(coop=coop):
        customer = type(published["chef"]).objects.get(pk=order["customer_id"])
        movement = DepositMovement.objects.filter(direction="back").latest("pk")
        assert (movement.customer_id, movement.quantity, movement.cycle_id) == (customer.pk, 2, published["cycle"].pk)


# --- who may see what --------------------------------------------------------------------------------------

def test_another_driver_of_the_coop_gets_404_for_page_forms_sheet_and_api(published):
    coop, kitchen = published["coop"], published["kitchen"]
    other = next(d for d in published["drivers"] if d.pk != kitchen.route.driver_id)
    client = login(other)
    route_kwargs = {"coop_slug": coop.slug, "route_id": kitchen.route_id}
    assert client.get(reverse("driver_route", kwargs=route_kwargs)).status_code == 404
    assert client.get(reverse("driver_route_sheet", kwargs=route_kwargs)).status_code == 404
    assert client.post(event_url(coop, kitchen), {"client_id": "3f" * 16, "kind": "done"}).status_code == 404
    assert client.post(event_url(coop, kitchen), {"client_id": "3f" * 16, "kind": "done"},
                       HTTP_ACCEPT="application/json").status_code == 404
    assert client.get(f"/api/v1/{coop.slug}/stops/{kitchen.pk}/").status_code == 404
    assert client.get(f"/api/v1/{coop.slug}/routes/{kitchen.route_id}/").status_code == 404
    api = client.post(f"/api/v1/{coop.slug}/stops/{kitchen.pk}/events/", {"client_id": "4f" * 16, "kind": "done"},
                      format="json")
    assert api.status_code == 404
    # a consumer of the same coop has no driver's page at all
    assert login(published["people"][0]).get(today_url(coop)).status_code == 404
    with scope(coop=coop):
        assert not StopEvent.objects.filter(stop=kitchen).exists()


def test_a_driver_of_another_coop_gets_404(published):
    coop, kitchen = published["coop"], published["kitchen"]
    other_coop = factories.CooperativeFactory(slug="anderco", name="Anderco")
    stranger = factories.MembershipFactory(coop=other_coop, roles=["driver"], user__email="rijder@anderco.example")
    client = login(stranger)
    assert client.get(today_url(coop)).status_code == 404
    assert client.post(event_url(coop, kitchen), {"client_id": "5f" * 16, "kind": "done"}).status_code == 404
    # aimed from their own coop at this coop's stop and route
    own = reverse("driver_stop_event", kwargs={"coop_slug": other_coop.slug, "stop_id": kitchen.pk})
    assert client.post(own, {"client_id": "5f" * 16, "kind": "done"}).status_code == 404
    own_route = reverse("driver_route", kwargs={"coop_slug": other_coop.slug, "route_id": kitchen.route_id})
    assert client.get(own_route).status_code == 404
    assert client.post(f"/api/v1/{coop.slug}/stops/{kitchen.pk}/events/", {"client_id": "5f" * 16, "kind": "done"},
                       format="json").status_code == 404
    with scope(coop=coop):
        assert not StopEvent.objects.filter(stop=kitchen).exists()


def test_the_fixer_may_open_any_route(published):
    coop, kitchen = published["coop"], published["kitchen"]
    response = login(published["fixer"]).get(
        reverse("driver_route", kwargs={"coop_slug": coop.slug, "route_id": kitchen.route_id}))
    assert response.status_code == 200 and f'id="stop-{kitchen.pk}"' in response.content.decode()


# --- the route sheet ---------------------------------------------------------------------------------------

def test_the_driver_and_the_fixer_download_the_route_sheet(published):
    coop, route = published["coop"], published["kitchen"].route
    with scope(coop=coop):
        route_sheet_render(route_id=route.pk)
    for client in (login(route.driver), login(published["fixer"])):
        response = client.get(reverse("driver_route_sheet", kwargs={"coop_slug": coop.slug, "route_id": route.pk}))
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_a_changed_route_gets_a_new_sheet(published, django_capture_on_commit_callbacks, monkeypatch):
    coop, route = published["coop"], published["kitchen"].route
    queued = []
    monkeypatch.setattr(tasks_sheets.render_route_sheet, "apply_async",
                        lambda args=(), kwargs=None, **options: queued.append(args))
    with scope(coop=coop):
        route_sheet_render(route_id=route.pk)
        last = Stop.objects.filter(route=route).order_by("-sequence").first()
        planning.stop_move(stop_id=last.pk, route_id=route.pk, position=1)  # the fixer changes the order
    url = reverse("driver_route_sheet", kwargs={"coop_slug": coop.slug, "route_id": route.pk})
    with django_capture_on_commit_callbacks(execute=True):
        response = login(route.driver).get(url)
    assert response.status_code == 202 and queued == [(coop.pk, route.pk)]
    with django_capture_on_commit_callbacks(execute=True):
        login(route.driver).get(url)  # the waiting page reloads: not queued again
    assert len(queued) == 1
    with scope(coop=coop):
        assert route_sheet_render(route_id=route.pk) == "rendered"
        sheet = RouteSheet.objects.get(route=route)
        first_line = Stop.objects.filter(route=route).order_by("sequence").first()
    assert sheet.status == RouteSheet.Status.READY
    assert login(route.driver).get(url).status_code == 200
    assert first_line.pk == last.pk
