"""End-to-end: a driver on a phone runs the delivery morning of a published plan. At the first stop they tap
"arrived", then give proof of delivery (name, a signature drawn on the screen, crates returned); the second stop
is done while the network is gone: the update waits on the phone ("1 update waiting"), nothing reaches the
server, and once the network is back it is sent by itself and recorded exactly once. Screenshots go to
test-artifacts/. When the fixer changes the published plan, the driver's page says so until the driver marks
it seen.

While offline the driver also reloads the page: the service worker serves the copy of the last visit, and the
waiting update (kept in IndexedDB) and the stop already done are still shown as such. Trying to log out then,
the phone asks first (the update would stay behind); once all is sent, logging out asks nothing and leaves no
copy of the day on the phone (offline, the driver's address shows nothing), while the queue's database stays.
"""

import io

import pytest
from django_scopes import scope
from PIL import Image

from logistics.models import DepositMovement, Stop, StopEvent
from logistics.services import planning
from logistics.tasks_planning import notify_route_change
from tests import factories
from tests.e2e.support import PHONE, artifact, login
from tests.logistics.planning_setup import published_week

LOGOUT = "form[action='/accounts/logout/'] button"


@pytest.fixture
def morning(transactional_db, monkeypatch):
    monkeypatch.setattr(planning, "enqueue_on_commit", lambda *args, **kwargs: None)  # no worker: no sheets, mails
    world = published_week(factories.CooperativeFactory(slug="ritdag", name="Coöperatie Ritdag"))
    kitchen = world["kitchen"]
    with scope(coop=world["coop"]):
        stops = [s for s in Stop.objects.filter(route=kitchen.route).order_by("sequence") if s.kind != "depot"]
    assert len(stops) >= 2, "the cooled van's delivery morning has the kitchen and the pickup point"
    return {**world, "route": kitchen.route, "stops": stops[:2]}


def _photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (180, 120, 60)).save(buffer, format="JPEG")
    return buffer.getvalue()


def _events_at(coop, stop) -> int:
    with scope(coop=coop):
        return StopEvent.objects.filter(stop=stop).count()


def test_driver_completes_two_stops_one_of_them_offline(chromium, morning):
    coop, route, (first, second) = morning["coop"], morning["route"], morning["stops"]
    driver = route.driver.user
    day_url = f"/{coop.slug}/driver/?day={route.day:%Y-%m-%d}"
    with chromium(viewport=PHONE, has_touch=True) as page:
        login(page, driver, day_url)
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        page.reload()  # now under the service worker, which keeps a copy of the page
        assert page.evaluate("!!navigator.serviceWorker.controller")
        card = f"#stop-{first.pk}"
        assert page.locator(f"{card} a[href^='geo:']").count() == 1

        # Stop 1, online: arrived, then proof of delivery with a signature and two crates back.
        page.click(f"{card} .quick-form:has(input[name=kind][value=arrived]) button")
        page.wait_for_selector(f"{card}.status-arrived:not(.queued)")
        page.click(f"{card} details.pod summary")
        page.fill(f"#s{first.pk}-proof-receiver_name", "Chef Jan")
        box = page.locator(f"{card} [data-signature] canvas").bounding_box()
        page.mouse.move(box["x"] + 20, box["y"] + 40)
        page.mouse.down()
        for step in range(1, 12):
            page.mouse.move(box["x"] + 20 + step * 22, box["y"] + 40 + (step % 3) * 18)
        page.mouse.up()
        page.fill(f"#s{first.pk}-proof-crates_veg_crate", "2")
        page.click(f"{card} .pod-form button[name=kind][value=done]")
        page.wait_for_selector(f"{card}.status-done:not(.queued)")
        page.wait_for_function("document.querySelector('#outbox').dataset.waiting === '0'")

        # Stop 2, offline: the update waits on the phone.
        card = f"#stop-{second.pk}"
        page.context.set_offline(True)
        page.click(f"{card} details.pod summary")
        page.fill(f"#s{second.pk}-proof-receiver_name", "Els")
        page.set_input_files(f"#s{second.pk}-proof-photo",
                             files=[{"name": "levering.jpg", "mimeType": "image/jpeg", "buffer": _photo()}])
        page.click(f"{card} .pod-form button[name=kind][value=done]")
        page.wait_for_selector(f"{card}.status-done.queued")
        page.wait_for_function("document.querySelector('#outbox').dataset.waiting === '1'")
        assert page.is_visible("#outbox")
        page.wait_for_timeout(1500)  # a retry or two while offline
        assert _events_at(coop, second) == 0
        page.reload()  # offline: the service worker's copy, the queue still on the phone
        page.wait_for_selector(f"{card}.status-done.queued")
        page.wait_for_selector(f"#stop-{first.pk}.status-done:not(.queued)")
        page.wait_for_function("document.querySelector('#outbox').dataset.waiting === '1'")
        page.screenshot(path=artifact("driver-day-offline-phone.png"), full_page=True)
        # Logging out now would leave the update behind: the phone asks first, and "no" keeps everything.
        with page.expect_event("dialog") as asked:
            page.click(LOGOUT)
        assert "1" in asked.value.message
        asked.value.dismiss()
        page.wait_for_timeout(300)
        assert page.url.endswith(day_url) and page.is_visible(LOGOUT)
        page.wait_for_function("document.querySelector('#outbox').dataset.waiting === '1'")

        # The network is back: the queue is sent by itself.
        page.context.set_offline(False)
        page.wait_for_function("document.querySelector('#outbox').dataset.waiting === '0'")
        page.wait_for_selector(f"{card}.status-done:not(.queued)")
        page.wait_for_timeout(1000)  # room for a second (duplicate) send, which must not record anything
        page.screenshot(path=artifact("driver-day-phone.png"), full_page=True)

        # Logging out with nothing waiting: no question; the copy of the day is gone from the phone.
        page.on("dialog", lambda dialog: pytest.fail(f"asked without need: {dialog.message}"))
        with page.expect_navigation():
            page.click(LOGOUT)
        kept = ["kk-driver-"]
        for _attempt in range(50):
            kept = page.evaluate("caches.keys()")
            if not any(name.startswith("kk-driver-") for name in kept):
                break
            page.wait_for_timeout(100)
        assert not any(name.startswith("kk-driver-") for name in kept), kept
        page.context.set_offline(True)
        page.goto(day_url)  # the service worker has nothing left to show
        assert "Els" not in page.content() and first.name not in page.content()
        assert page.evaluate("indexedDB.databases().then(d => d.map(x => x.name))") == ["kk-driver"]
    with scope(coop=coop):
        first_events = list(StopEvent.objects.filter(stop=first).order_by("pk"))
        assert [e.kind for e in first_events] == ["arrived", "done"]
        proof = first_events[1]
        assert proof.receiver_name == "Chef Jan" and proof.signature.read().startswith(b"\x89PNG")
        assert [(row["item"], row["quantity"]) for row in proof.crates_returned] == [("veg_crate", 2)]
        assert DepositMovement.objects.filter(direction="back", quantity=2, cycle=route.run.cycle).count() == 1
        offline = StopEvent.objects.filter(stop=second)
        assert offline.count() == 1, "sent once the network was back, recorded exactly once"
        event = offline.get()
        assert (event.kind, event.receiver_name, event.recorded_by_id) == ("done", "Els", driver.pk)
        assert event.photo.name and event.recorded_at < event.received_at
        assert {s.status for s in Stop.objects.filter(pk__in=[first.pk, second.pk])} == {Stop.Status.DONE}


def test_driver_sees_that_the_fixer_changed_the_route_and_marks_it_seen(chromium, morning, monkeypatch):
    monkeypatch.setattr(notify_route_change, "apply_async", lambda *args, **kwargs: None)  # no worker: no e-mail
    coop, route, (first, second) = morning["coop"], morning["route"], morning["stops"]
    day_url = f"/{coop.slug}/driver/?day={route.day:%Y-%m-%d}"
    with chromium(viewport=PHONE, has_touch=True) as page:
        login(page, route.driver.user, day_url)
        assert page.locator(".route-change").count() == 0
        with scope(coop=coop):
            planning.stop_move(stop_id=second.pk, route_id=None)  # the fixer leaves the second stop out
        page.reload()
        note = page.locator(".route-change")
        assert note.count() == 1 and note.is_visible() and page.locator(".route-change.cancelled").count() == 0
        assert page.locator(f"#stop-{second.pk}").count() == 0 and page.locator(f"#stop-{first.pk}").count() == 1
        page.screenshot(path=artifact("driver-day-changed-phone.png"), full_page=True)
        with page.expect_navigation():
            note.locator("button[type=submit]").click()
        assert page.url.endswith(day_url)
        assert page.locator(".route-change").count() == 0 and page.locator(f"#stop-{first.pk}").count() == 1
