"""The fixer sees proof of delivery: from the drivers' progress a done or problem stop opens its events in time
order (who received it, signature, photo, crates returned by item, note, kind of problem), as a page or an htmx
panel; signatures and photos only through a view that checks coop and role, stored under paths nobody can guess.
Another coop's manager, a driver of another route and a consumer get 404; the run page links each route's sheet
and the driver's view."""

import io
import re

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django_scopes import scope
from PIL import Image
from planning_setup import published_week
from rest_framework.test import APIClient

from logistics.models import Route, Stop, StopEvent
from logistics.services import planning
from tests import factories

HTMX = {"HTTP_HX_REQUEST": "true"}


def png(colour="white", size=(60, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def delivered(db):
    """A published plan; at the kitchen the driver arrived, then gave proof (name, signature, photo, 3 crates back,
    a note); at the pickup point nobody was there."""
    week = published_week(factories.CooperativeFactory(slug="bewijs", name="Bewijsco"))
    coop, run, kitchen = week["coop"], week["run"], week["kitchen"]
    with scope(coop=coop):
        point = Stop.objects.select_related("route__driver").get(run=run, task_key__startswith="deliver:pickup:")
        driver = kitchen.route.driver
        planning.stop_event_record(stop_id=kitchen.pk, client_id="k-1", kind="arrived", membership=driver,
                                   user=driver.user)
        planning.stop_event_record(
            stop_id=kitchen.pk, client_id="k-2", kind="done", membership=driver, user=driver.user,
            receiver_name="Chef Jan", note="achterdeur", crates_returned=[{"item": "veg_crate", "quantity": 3}],
            signature=ContentFile(png("white"), name="signature.png"),
            photo=ContentFile(png("orange", (80, 60)), name="photo.png"))
        planning.stop_event_record(stop_id=point.pk, client_id="p-1", kind="problem", membership=point.route.driver,
                                   user=point.route.driver.user, problem="absent", note="gesloten poort")
        proof = StopEvent.objects.get(client_id="k-2")
    return {**week, "point": point, "proof": proof}


def login(membership):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(membership.user)
    return client


def detail_url(coop, stop):
    return reverse("planning_stop_detail", kwargs={"coop_slug": coop.slug, "stop_id": stop.pk})


def file_url(coop, event, field):
    return reverse(f"planning_stop_event_{field}", kwargs={"coop_slug": coop.slug, "stop_event_id": event.pk})


def streamed(response) -> bytes:
    return b"".join(response.streaming_content)


def test_the_fixer_opens_a_done_stop_from_the_drivers_progress_and_sees_its_proof(delivered):
    coop, kitchen, proof = delivered["coop"], delivered["kitchen"], delivered["proof"]
    fixer = login(delivered["fixer"])
    live = fixer.get(reverse("planning_run_live", kwargs={"coop_slug": coop.slug,
                                                         "planning_run_id": delivered["run"].pk}), **HTMX)
    body = live.content.decode()
    url = detail_url(coop, kitchen)
    assert re.search(rf'id="live-stop-{kitchen.pk}">.*?href="{url}"[^>]*hx-get="{url}"', body, re.S)
    assert 'id="stop-proof-panel"' in body and "hx-preserve" in body  # survives the 15-second refresh
    assert detail_url(coop, delivered["point"]) in body

    page = fixer.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "<html" in html and "Chef Jan" in html and "achterdeur" in html
    assert re.search(r'class="crates-total">3 × [^<]*crate', html, re.I)
    assert html.index(">Arrived<") < html.index(">Done<"), "events in time order"
    signature, photo = file_url(coop, proof, "signature"), file_url(coop, proof, "photo")
    assert f'src="{signature}"' in html and f'src="{photo}"' in html
    assert "/media/" not in html and "stop-events/" not in html, "files are never linked by their storage path"

    panel = fixer.get(url, **HTMX).content.decode()
    assert "<html" not in panel and "Chef Jan" in panel and "stop-proof-close" in panel

    picture = fixer.get(signature)
    assert picture.status_code == 200 and picture["Content-Type"] == "image/png"
    assert streamed(picture) == png("white")
    assert "sandbox" in picture["Content-Security-Policy"] and picture["Cache-Control"].startswith("private")
    taken = fixer.get(photo)
    assert taken.status_code == 200 and streamed(taken) == png("orange", (80, 60))


def test_a_problem_stop_shows_the_kind_of_problem_and_the_note(delivered):
    html = login(delivered["fixer"]).get(detail_url(delivered["coop"], delivered["point"])).content.decode()
    assert "nobody there" in html and "gesloten poort" in html
    assert "/signature/" not in html and "/photo/" not in html  # nothing to show, no broken image


def test_what_the_phone_sent_is_never_shown_as_a_page(delivered):
    """The API accepts any file as a signature: bytes that are not an image go out as a download."""
    coop, kitchen = delivered["coop"], delivered["kitchen"]
    with scope(coop=coop):
        driver = kitchen.route.driver
        event, _created = planning.stop_event_record(
            stop_id=kitchen.pk, client_id="k-3", kind="proof", membership=driver,
            signature=ContentFile(b"<html><script>alert(1)</script></html>", name="x.html"))
    response = login(delivered["fixer"]).get(file_url(coop, event, "signature"))
    assert response.status_code == 200 and response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")


def test_stored_files_have_paths_nobody_can_guess(delivered):
    kitchen, proof = delivered["kitchen"], delivered["proof"]
    with scope(coop=delivered["coop"]):
        again, _created = planning.stop_event_record(
            stop_id=kitchen.pk, client_id="k-4", kind="proof", membership=kitchen.route.driver,
            signature=ContentFile(png(), name="signature.png"))
    first, second = proof.signature.name, again.signature.name
    assert "k-2" not in first, "not named after the client id the phone chose"
    assert first.rsplit("/", 2)[0] == f"stop-events/{delivered['coop'].pk}"
    assert first.split("/")[2] != second.split("/")[2] and len(first.split("/")[2]) >= 20


def test_others_get_404_for_the_proof_and_its_files(delivered):
    coop, kitchen, proof = delivered["coop"], delivered["kitchen"], delivered["proof"]
    urls = [detail_url(coop, kitchen), file_url(coop, proof, "signature"), file_url(coop, proof, "photo")]
    other_driver = next(d for d in delivered["drivers"] if d.pk != kitchen.route.driver_id)
    for member in (other_driver, delivered["people"][0], delivered["chef"]):
        client = login(member)
        assert [client.get(url).status_code for url in urls] == [404, 404, 404], member.user.email
    # the route's own driver may see what they recorded, but the fixer's page is the fixer's
    own = login(kitchen.route.driver)
    assert [own.get(url).status_code for url in urls] == [404, 200, 200]
    # a manager of another coop: at this coop's address, and from their own coop aimed at these ids
    other_coop = factories.CooperativeFactory(slug="anderbewijs", name="Anderbewijs")
    stranger = login(factories.MembershipFactory(coop=other_coop, roles=["fixer", "admin"],
                                                 user__email="fixer@anderbewijs.example"))
    aimed = [url.replace(f"/{coop.slug}/", f"/{other_coop.slug}/", 1) for url in urls]
    for url in urls + aimed:
        response = stranger.get(url)
        assert response.status_code == 404 and b"Chef Jan" not in response.content, url


def test_the_run_page_links_each_routes_sheet_and_the_drivers_view(delivered):
    coop, run = delivered["coop"], delivered["run"]
    html = login(delivered["fixer"]).get(
        reverse("planning_run", kwargs={"coop_slug": coop.slug, "planning_run_id": run.pk})).content.decode()
    with scope(coop=coop):
        routes = list(Route.objects.filter(run=run))
    assert routes
    for route in routes:
        kwargs = {"coop_slug": coop.slug, "route_id": route.pk}
        assert reverse("driver_route", kwargs=kwargs) in html and reverse("driver_route_sheet", kwargs=kwargs) in html
