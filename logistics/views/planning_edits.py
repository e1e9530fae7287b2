"""The fixer's changes to a plan: move a stop, pin a stop or a route, re-optimise the rest, publish.

With htmx each answers with the run's body (new km, cost, load bars and map data at once); without JavaScript
the form posts and the page comes back (a redirect after success, the page with the reason after a refusal).
A refusal is a 400 and writes nothing.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..forms_planning import PinForm, ReoptimiseForm, StopMoveForm
from ..models import PlanningRun, Route, Stop
from ..services import planning
from .access import manager_page
from .planning import edit_failed, load_run, render_run


def _done(request, run: PlanningRun, message: str, anchor: str = ""):
    if request.htmx:
        return render_run(request, run, notice=message)
    messages.success(request, message)
    url = reverse("planning_run", kwargs={"coop_slug": request.coop.slug, "planning_run_id": run.pk})
    return redirect(url + (f"#{anchor}" if anchor else ""))


def _form_error(form) -> ValidationError:
    return ValidationError([str(error) for errors in form.errors.values() for error in errors])


@manager_page
@require_POST
def stop_move(request, coop_slug, stop_id):
    stop = get_object_or_404(Stop.objects.select_related("run"), pk=stop_id)
    run = load_run(stop.run_id)
    form = StopMoveForm(request.POST)
    try:
        if not form.is_valid():
            raise _form_error(form)
        stop = planning.stop_move(stop_id=stop.pk, position=form.cleaned_data["position"],
                                  **form.cleaned_data["route"])
    except ValidationError as exc:
        return edit_failed(request, load_run(run.pk), exc, stop_id=stop.pk)
    if stop.route_id is None:
        message = _("%(stop)s is left out of the plan.") % {"stop": stop.name}
    else:
        message = _("%(stop)s is now stop %(number)s of %(route)s, pinned there: re-optimising keeps it on "
                    "this vehicle until you unpin it.") % {
            "stop": stop.name, "number": stop.sequence, "route": stop.route.vehicle.name}
    return _done(request, load_run(run.pk), message, f"stop-{stop.pk}")


@manager_page
@require_POST
def stop_pin(request, coop_slug, stop_id):
    stop = get_object_or_404(Stop.objects.all(), pk=stop_id)
    form = PinForm(request.POST)
    try:
        if not form.is_valid():
            raise _form_error(form)
        stop = planning.stop_pin(stop_id=stop.pk, pinned=form.cleaned_data["pinned"])
    except ValidationError as exc:
        return edit_failed(request, load_run(stop.run_id), exc, stop_id=stop.pk)
    message = (_("%(stop)s keeps its vehicle and order when you re-optimise.") if stop.is_pinned
               else _("%(stop)s may move when you re-optimise.")) % {"stop": stop.name}
    return _done(request, load_run(stop.run_id), message, f"stop-{stop.pk}")


@manager_page
@require_POST
def route_pin(request, coop_slug, route_id):
    route = get_object_or_404(Route.objects.select_related("vehicle"), pk=route_id)
    form = PinForm(request.POST)
    try:
        if not form.is_valid():
            raise _form_error(form)
        route = planning.route_pin(route_id=route.pk, pinned=form.cleaned_data["pinned"])
    except ValidationError as exc:
        return edit_failed(request, load_run(route.run_id), exc)
    message = (_("The route of %(vehicle)s stays exactly as it is when you re-optimise.") if route.is_pinned
               else _("The route of %(vehicle)s may change when you re-optimise.")) % {"vehicle": route.vehicle.name}
    return _done(request, load_run(route.run_id), message, f"route-{route.pk}")


@manager_page
@require_POST
def run_reoptimise(request, coop_slug, planning_run_id):
    """Plan the rest again in the routing queue, keeping pinned routes and stops; the body shows the progress."""
    run = load_run(planning_run_id)
    form = ReoptimiseForm(request.POST)
    try:
        if not form.is_valid():
            raise _form_error(form)
        run = planning.planning_run_reoptimise(run_id=run.pk, user=request.user,
                                               time_budget=form.cleaned_data["time_budget"])
    except ValidationError as exc:
        return edit_failed(request, load_run(run.pk), exc)
    return _done(request, load_run(run.pk), _("Re-optimising: pinned routes and stops stay as they are."))


@manager_page
@require_POST
def run_publish(request, coop_slug, planning_run_id):
    """Drivers get their routes, customers with home delivery their ETA window (e-mails sent by a task)."""
    run = load_run(planning_run_id)
    try:
        planning.planning_run_publish(run_id=run.pk, user=request.user)
    except ValidationError as exc:
        return edit_failed(request, run, exc)
    return _done(request, load_run(run.pk), _("Published: drivers see their routes and get them by e-mail; "
                                              "customers with home delivery get their expected time."))
