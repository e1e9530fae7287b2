"""Route sheet PDFs (one per route, in the driver's language, rendered once per version of the route in the
documents queue; queued when a plan is published) and the SVG route sketch drawn from coordinates."""

import io
import re

import pytest
from django_scopes import scope
from planning_setup import closed_week, plan
from pypdf import PdfReader

from logistics import tasks_sheets
from logistics.models import Route, RouteSheet, Stop
from logistics.route_sketch import SketchPoint, route_sketch_svg
from logistics.services import planning
from logistics.services.route_sheets import route_sheet_render
from tests import factories


@pytest.fixture
def week(db):
    coop = factories.CooperativeFactory(slug="blad", name="Bladco")
    return {"coop": coop, **closed_week(coop)}


@pytest.fixture
def published(week):
    with scope(coop=week["coop"]):
        run = plan(week["cycle"])
        planning.planning_run_publish(run_id=run.pk, notify=False)
        route = Stop.objects.select_related("route").get(
            run=run, load__orders__0__customer_id=week["chef"].pk).route
    return {**week, "run": run, "route": route}


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(data)).pages)


def test_the_route_sheet_lists_stops_addresses_and_orders_and_is_rendered_once(published):
    coop, route = published["coop"], published["route"]
    with scope(coop=coop):
        assert route_sheet_render(route_id=route.pk) == "rendered"
        assert route_sheet_render(route_id=route.pk) == "already-ready"  # a retried task does nothing more
        sheet = RouteSheet.objects.get(route=route)
        stops = list(Stop.objects.filter(route=route).order_by("sequence"))
    text = pdf_text(sheet.file.read())
    for stop in stops:
        if stop.address:
            assert " ".join(stop.address.split()) in text
        for entry in stop.load.get("orders", []):
            assert entry["number"] in text
    assert "Route sheet" in text or "Rittenblad" in text or "Feuille de route" in text


def test_publishing_queues_the_route_sheets(week, django_capture_on_commit_callbacks, monkeypatch):
    coop = week["coop"]
    sheets, runs = [], []
    monkeypatch.setattr(tasks_sheets.render_route_sheets_of_run, "apply_async",
                        lambda args=(), kwargs=None, **options: runs.append(args))
    monkeypatch.setattr(tasks_sheets.render_route_sheet, "apply_async",
                        lambda args=(), kwargs=None, **options: sheets.append(args))
    with scope(coop=coop):
        run = plan(week["cycle"])
        with django_capture_on_commit_callbacks(execute=True):
            planning.planning_run_publish(run_id=run.pk, notify=False)
        assert runs == [(coop.pk, run.pk)]
        with django_capture_on_commit_callbacks(execute=True):
            count = tasks_sheets.render_route_sheets_of_run.run(coop.pk, run.pk)
        with_driver = set(Route.objects.filter(run=run, driver__isnull=False).values_list("pk", flat=True))
    assert count == len(with_driver) and {route_id for _coop, route_id in sheets} == with_driver


def test_the_sketch_is_scaled_to_its_box_with_numbered_stops_and_the_hub():
    hub = (50.88973, 4.85503)
    points = [SketchPoint(50.92370, 4.75374, "1", "Zuivelhoeve"), SketchPoint(50.80700, 4.93800, "2", "Tienen <b>"),
              SketchPoint(50.88958, 4.73134, "3", "Kessel-Lo")]
    svg = str(route_sketch_svg(points, start=hub, hub=hub, width=600))
    width, height = (int(v) for v in re.search(r'viewBox="0 0 (\d+) (\d+)"', svg).groups())
    line = re.search(r'<polyline points="([^"]+)"', svg).group(1).split()
    assert len(line) == 5  # hub, three stops, back to the hub
    for pair in line:
        x, y = (float(v) for v in pair.split(","))
        assert 0 <= x <= width and 0 <= y <= height
    assert [re.sub(r"<[^>]+>", "", m) for m in re.findall(r"<text[^>]*>[^<]*</text>", svg)] == ["H", "1", "2", "3"]
    assert "Tienen &lt;b&gt;" in svg and "<b>" not in svg
    # west is left, north is up
    circles = re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)"', svg)
    xs = [float(cx) for cx, _cy in circles]
    ys = [float(cy) for _cx, cy in circles]
    assert xs[2] < xs[0] < xs[1] and ys[0] < ys[2] < ys[1]
    assert route_sketch_svg([]) == ""
