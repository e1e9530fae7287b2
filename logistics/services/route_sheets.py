"""Route sheet PDFs: one per route, in the driver's language, rendered by WeasyPrint in the `documents` queue.

Publishing a plan queues a sheet for every route with a driver. A stored sheet is current while its fingerprint
(a hash of everything it shows) matches the route as it is now; after a re-plan or a moved stop the next request
queues it again, so the paper never disagrees with the phone. Rendering twice is harmless: a current sheet is
left alone, and the file is swapped under a row lock.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from coop.tenancy.tasks import enqueue_on_commit

from ..models import Route, RouteSheet, Stop
from ..route_day import route_day
from ..route_sketch import route_day_sketch

# A pending request younger than this is not queued again (the waiting page reloads every few seconds).
REQUEUE_AFTER = timedelta(minutes=2)


def sheet_language(route: Route) -> str:
    user = route.driver.user if route.driver_id else None
    return (getattr(user, "language", "") or route.coop.default_language or "nl")[:5]


def _moment(value) -> str:
    return value.isoformat() if value else ""


def route_sheet_fingerprint(route: Route, stops: list[Stop], language: str) -> str:
    """A hash of what the sheet shows: the route's figures and, per stop, place, times and load."""
    payload = [language, route.pk, route.vehicle_id, route.driver_id, str(route.day), _moment(route.start_at),
               _moment(route.end_at), str(route.km),
               [[s.pk, s.sequence, s.kind, s.name, s.address, str(s.latitude), str(s.longitude), _moment(s.eta_from),
                 _moment(s.eta_to), _moment(s.window_from), _moment(s.window_until), str(s.kg), s.crates, s.is_cooled,
                 s.load] for s in stops]]
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _route(route_id: int) -> Route:
    return Route.objects.select_related("vehicle", "run__cycle", "driver__user", "coop").get(pk=route_id)


def _stops(route: Route) -> list[Stop]:
    return list(Stop.objects.filter(route=route).order_by("sequence"))


def route_sheet_current(route: Route) -> RouteSheet | None:
    """The stored sheet when it still matches the route, else None."""
    sheet = RouteSheet.objects.filter(route=route).first()
    if sheet is None or sheet.status != RouteSheet.Status.READY or not sheet.file:
        return None
    fingerprint = route_sheet_fingerprint(route, _stops(route), sheet_language(route))
    return sheet if sheet.fingerprint == fingerprint else None


def route_sheet_request(*, route_id: int, force: bool = False) -> RouteSheet:
    """Make sure a current sheet is on its way: queue a render unless one was asked for moments ago."""
    from ..tasks_sheets import render_route_sheet

    with transaction.atomic():
        route = _route(route_id)
        sheet, created = RouteSheet.objects.select_for_update().get_or_create(
            route=route, defaults={"coop": route.coop, "language": sheet_language(route)})
        now = timezone.now()
        recent = (sheet.status == RouteSheet.Status.PENDING and sheet.requested_at is not None
                  and now - sheet.requested_at < REQUEUE_AFTER)
        if recent and not force and not created:
            return sheet
        sheet.status, sheet.requested_at, sheet.error = RouteSheet.Status.PENDING, now, ""
        sheet.save(update_fields=["status", "requested_at", "error"])
        enqueue_on_commit(render_route_sheet, route.coop_id, route.pk)
    return sheet


def route_sheets_request_for_run(*, run_id: int) -> int:
    """Queue the sheet of every route with a driver (after publishing)."""
    route_ids = list(Route.objects.filter(run_id=run_id, driver__isnull=False).values_list("pk", flat=True))
    for route_id in route_ids:
        route_sheet_request(route_id=route_id, force=True)
    return len(route_ids)


def route_sheet_pdf(route: Route, stops: list[Stop], language: str) -> bytes:
    from weasyprint import HTML

    from ..documents import _shared_font_config

    with translation.override(language):
        day = route_day(route, stops)
        driver = route.driver.user if route.driver_id else None
        title = _("Route %(vehicle)s, %(day)s") % {"vehicle": route.vehicle.name, "day": route.day.strftime("%d/%m")}
        html = render_to_string("logistics/pdf/route_sheet.html", {
            "document": {"language": language, "title": title}, "route": route, "day": day, "coop": route.coop,
            "cycle": route.run.cycle, "driver": (driver.get_full_name() or driver.email) if driver else "",
            "sketch": route_day_sketch(day, width=680),
        })
    return HTML(string=html).write_pdf(font_config=_shared_font_config())


def route_sheet_render(*, route_id: int) -> str:
    """Render the sheet of a route unless the stored one is current (a retried task does no double work)."""
    try:
        route = _route(route_id)
    except Route.DoesNotExist:
        return "route-gone"  # re-planned away between the request and the worker
    stops = _stops(route)
    language = sheet_language(route)
    fingerprint = route_sheet_fingerprint(route, stops, language)
    sheet, _created = RouteSheet.objects.get_or_create(route=route, defaults={"coop": route.coop,
                                                                              "language": language})
    if sheet.status == RouteSheet.Status.READY and sheet.file and sheet.fingerprint == fingerprint:
        return "already-ready"
    try:
        pdf = route_sheet_pdf(route, stops, language)
    except Exception as exc:
        RouteSheet.objects.filter(pk=sheet.pk).update(status=RouteSheet.Status.FAILED, error=str(exc)[:300])
        raise
    with transaction.atomic():
        locked = RouteSheet.objects.select_for_update().get(pk=sheet.pk)
        if locked.status == RouteSheet.Status.READY and locked.file and locked.fingerprint == fingerprint:
            return "already-ready"
        old = locked.file.name
        locked.file.save(f"route-{route.pk}-{route.day:%Y%m%d}.pdf", ContentFile(pdf), save=False)
        locked.status, locked.fingerprint, locked.language = RouteSheet.Status.READY, fingerprint, language
        locked.generated_at, locked.error = timezone.now(), ""
        locked.save(update_fields=["file", "status", "fingerprint", "language", "generated_at", "error"])
        if old and old != locked.file.name:
            storage = locked.file.storage
            transaction.on_commit(lambda: storage.delete(old))
    return "rendered"
