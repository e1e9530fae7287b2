"""Telling drivers when a published plan changes under them (a stop moved or left out, a re-optimise).

Every edit of a published run takes a snapshot of each driver's day before it (`driver_days`) and compares it
with the day after it (`route_changes_record`, inside the edit's transaction): a driver whose routes, stops or
leaving time changed gets a new revision of their `RouteChange` row for that day, and a driver whose last stop
went away has their route cancelled. A driver who gets a route on a day they had none is not a change: the
publishing e-mail (planning_notify.py) tells them, as for any route nobody was told about yet.

Debounced e-mail: each revision queues `logistics.notify_route_change` with a countdown
(ROUTE_CHANGE_NOTICE_SECONDS, two minutes by default). A task whose revision is no longer the newest does
nothing, so a fixer who makes several edits in a row sends one e-mail, with the state after the last edit, once
they stop for a moment. The task is idempotent: it locks the row, mails, and marks the revision mailed in the
same transaction, so a task run twice mails once. It mails nothing when the day is back to what the driver was
last told (moved away and back) or when the driver has already seen the change on their page.

The driver's page shows a note for each unseen revision ("changed since you last looked" or "cancelled") until
the driver marks it seen. Drivers of plans that are not published are never told anything.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.core.mail import send_mail
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from logistics.models import PlanningRun, Route, RouteChange, Stop

from .planning_instance import setting
from .planning_notify import _time, driver_url, route_lines

DriverDays = dict[tuple[int, date], list[dict]]


def driver_days(run: PlanningRun, *, driver_id: int | None = None, day: date | None = None) -> DriverDays:
    """(driver, day) -> that driver's routes of the run on that day as they are told: vehicle, leaving time and
    the stops in order (task key, name, kind). Empty for a plan that is not published: nobody was told."""
    if run.published_at is None:
        return {}
    routes = Route.objects.filter(run=run, driver__isnull=False).select_related("vehicle").order_by("start_at", "pk")
    if driver_id is not None:
        routes = routes.filter(driver_id=driver_id, day=day)
    routes = list(routes)
    stops = defaultdict(list)
    for route_id, key, name, kind in (Stop.objects.filter(route__in=[r.pk for r in routes]).order_by("sequence")
                                      .values_list("route_id", "task_key", "name", "kind")):
        stops[route_id].append([key, name, kind])
    days: DriverDays = {}
    for route in routes:
        days.setdefault((route.driver_id, route.day), []).append({
            "vehicle_key": route.vehicle_key, "vehicle": route.vehicle.name,
            "start": _time(route.start_at) if route.start_at else "", "stops": stops[route.pk]})
    return days


def _stops(routes: list[dict]) -> list[list[str]]:
    return [stop for route in routes for stop in route["stops"]]


def route_changes_record(run: PlanningRun, before: DriverDays) -> bool:
    """After an edit of `run` (inside its transaction, the run locked): a new revision and a queued notice for
    every driver whose day is not what it was. Returns whether a driver got a route on a day they had none
    (the publishing e-mail tells them; the caller queues it)."""
    if run.published_at is None:
        return False
    after = driver_days(run)
    changes = {(c.driver_id, c.day): c for c in RouteChange.objects.select_for_update().filter(run=run)}
    now = timezone.now()
    for key in set(before) | (set(after) & set(changes)):
        current = after.get(key, [])
        if current == before.get(key, []):
            continue
        change = changes.get(key) or RouteChange(coop_id=run.coop_id, run=run, driver_id=key[0], day=key[1],
                                                 told=before.get(key, []))
        change.revision += 1
        change.changed_at = now
        change.save()
        # The notice tells the driver about the day as it is now: no separate publishing e-mail for a route of
        # theirs that nobody told them about yet (a route made for them in this edit, or one not mailed yet).
        Route.objects.filter(run=run, driver_id=key[0], day=key[1], notified_at__isnull=True).update(notified_at=now)
        _queue(change)
    return any(key not in before and key not in changes for key in after)


def _queue(change: RouteChange) -> None:
    from logistics.tasks_planning import notify_route_change

    args, delay = (change.coop_id, change.pk, change.revision), setting("ROUTE_CHANGE_NOTICE_SECONDS", 120)
    transaction.on_commit(lambda: notify_route_change.apply_async(args=args, countdown=delay))


def route_change_notify(*, change_id: int, revision: int) -> str:
    """The body of `logistics.notify_route_change`: mail the driver the day as it is now, once, and only for the
    newest revision (see the module's docstring)."""
    with transaction.atomic():
        change = (RouteChange.objects.select_for_update(of=("self",)).select_related("run", "driver__user", "coop")
                  .filter(pk=change_id).first())
        if change is None or change.revision != revision:
            return "superseded"  # a later edit queued its own notice
        if change.mailed_revision >= revision:
            return "already sent"
        run = change.run
        current = driver_days(run, driver_id=change.driver_id, day=change.day).get((change.driver_id, change.day),
                                                                                    [])
        replaced = PlanningRun.objects.filter(cycle_id=run.cycle_id, published_at__gt=run.published_at).exclude(
            status=PlanningRun.Status.FAILED).exists()
        if change.seen_revision >= revision:
            result = "seen"  # on the page, before the pause was over
        elif current == change.told:
            result = "nothing changed"  # moved away and back
            change.seen_revision = revision  # nothing to see either
        elif replaced:
            result = "replaced"  # a newer plan of the cycle was published: its own e-mails tell the drivers
        else:
            _change_email(change, current)
            result, change.mailed_at = "mailed", timezone.now()
        change.told, change.mailed_revision = current, revision
        change.save(update_fields=["told", "mailed_revision", "seen_revision", "mailed_at"])
    return result


def _names(stops: list[list[str]], keys: set[str]) -> str:
    return ", ".join(name for key, name, kind in stops if key in keys and kind != Stop.Kind.DEPOT)


def _change_email(change: RouteChange, current: list[dict]) -> None:
    user = change.driver.user
    with translation.override(user.language or change.coop.default_language):
        day = formats.date_format(change.day, "l j F")
        now, was = _stops(current), _stops(change.told)
        if not now:
            subject = _("Your route on %(day)s is cancelled") % {"day": day}
            lines = [_("The planner cancelled your route on %(day)s with the %(vehicle)s: you do not drive it.") % {
                "day": day, "vehicle": ", ".join(route["vehicle"] for route in change.told)}]
        else:
            subject = _("Your route on %(day)s has changed: %(count)d stops") % {"day": day, "count": len(now)}
            lines = [_("The planner changed your route on %(day)s after it was sent to you.") % {"day": day}]
            new_keys, old_keys = {key for key, *_rest in now}, {key for key, *_rest in was}
            if added := _names(now, new_keys - old_keys):
                lines.append(_("New on your route: %(stops)s") % {"stops": added})
            if removed := _names(was, old_keys - new_keys):
                lines.append(_("No longer on your route: %(stops)s") % {"stops": removed})
            if not added and not removed:
                lines.append(_("The order or the times of your stops changed."))
            for route in (Route.objects.filter(run=change.run, driver=change.driver, day=change.day)
                          .select_related("vehicle").order_by("start_at", "pk")):
                lines += ["", *route_lines(route, list(Stop.objects.filter(route=route).order_by("sequence")))]
        lines += ["", _("Your day on your phone: %(url)s") % {"url": driver_url(change.coop, change.day)}]
    send_mail(subject, "\n".join(lines), None, [user.email])


def route_change_seen(*, change_id: int, membership, revision: int) -> RouteChange:
    """The driver marks the note on their page seen, up to the revision the page showed: a change made since
    stays unseen. Seeing the newest revision makes the day as it is now what the driver knows (so its queued
    e-mail is not needed any more). Another member's note is not found."""
    with transaction.atomic():
        change = RouteChange.objects.select_for_update().select_related("run").get(pk=change_id, driver=membership)
        revision = min(int(revision), change.revision)
        if revision > change.seen_revision:
            change.seen_revision = revision
            if revision == change.revision:
                change.told = driver_days(change.run, driver_id=change.driver_id, day=change.day).get(
                    (change.driver_id, change.day), [])
            change.save(update_fields=["seen_revision", "told"])
    return change
