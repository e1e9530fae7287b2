"""The fixer's planning pages (managers only): a cycle's planning runs and a form to start one, a run's page with
the map, the routes and their load, the independent check, the solve's progress and the drivers' progress.

The edits (move, pin, re-optimise, publish) are in planning_edits.py; they answer with the same run body.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRefresh

from orders.models import OrderCycle

from ..forms_planning import PlanningRunForm
from ..models import PlanningRun
from ..services import planning
from ..services.planning_warnings import run_warnings
from . import plan_selectors
from .access import manager_page

SOLVING = (PlanningRun.Status.DRAFT, PlanningRun.Status.RUNNING)


def _progress(run: PlanningRun) -> dict:
    """The solve's Job while it runs: its bar and message (best cost so far) and the seconds spent."""
    job = run.job if run.status in SOLVING else None
    elapsed = int((timezone.now() - (job.started_at or job.created_at)).total_seconds()) if job else None
    return {"run": run, "job": job, "elapsed": elapsed}


def run_context(run: PlanningRun, *, error: str = "", error_stop: int | None = None, check=None,
                notice: str = "") -> dict:
    plan = plan_selectors.plan_view(run)
    return {
        **_progress(run), "cycle": run.cycle, "plan": plan, "map_data": plan.map_data(),
        "live": plan_selectors.live_progress(run, [view.route for view in plan.routes])
        if run.status in (PlanningRun.Status.PUBLISHED, PlanningRun.Status.DONE) else None,
        "error": error, "error_stop": error_stop, "check": check, "notice": notice,
        "warnings": run_warnings(run),
    }


def load_run(run_id: int) -> PlanningRun:
    return get_object_or_404(PlanningRun.objects.select_related("cycle", "job"), pk=run_id)


def render_run(request, run: PlanningRun, *, status: int = 200, **extra):
    """The whole page, or (htmx) only its body: the map is drawn again from the body's JSON."""
    context = run_context(run, **extra)
    if request.htmx:
        return render(request, "logistics/planning/_run_body.html", context, status=status)
    context["tile_url"] = getattr(settings, "MAP_TILE_URL", "")
    context["tile_attribution"] = getattr(settings, "MAP_TILE_ATTRIBUTION", "")
    return render(request, "logistics/planning/run.html", context, status=status)


def _cycle_page(request, cycle: OrderCycle, form: PlanningRunForm, status: int = 200):
    return render(request, "logistics/planning/cycle.html", {
        "cycle": cycle, "runs": plan_selectors.cycle_runs(cycle), "form": form,
        "can_plan": cycle.status in planning.PLANNABLE}, status=status)


@manager_page
@require_GET
def cycle_runs(request, coop_slug, cycle_id):
    cycle = get_object_or_404(OrderCycle.objects.all(), pk=cycle_id)
    return _cycle_page(request, cycle, PlanningRunForm())


@manager_page
@require_POST
def run_start(request, coop_slug, cycle_id):
    """Queue a solve in the routing queue; the run's page shows its progress (best cost so far, time spent)."""
    cycle = get_object_or_404(OrderCycle.objects.all(), pk=cycle_id)
    form = PlanningRunForm(request.POST)
    if form.is_valid():
        try:
            run = planning.planning_run_start(cycle=cycle, user=request.user,
                                              vehicles=list(form.cleaned_data["vehicles"]) or None,
                                              objective=form.cleaned_data["objective"],
                                              time_budget=form.cleaned_data["time_budget"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("planning_run", coop_slug=coop_slug, planning_run_id=run.pk)
    return _cycle_page(request, cycle, form, status=400)


@manager_page
@require_GET
def run_detail(request, coop_slug, planning_run_id):
    return render_run(request, load_run(planning_run_id))


@manager_page
@require_GET
def run_progress(request, coop_slug, planning_run_id):
    """Polled while the run is solving; once it is done the page is loaded again to show the plan."""
    run = load_run(planning_run_id)
    if run.status not in SOLVING and request.htmx:
        return HttpResponseClientRefresh()
    return render(request, "logistics/planning/_progress.html", _progress(run))


@manager_page
@require_GET
def run_check(request, coop_slug, planning_run_id):
    """The engine's independent check of the stored plan against the cycle as it is now."""
    run = load_run(planning_run_id)
    try:
        check = planning.planning_run_check(run_id=run.pk)
    except ValueError as exc:
        return render_run(request, run, status=400, error=str(exc))
    if request.htmx:
        return render(request, "logistics/planning/_check.html", {"check": check})
    return render_run(request, run, check=check)


@manager_page
@require_GET
def run_live(request, coop_slug, planning_run_id):
    """Drivers' progress, polled every 15 seconds while the plan is published."""
    run = load_run(planning_run_id)
    return render(request, "logistics/planning/_live.html", {"run": run, "live": plan_selectors.live_progress(run)})


def edit_failed(request, run: PlanningRun, exc: ValidationError, *, stop_id: int | None = None):
    """Nothing was written (the services are atomic): the same page or body with the reason, as a 400."""
    return render_run(request, run, status=400, error=" ".join(exc.messages) or _("That change is not possible."),
                      error_stop=stop_id)
