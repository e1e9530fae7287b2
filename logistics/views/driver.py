"""The driver's day on a phone (/<coop_slug>/driver/): today's route in order, what to hand over or take at each
stop, buttons for arrived / done / problem and a proof-of-delivery form; the route sheet PDF.

Every form works as a plain POST. static/js/driver.js takes the same forms over when it can: it queues each
update on the phone and sends it here (Accept: application/json) when there is a network, so nothing is lost
when the connection drops and nothing is applied twice (the client id). A driver sees only their own routes;
another driver's route, stop or sheet answers 404 like a missing one. What the fixer changed in the driver's
published routes since (services/route_changes.py) shows as a note until the driver marks it seen.
"""

from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from coop.tenancy.access import coop_public, require_roles
from members.models import MANAGER_ROLES, Role

from ..forms_driver import StopEventForm, new_client_id
from ..models import RouteChange, RouteSheet, Stop, StopEvent
from ..route_day import driver_day_links, driver_routes, route_changes_unseen, route_day, visible_routes
from ..route_sketch import route_day_sketch
from ..services.route_changes import route_change_seen
from ..services.route_sheets import route_sheet_current, route_sheet_request
from ..services.stop_events import stop_event_record, stop_visible_to

driver_page = require_roles(Role.DRIVER, *MANAGER_ROLES)


def _forms_for(card, items, bound=None) -> dict:
    """The forms of one stop card, each with a fresh client id; a form that came back with errors takes the
    place of the proof-of-delivery form (which shows every field), keeping its client id and what was typed."""
    def fresh(kind):
        return StopEventForm(card=card, items=items, auto_id=f"s{card.stop.pk}-{kind}-%s",
                             initial={"client_id": new_client_id(), "kind": kind})

    forms = {kind: fresh(kind) for kind in ("arrived", "done", "problem", "proof")}
    if bound is not None:
        bound.auto_id = f"s{card.stop.pk}-proof-%s"
        forms["proof"] = bound
    return forms


def _route_blocks(routes, bound_stop_id=None, bound=None) -> list[dict]:
    blocks = []
    for route in routes:
        day = route_day(route)
        for card in day.cards:
            card.forms = _forms_for(card, day.items, bound if card.stop.pk == bound_stop_id else None)
        blocks.append({"route": route, "day": day, "sketch": route_day_sketch(day, width=400, with_state=True)})
    return blocks


def _render_day(request, *, routes, day: date | None, single_route=None, bound_stop_id=None, bound=None,
                back: str = "", status=200):
    membership = request.membership
    previous_day, next_day = driver_day_links(membership, day) if day else (None, None)
    # the driver's own notes only: a manager looking over a driver's shoulder does not mark them seen
    own_day = day or (single_route.day if single_route and single_route.driver_id == membership.pk else None)
    context = {
        "day": day, "today": timezone.localdate(), "previous_day": previous_day, "next_day": next_day,
        "blocks": _route_blocks(routes, bound_stop_id, bound), "single_route": single_route,
        "changes": route_changes_unseen(membership, own_day) if own_day else [],
        "back": back or request.get_full_path(), "rendered_at": int(timezone.now().timestamp()),
        "problem_choices": StopEvent.Problem.choices,
        "quick_buttons": [("arrived", _("Arrived")), ("done", _("Done")), ("problem", _("Problem"))],
        "js_text": _js_text(),
    }
    return render(request, "logistics/driver/day.html", context, status=status)


def _js_text() -> dict:
    """What driver.js says, in the page's language."""
    return {
        "waiting_one": _("1 update waiting to be sent"),
        "waiting_many": _("%(n)s updates waiting to be sent"),
        "offline": _("No network: the updates are kept on this phone and sent when it is back."),
        "sent": _("All updates sent."),
        "login": _("Log in again to send the waiting updates."),
        "failed": _("Not accepted:"),
        "discard": _("Discard"),
        "queued": _("waiting to be sent"),
        "logout_one": _("1 update has not been sent yet. It stays on this phone and is sent when you log in here "
                        "again. Log out anyway?"),
        "logout_many": _("%(n)s updates have not been sent yet. They stay on this phone and are sent when you log "
                         "in here again. Log out anyway?"),
        "statuses": dict(Stop.Status.choices),
    }


def _day_from(request) -> date:
    text = request.GET.get("day", "")
    if not text:
        return timezone.localdate()
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise Http404(_("Not found.")) from exc


@driver_page
@require_GET
def driver_today(request, coop_slug):
    day = _day_from(request)
    return _render_day(request, routes=driver_routes(request.membership, day), day=day)


@driver_page
@require_GET
def driver_route(request, coop_slug, route_id):
    """One route as its driver sees it (the driver, or a manager looking over their shoulder)."""
    route = get_object_or_404(visible_routes(request.membership), pk=route_id)
    return _render_day(request, routes=[route], day=None, single_route=route)


def _back_to(request, day: date) -> str:
    """The driver's page the form came from (`next`), else their day."""
    target = request.POST.get("next", "")
    prefix = f"/{request.coop.slug}/driver/"
    if not (target.startswith(prefix) and url_has_allowed_host_and_scheme(target, {request.get_host()})):
        target = reverse("driver_today", kwargs={"coop_slug": request.coop.slug}) + f"?day={day}"
    return target.split("#", 1)[0]


def _next_url(request, stop: Stop) -> str:
    return f"{_back_to(request, stop.route.day)}#stop-{stop.pk}"


@driver_page
@require_POST
def driver_route_change_seen(request, coop_slug, change_id):
    """The driver marks the note of a change to their day seen (up to the revision the page showed)."""
    try:
        change = route_change_seen(change_id=change_id, membership=request.membership,
                                   revision=int(request.POST.get("revision", "0")))
    except (RouteChange.DoesNotExist, ValueError):
        raise Http404(_("Not found.")) from None
    return redirect(_back_to(request, change.day))


def _json_errors(form) -> str:
    return " ".join(str(message) for errors in form.errors.values() for message in errors)


@driver_page
@require_POST
def driver_stop_event(request, coop_slug, stop_id):
    """Record one update of a stop (a plain form POST, or driver.js sending its queue with Accept: json)."""
    wants_json = "application/json" in request.headers.get("Accept", "")
    stop = (Stop.objects.select_related("route__vehicle", "route__run__cycle", "run").filter(pk=stop_id).first())
    if stop is None or stop.route is None or not stop_visible_to(stop, request.membership):
        if wants_json:
            return JsonResponse({"detail": _("Not found.")}, status=404)
        raise Http404(_("Not found."))
    one = route_day(stop.route, [stop])
    card = one.cards[0]
    form = StopEventForm(request.POST, request.FILES, card=card, items=one.items)
    if form.is_valid():
        try:
            event, created = stop_event_record(stop_id=stop.pk, membership=request.membership, user=request.user,
                                               **form.event_values())
        except Stop.DoesNotExist:
            raise Http404(_("Not found.")) from None
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            stop.refresh_from_db(fields=["status"])
            if wants_json:
                return JsonResponse({"id": event.pk, "created": created, "stop": stop.pk,
                                     "stop_status": stop.status, "stop_status_label": stop.get_status_display()},
                                    status=201 if created else 200)
            if created:
                messages.success(request, _("Stop %(n)s: %(what)s recorded.") % {
                    "n": stop.sequence, "what": event.get_kind_display()})
            else:
                messages.info(request, _("Stop %(n)s: this was already recorded.") % {"n": stop.sequence})
            return redirect(_next_url(request, stop))
    if wants_json:
        return JsonResponse({"detail": _json_errors(form), "errors": form.errors.get_json_data()}, status=400)
    # Without JavaScript: the page again, this stop's form open with its errors and what was typed.
    return _render_day(request, routes=[stop.route], day=None, single_route=stop.route, bound_stop_id=stop.pk,
                       bound=form, back=_next_url(request, stop).split("#", 1)[0], status=400)


@driver_page
@require_GET
def driver_route_sheet(request, coop_slug, route_id):
    """The route sheet PDF when it matches the route; otherwise it is made in the background and this page
    reloads until it is there."""
    route = get_object_or_404(visible_routes(request.membership), pk=route_id)
    sheet = route_sheet_current(route)
    if sheet is not None:
        return FileResponse(sheet.file.open("rb"), content_type="application/pdf",
                            filename=f"route-{route.day:%Y-%m-%d}-{route.vehicle.key}.pdf")
    stored = RouteSheet.objects.filter(route=route).first()
    failed = stored is not None and stored.status == RouteSheet.Status.FAILED and "retry" not in request.GET
    if not failed:
        route_sheet_request(route_id=route.pk, force="retry" in request.GET)
    return render(request, "logistics/driver/sheet_pending.html",
                  {"route": route, "failed": failed, "error": stored.error if failed else ""}, status=202)


@coop_public  # plain code, no data: a service worker script is fetched without asking anyone to log in
@require_GET
def driver_service_worker(request, coop_slug):
    """The service worker that keeps the driver's page (and its script) for when the network is gone. Served
    from under /<coop>/driver/ so that is its scope."""
    # The page shown when offline without a kept copy; gettext here because makemessages does not read .js files.
    body = render_to_string("logistics/driver/sw.js", {"scope": f"/{coop_slug}/driver/", "offline": _("Offline")},
                            request=request)
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response
