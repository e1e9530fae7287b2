"""A fixer edits a plan after publishing it: each driver whose day changed is told once (an e-mail after a short
pause, with the day as it is then) and their page shows a note until they mark it seen. A route whose last stop
moved away is cancelled for its driver; an unpublished plan tells nobody; the e-mail task run twice mails once;
several edits in a row mail once, and moving a stop away and back mails nothing.

The closed week is planned as: on the delivery day the cooled van (driver 0) takes the school kitchen then the
pickup point, the plain van (driver 1) only the home delivery."""

from contextlib import contextmanager
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse
from django_scopes import scope
from planning_setup import closed_week, plan
from rest_framework.test import APIClient

from logistics.models import PlanningRun, Route, RouteChange, Stop, Vehicle
from logistics.services import planning
from logistics.tasks_planning import notify_planning_run, notify_route_change, plan_run
from tests import factories


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def week(db):
    coop = factories.CooperativeFactory(slug="wijzig", name="Wijzigco")
    week = closed_week(coop)
    with scope(coop=coop):
        run = plan(week["cycle"])
        day = week["cycle"].delivery_date
        cooled = Route.objects.get(run=run, vehicle=week["cooled"], day=day)
        plain = Route.objects.get(run=run, vehicle=week["plain"], day=day)
        stops = {s.task_key.split(":")[1]: s for s in Stop.objects.filter(run=run, route__in=[cooled, plain])}
    for member in week["drivers"]:
        type(member.user).objects.filter(pk=member.user_id).update(language="en")
    assert [s.task_key for s in Stop.objects.with_scope(coop=coop).filter(route=plain)] == [stops["home"].task_key]
    assert {cooled.driver_id, plain.driver_id} == {m.pk for m in week["drivers"]}
    return {**week, "coop": coop, "run": run, "day": day, "cooled": cooled, "plain": plain, "stops": stops}


@pytest.fixture
def published(week):
    with scope(coop=week["coop"]):
        planning.planning_run_publish(run_id=week["run"].pk, notify=False)
    return week


@contextmanager
def edits(capture):
    """Edits as the web does them: their on-commit work runs, but the tasks are collected instead of queued."""
    with (mock.patch.object(notify_route_change, "apply_async") as notices,
          mock.patch.object(notify_planning_run, "apply_async"), mock.patch.object(plan_run, "apply_async"),
          capture(execute=True)):
        yield notices


def run_notices(notices) -> list[str]:
    """What the worker does with the queued notices, in the order they were queued (each after its countdown)."""
    assert all(call.kwargs["countdown"] > 0 for call in notices.call_args_list), "debounced: queued with a pause"
    return [notify_route_change.apply(args=call.kwargs["args"]).get() for call in notices.call_args_list]


def mails_to(member) -> list:
    return [message for message in mail.outbox if message.to == [member.user.email]]


def driver_of(route, week):
    return next(m for m in week["drivers"] if m.pk == route.driver_id)


def test_the_last_stop_moved_away_cancels_the_route_for_its_driver(published, django_capture_on_commit_callbacks):
    w = published
    home, cooled, plain = w["stops"]["home"], w["cooled"], w["plain"]
    with scope(coop=w["coop"]):
        with edits(django_capture_on_commit_callbacks) as notices:
            planning.stop_move(stop_id=home.pk, route_id=cooled.pk)
        assert not Route.objects.filter(pk=plain.pk).exists()
        mail.outbox.clear()
        assert sorted(run_notices(notices)) == ["mailed", "mailed"]
    cancelled, changed = mails_to(driver_of(plain, w)), mails_to(driver_of(cooled, w))
    assert len(cancelled) == 1 and "cancelled" in cancelled[0].subject
    assert w["plain"].vehicle.name in cancelled[0].body
    assert f"/{w['coop'].slug}/driver/?day={w['day']:%Y-%m-%d}" in cancelled[0].body
    assert len(changed) == 1 and "has changed: 3 stops" in changed[0].subject
    assert f"New on your route: {home.name}" in changed[0].body
    for stop in w["stops"].values():
        assert stop.name in changed[0].body, "the new stop list"


def test_a_stop_moved_between_two_routes_tells_both_drivers_once(published, django_capture_on_commit_callbacks):
    w = published
    point, cooled, plain = w["stops"]["pickup"], w["cooled"], w["plain"]
    with scope(coop=w["coop"]):
        with edits(django_capture_on_commit_callbacks) as notices:
            planning.stop_move(stop_id=point.pk, route_id=plain.pk, position=1)
        assert notices.call_count == 2
        mail.outbox.clear()
        run_notices(notices)
        assert run_notices(notices) == ["already sent", "already sent"], "the task run twice mails once"
        assert all(c.mailed_revision == c.revision == 1 for c in RouteChange.objects.filter(run=w["run"]))
    to_cooled, to_plain = mails_to(driver_of(cooled, w)), mails_to(driver_of(plain, w))
    assert len(mail.outbox) == 2 and len(to_cooled) == len(to_plain) == 1
    assert f"No longer on your route: {point.name}" in to_cooled[0].body
    assert "has changed: 1 stops" in to_cooled[0].subject
    assert f"New on your route: {point.name}" in to_plain[0].body
    listing = to_plain[0].body.split("\n1. ", 1)[1]
    assert listing.index(point.name) < listing.index(w["stops"]["home"].name), "the new stops in driving order"


def test_several_edits_in_a_row_mail_each_driver_once_with_the_last_state(published,
                                                                          django_capture_on_commit_callbacks):
    w = published
    point, home, cooled, plain = w["stops"]["pickup"], w["stops"]["home"], w["cooled"], w["plain"]
    with scope(coop=w["coop"]):
        with edits(django_capture_on_commit_callbacks) as notices:
            planning.stop_move(stop_id=point.pk, route_id=plain.pk)
            planning.stop_move(stop_id=home.pk, route_id=cooled.pk)
        assert notices.call_count == 4  # a notice per driver per edit, each with its revision
        mail.outbox.clear()
        results = run_notices(notices)
    assert sorted(results) == ["mailed", "mailed", "superseded", "superseded"]
    to_cooled, to_plain = mails_to(driver_of(cooled, w)), mails_to(driver_of(plain, w))
    assert len(to_cooled) == len(to_plain) == 1
    assert f"New on your route: {home.name}" in to_cooled[0].body
    assert f"No longer on your route: {point.name}" in to_cooled[0].body
    assert f"New on your route: {point.name}" in to_plain[0].body
    assert f"No longer on your route: {home.name}" in to_plain[0].body


def test_a_stop_moved_away_and_back_mails_nothing(published, django_capture_on_commit_callbacks):
    w = published
    point, cooled, plain = w["stops"]["pickup"], w["cooled"], w["plain"]
    with scope(coop=w["coop"]):
        with edits(django_capture_on_commit_callbacks) as notices:
            planning.stop_move(stop_id=point.pk, route_id=plain.pk)
            planning.stop_move(stop_id=point.pk, route_id=cooled.pk, position=point.sequence)
        mail.outbox.clear()
        assert sorted(run_notices(notices)) == ["nothing changed", "nothing changed", "superseded", "superseded"]
        assert not mail.outbox
        assert not [c for c in RouteChange.objects.filter(run=w["run"]) if c.is_unseen], "no note either"


def test_an_unpublished_plan_tells_nobody(week, django_capture_on_commit_callbacks):
    w = week
    with scope(coop=w["coop"]), edits(django_capture_on_commit_callbacks) as notices:
        planning.stop_move(stop_id=w["stops"]["home"].pk, route_id=w["cooled"].pk)
        assert not Route.objects.filter(pk=w["plain"].pk).exists()
        assert not RouteChange.objects.exists()
    assert notices.call_count == 0


def test_leaving_a_stop_out_changes_the_route(published, django_capture_on_commit_callbacks):
    w = published
    with scope(coop=w["coop"]):
        with edits(django_capture_on_commit_callbacks) as notices:
            planning.stop_move(stop_id=w["stops"]["pickup"].pk, route_id=None)
        mail.outbox.clear()
        assert run_notices(notices) == ["mailed"]
    (message,) = mail.outbox
    assert message.to == [driver_of(w["cooled"], w).user.email]
    assert f"No longer on your route: {w['stops']['pickup'].name}" in message.body


def test_re_optimising_without_the_plain_van_cancels_its_route(published, django_capture_on_commit_callbacks):
    w = published
    with scope(coop=w["coop"]):
        Vehicle.objects.filter(pk=w["plain"].vehicle_id).update(is_active=False)
        before = list(Stop.objects.filter(route=w["cooled"]).order_by("sequence").values_list("task_key", "sequence"))
        with edits(django_capture_on_commit_callbacks) as notices:
            planning.planning_run_reoptimise(run_id=w["run"].pk)
            planning.planning_run_execute(run_id=w["run"].pk, solution_limit=60)
        assert PlanningRun.objects.get(pk=w["run"].pk).status == PlanningRun.Status.PUBLISHED
        assert not Route.objects.filter(pk=w["plain"].pk).exists()
        changes = {c.driver_id: c for c in RouteChange.objects.filter(run=w["run"])}
        mail.outbox.clear()
        run_notices(notices)
        after = list(Stop.objects.filter(route=w["cooled"]).order_by("sequence").values_list("task_key", "sequence"))
    assert w["plain"].driver_id in changes
    assert (w["cooled"].driver_id in changes) == (after != before)
    (cancelled,) = mails_to(driver_of(w["plain"], w))
    assert "cancelled" in cancelled.subject


# --- the driver's page ---------------------------------------------------------------------------------------

ONE_DAY = timedelta(days=1)


def login(membership):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(membership.user)
    return client


def day_url(w):
    return reverse("driver_today", kwargs={"coop_slug": w["coop"].slug}) + f"?day={w['day']:%Y-%m-%d}"


def seen(client, w, html):
    form = html[html.index('class="card route-change'):]
    action = form[form.index('action="') + 8:]
    revision = form[form.index('name="revision" value="') + 23:]
    return client.post(action[:action.index('"')], {"revision": revision[:revision.index('"')],
                                                    "next": day_url(w)})


def test_the_driver_page_shows_the_change_until_the_driver_has_seen_it(published, django_capture_on_commit_callbacks):
    w = published
    cooled_driver, plain_driver = driver_of(w["cooled"], w), driver_of(w["plain"], w)
    client, other = login(cooled_driver), login(plain_driver)
    assert "route-change" not in client.get(day_url(w)).content.decode(), "nothing changed yet"
    with scope(coop=w["coop"]), edits(django_capture_on_commit_callbacks):
        planning.stop_move(stop_id=w["stops"]["home"].pk, route_id=w["cooled"].pk)
    html = client.get(day_url(w)).content.decode()
    assert "Changed since you last looked" in html and "Check your stops again." in html
    assert f'id="stop-{w["stops"]["home"].pk}"' in html
    cancelled = other.get(day_url(w)).content.decode()
    assert "Route cancelled" in cancelled and "you do not drive it" in cancelled
    assert "No route for you on this day." in cancelled
    the_day_before = reverse("driver_today", kwargs={"coop_slug": w["coop"].slug}) + f"?day={w['day'] - ONE_DAY}"
    assert "Route cancelled" in other.get(the_day_before).content.decode(), "a day to come is shown on any day"

    # A manager looking at the driver's route does not see (nor clear) the driver's note.
    fixer = login(w["fixer"])
    route_url = reverse("driver_route", kwargs={"coop_slug": w["coop"].slug, "route_id": w["cooled"].pk})
    assert "route-change" not in fixer.get(route_url).content.decode()
    assert "Changed since you last looked" in client.get(route_url).content.decode()

    # Another driver cannot mark it seen; the driver can, and it is gone.
    with scope(coop=w["coop"]):
        change = RouteChange.objects.get(driver=cooled_driver)
    seen_url = reverse("driver_route_change_seen", kwargs={"coop_slug": w["coop"].slug, "change_id": change.pk})
    assert other.post(seen_url, {"revision": change.revision}).status_code == 404
    response = seen(client, w, html)
    assert response.status_code == 302 and response["Location"] == day_url(w)
    assert "route-change" not in client.get(day_url(w)).content.decode()
    assert "Route cancelled" in other.get(day_url(w)).content.decode(), "each driver sees their own"

    # Seen on the page before the pause was over: the queued e-mail is not needed any more.
    mail.outbox.clear()
    with scope(coop=w["coop"]):
        assert notify_route_change.apply(args=(w["coop"].pk, change.pk, change.revision)).get() == "seen"
    assert not mails_to(cooled_driver)

    # A later change shows again.
    with scope(coop=w["coop"]), edits(django_capture_on_commit_callbacks):
        planning.stop_move(stop_id=w["stops"]["pickup"].pk, route_id=None)
    assert "Changed since you last looked" in client.get(day_url(w)).content.decode()
