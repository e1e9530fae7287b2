"""End-to-end: a plan made with the cooled van alone leaves the evening home delivery out; the fixer picks the
plain van under "Start a route with" in that stop's move form and the van's route appears in place (htmx: a new
route card, its line on the map, the totals), then moves the stop back out and the route is gone again.
Screenshot of the map with the new route in test-artifacts/.
"""

import pytest
from django_scopes import scope

from logistics.models import Route, Stop
from tests import factories
from tests.e2e.support import artifact, login
from tests.logistics.planning_setup import closed_week, plan


@pytest.fixture
def week(transactional_db):
    coop = factories.CooperativeFactory(slug="nieuwe-rit", name="Coöperatie Nieuwe Rit")
    world = closed_week(coop)
    with scope(coop=coop):
        run = plan(world["cycle"], vehicles=[world["cooled"]])
        home = Stop.objects.get(run=run, task_key__startswith="deliver:home")
    assert home.route_id is None
    return {**world, "coop": coop, "run": run, "home": home}


def test_fixer_starts_a_route_on_an_unused_van(chromium, week, settings):
    settings.MAP_TILE_URL = ""
    coop, run, home, plain = week["coop"], week["run"], week["home"], week["plain"]
    key = f"v{plain.pk}@{week['day']}"
    with chromium(viewport={"width": 1400, "height": 900}, locale="en-GB") as page:
        login(page, week["fixer"].user, f"/{coop.slug}/hub/plans/{run.pk}/")
        page.wait_for_selector("#plan-map .plan-marker.hub")
        assert page.locator("#plan-map path.leaflet-interactive").count() == 2
        assert "Bestelwagen" in page.inner_text("#spare-vehicles")
        page.screenshot(path=artifact("fixer-planning-spare-vehicles.png"), full_page=True)

        form = page.locator(f"#stop-{home.pk} form.move-form")
        form.locator("select[name=route]").select_option(f"vehicle:{key}")
        form.locator("button[type=submit]").click()
        page.wait_for_selector("#plan-notice")
        assert "is now stop 1 of Bestelwagen" in page.inner_text("#plan-notice")
        assert page.locator("#unassigned").count() == 0 and page.locator("#spare-vehicles").count() == 0
        card = page.locator(f"section.plan-route:has(#stop-{home.pk})")
        assert "Bestelwagen" in card.inner_text() and " km" in card.locator(".route-km").inner_text()
        page.wait_for_function("document.querySelectorAll('#plan-map path.leaflet-interactive').length === 3")
        page.locator("#plan-map").screenshot(path=artifact("fixer-planning-new-route.png"))

        form = page.locator(f"#stop-{home.pk} form.move-form")
        form.locator("select[name=route]").select_option("")
        form.locator("button[type=submit]").click()
        page.wait_for_selector(f"#unassigned #stop-{home.pk}")
        assert page.locator(f"[id='spare-{key}']").count() == 1
    with scope(coop=coop):
        assert not Route.objects.filter(run=run, vehicle_key=key).exists()
        run.refresh_from_db()
        assert run.vehicles_used == 2 and run.unassigned_count == 1
