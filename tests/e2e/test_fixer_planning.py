"""End-to-end: the fixer opens the plan of a closed week from the hub, sees the routes on the map, moves the
pickup point to the other Saturday van, where it is pinned (htmx: the km change in place), re-optimises (the
solve's progress is polled, then the page shows the new plan with the pinned stop where the fixer put it),
checks the plan and publishes it; drivers get their route by e-mail. Screenshots go to test-artifacts/.

No tile server: the map draws the routes on a blank background, so the screenshot does not depend on the
network. The routing worker is replaced by a thread in the test process (same task, same code), and the
e-mails run in place; other tasks queued on publishing are not run here.
"""

import threading

import pytest
from django.core import mail
from django.db import connection, transaction
from django_scopes import scope

from logistics.models import PlanningRun, Route, Stop
from logistics.services import planning as planning_service
from logistics.tasks_planning import notify_planning_run, plan_run
from tests import factories
from tests.e2e.support import artifact, login
from tests.logistics.planning_setup import closed_week, plan


@pytest.fixture
def week(transactional_db):
    coop = factories.CooperativeFactory(slug="rondes", name="Coöperatie Rondes")
    world = closed_week(coop)
    with scope(coop=coop):
        # both vans cooled: the pickup point may go on either Saturday van, so moving it is the fixer's choice
        type(world["plain"]).objects.filter(pk=world["plain"].pk).update(is_cooled=True)
        run = plan(world["cycle"])
        pickup = Stop.objects.select_related("route").get(run=run, task_key__startswith="deliver:pickup")
        target = Route.objects.filter(run=run, day=pickup.route.day).exclude(pk=pickup.route_id).get()
    return {**world, "coop": coop, "run": run, "pickup": pickup, "target": target}


def _solve_in_a_thread(*args, **kwargs):
    def work():
        try:
            plan_run.apply(args=args, kwargs=kwargs)
        finally:
            connection.close()

    threading.Thread(target=work, daemon=True).start()


def _run_here(task, *args, **kwargs):
    """Stands in for enqueue_on_commit: the solve as a worker would run it (in the background), e-mails in place."""
    if task.name == plan_run.name:
        transaction.on_commit(lambda: _solve_in_a_thread(*args, **kwargs))
    elif task.name == notify_planning_run.name:
        transaction.on_commit(lambda: task.apply(args=args, kwargs=kwargs))


def test_fixer_moves_a_stop_re_optimises_and_publishes(live_server, chromium, week, monkeypatch, settings):
    monkeypatch.setattr(planning_service, "enqueue_on_commit", _run_here)
    settings.MAP_TILE_URL = ""
    coop, cycle, run, pickup, target = week["coop"], week["cycle"], week["run"], week["pickup"], week["target"]
    position = "2" if target.start_at.hour < 12 else "1"  # after the kitchen's morning stop, or before the home
    stops = Stop.objects.with_scope(coop=coop).filter(run=run, route__isnull=False).count()
    with chromium(viewport={"width": 1400, "height": 900}, locale="en-GB") as page:
        page.on("dialog", lambda dialog: dialog.accept())  # "Publish this plan?"
        hub_cycle = f"/{coop.slug}/hub/cycles/{cycle.pk}/"
        login(page, week["fixer"].user, hub_cycle)

        page.click(f"a[href='{hub_cycle}plans/']")
        page.click(f"a[href='/{coop.slug}/hub/plans/{run.pk}/']")
        run_page = f"{live_server.url}/{coop.slug}/hub/plans/{run.pk}/"
        assert page.url == run_page
        page.wait_for_selector("#plan-map .plan-marker.hub")
        assert page.locator("#plan-map .plan-marker.stop").count() == stops
        assert page.locator("#plan-map path.leaflet-interactive").count() == run.vehicles_used
        km_before = page.inner_text("#total-km")

        # Move the pickup point to the other van, in place (htmx), then pin it there.
        form = page.locator(f"#stop-{pickup.pk} form.move-form")
        form.locator("select[name=route]").select_option(str(target.pk))
        form.locator("input[name=position]").fill(position)
        form.locator("button[type=submit]").click()
        page.wait_for_selector("#plan-notice")
        assert f"is now stop {position} of" in page.inner_text("#plan-notice")
        assert "pinned there" in page.inner_text("#plan-notice")
        assert page.inner_text("#total-km") != km_before
        assert page.url == run_page  # no page load: the body was swapped, the map redrawn from its new data
        assert page.locator(f"#route-{target.pk} #stop-{pickup.pk}").count() == 1
        # A moved stop is pinned where it lands: the page offers to unpin it.
        page.wait_for_selector(f"#route-{target.pk} #stop-{pickup.pk}.pinned")
        assert page.locator(f"#stop-{pickup.pk} button[name=pinned][value='0']").count() == 1
        page.locator("#plan-map").screenshot(path=artifact("fixer-planning-map-moved.png"))

        # Re-optimise the rest: the progress is polled, then the page is loaded again with the new plan.
        page.fill("#reopt-budget", "2")
        page.click("#reoptimise")
        page.wait_for_selector("#run-progress")
        page.wait_for_selector("#publish", timeout=60_000)
        assert page.locator(f"#route-{target.pk} #stop-{pickup.pk}.pinned").count() == 1

        page.click("#check-plan")
        page.wait_for_selector("#check-result")
        page.click("#publish")
        page.wait_for_selector(".badge.run-published")
        assert "Published" in page.inner_text("#plan-notice")
        page.wait_for_selector("#plan-live")
        page.wait_for_selector("#plan-map .plan-marker.stop")
        page.locator("#plan-map").screenshot(path=artifact("fixer-planning-map.png"))
        page.screenshot(path=artifact("fixer-planning.png"), full_page=True)
    with scope(coop=coop):
        run.refresh_from_db()
        pickup.refresh_from_db()
        assert run.status == PlanningRun.Status.PUBLISHED
        assert pickup.route_id == target.pk and pickup.is_pinned
    drivers = {member.user.email for member in week["drivers"]}
    assert drivers & {address for message in mail.outbox for address in message.to}
