"""Planning rounds for a closed cycle (DESIGN.md sections 1.4 and 5): runs, solving, re-planning, publishing.

A run moves draft -> running -> ready -> published -> done (or failed), always by a conditional update on the
state it comes from, so two workers or two clicks cannot both win. Solving happens in the `routing` Celery
queue (`routing.plan_run`); it reports the best plan so far into the run's Job. Re-optimising a ready or
published run keeps what is pinned: a pinned route stays exactly as it is (its vehicle and stops are taken out
of the solve), pinned stops and stops already visited keep their vehicle and order (the engine's
`LockedSequence`), everything else is planned again. Pins the cycle no longer allows (the vehicle lost its shift,
the order was cancelled, the pinned order became impossible) are released with a warning on the run first
(planning_pins.py). Stops are updated by task key, so their ids (on drivers' phones) and events survive. The
drivers of a published plan whose day changed are told (route_changes.py).

Edits (moving and pinning) are in planning_edits.py, what drivers record in stop_events.py, and the figures
(km saved, CO2, fill rate) in impact.py. The instance is built in planning_instance.py, stored by
planning_store.py.
"""

from __future__ import annotations

import logging
import time
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coop.services import job_create, job_fail, job_report_progress, job_start, job_succeed
from coop.tenancy.tasks import enqueue_on_commit
from logistics.models import Hub, PlanningRun, Stop, Vehicle
from logistics.routing.compiled import COST_UNITS_PER_EUR
from logistics.routing.solver import Progress, SolveOptions, solve
from logistics.routing.validation import InstanceError
from orders.models import OrderCycle

from .planning_edits import route_pin, stop_move, stop_pin  # noqa: F401 (part of this service's surface)
from .planning_instance import (  # noqa: F401
    PlanningInput,
    build_instance,
    planning_input_for_cycle,
    planning_instance_for_cycle,
)
from .planning_pins import drivers_release, drivers_warnings, pins_check, pins_release
from .planning_store import PlanCheck, plan_check, plan_store, travel_matrix
from .planning_warnings import run_warnings
from .route_changes import driver_days, route_changes_record
from .stop_events import stop_event_record  # noqa: F401

logger = logging.getLogger(__name__)
PLANNABLE = (OrderCycle.Status.CLOSED, OrderCycle.Status.PACKED)
MAX_BUDGET = 600


class PlanningError(Exception):
    """The run cannot be planned as asked (no hub, no vehicle on the cycle's days ...); shown to the fixer."""


def _check_options(objective: str, time_budget: int) -> None:
    if objective not in PlanningRun.Objective.values:
        raise ValidationError(_("Unknown objective %(objective)s.") % {"objective": objective})
    if not 1 <= int(time_budget) <= MAX_BUDGET:
        raise ValidationError(_("The time budget is between 1 and %(max)s seconds.") % {"max": MAX_BUDGET})


def planning_run_create(*, cycle, user=None, vehicles=None, objective: str = "cost", time_budget: int = 30,
                        kind: str = "planning") -> PlanningRun:
    """A draft run with its Job (not queued: planning_run_start queues it; the demo seeder solves it in place)."""
    if cycle.status not in PLANNABLE:
        raise ValidationError(_("Rounds are planned once the cycle is closed."))
    _check_options(objective, time_budget)
    if not Hub.objects.filter(latitude__isnull=False, longitude__isnull=False).exists():
        raise ValidationError(_("Give the hub its coordinates first: rounds start and end there."))
    ids = [vehicle.pk for vehicle in vehicles] if vehicles is not None else list(
        Vehicle.objects.filter(is_active=True).values_list("pk", flat=True))
    if not ids:
        raise ValidationError(_("Add a vehicle first: there is nothing to plan with."))
    job = job_create(coop=cycle.coop, kind=kind, created_by=user)
    return PlanningRun.objects.create(coop=cycle.coop, cycle=cycle, objective=objective, job=job,
                                      time_budget_seconds=int(time_budget), vehicle_ids=ids, created_by=user)


def planning_run_start(*, cycle, user=None, vehicles=None, objective: str = "cost", time_budget: int = 30
                       ) -> PlanningRun:
    """Create a run and queue its solve in the `routing` queue; returns at once (the Job reports progress)."""
    from logistics.tasks_planning import plan_run

    with transaction.atomic():
        run = planning_run_create(cycle=cycle, user=user, vehicles=vehicles, objective=objective,
                                  time_budget=time_budget)
        enqueue_on_commit(plan_run, run.coop_id, run.pk)
    return run


def planning_run_reoptimise(*, run_id: int, user=None, objective: str | None = None,
                            time_budget: int | None = None) -> PlanningRun:
    """Plan a ready or published run again, keeping what is pinned; queued like the first solve."""
    from logistics.tasks_planning import plan_run

    with transaction.atomic():
        run = PlanningRun.objects.select_for_update().get(pk=run_id)
        objective = objective or run.objective
        time_budget = int(time_budget or run.time_budget_seconds)
        _check_options(objective, time_budget)
        if run.status not in (PlanningRun.Status.READY, PlanningRun.Status.PUBLISHED):
            raise ValidationError(_("Only a ready or published plan can be re-optimised (this one is %(status)s).")
                                  % {"status": run.get_status_display()})
        job = job_create(coop=run.coop, kind="planning", created_by=user)
        PlanningRun.objects.filter(pk=run.pk, status=run.status).update(
            status=PlanningRun.Status.RUNNING, job=job, objective=objective, time_budget_seconds=time_budget,
            message="")
        enqueue_on_commit(plan_run, run.coop_id, run.pk)
        run.refresh_from_db()
    return run


def _reporter(run: PlanningRun, progress):
    last = [0.0]
    budget = max(1, run.time_budget_seconds)

    def report(update: Progress) -> None:
        if progress is not None:
            progress(update)
        now = time.monotonic()
        if run.job_id is None or now - last[0] < 1.0:
            return
        last[0] = now
        if run.objective == PlanningRun.Objective.COST:
            best = _("EUR %(value).2f") % {"value": update.best_cost / COST_UNITS_PER_EUR}
        else:
            best = str(update.best_cost)
        job_report_progress(job_id=run.job_id, progress=min(95, 5 + int(90 * update.elapsed / budget)),
                            message=_("Best plan so far: %(best)s after %(seconds)d s")
                            % {"best": best, "seconds": update.elapsed})

    return report


def planning_run_execute(*, run_id: int, progress=None, solution_limit: int | None = None,
                         workers: int | None = None) -> PlanningRun:
    """Solve a run (the body of the `routing.plan_run` task). Safe to call again: a run that is no longer
    draft or running is left alone."""
    claimed = PlanningRun.objects.filter(pk=run_id, status__in=[PlanningRun.Status.DRAFT,
                                                                PlanningRun.Status.RUNNING]).update(
        status=PlanningRun.Status.RUNNING)
    run = PlanningRun.objects.select_related("cycle__coop").get(pk=run_id)
    if not claimed:
        return run
    if run.job_id:
        job_start(job_id=run.job_id)
    try:
        # An inactive vehicle is out of service: it has no shift to plan (its pins are released below).
        vehicles = Vehicle.objects.filter(pk__in=run.vehicle_ids, is_active=True).select_related("home_hub")
        full = planning_input_for_cycle(run.cycle, vehicles)
        full_instance = build_instance(full, run.objective)
        matrix = travel_matrix(full_instance)
        pins = pins_check(run, full, full_instance, matrix)
        data = pins.solve_input(full)
        if not data.vehicles and data.tasks:
            raise PlanningError(_("No chosen vehicle is available on the days of this cycle."))
        routes, unassigned, solver_status, seconds = {}, {}, "empty", 0.0
        if data.tasks:
            solution = solve(build_instance(data, run.objective, pins.locks), SolveOptions(
                objective=run.objective, time_limit=run.time_budget_seconds, solution_limit=solution_limit,
                workers=workers, progress=_reporter(run, progress)))
            if solution.status == "no_solution" and pins.locks:
                raise PlanningError(_("The planner found no plan that keeps the pinned stops of %(vehicles)s. "
                                      "Unpin some of them and re-optimise; the plan stays as it was.")
                                    % {"vehicles": pins.locked_vehicles()})
            routes = {route.vehicle_id: route.stop_ids for route in solution.routes}
            unassigned = {item.stop_id: item.reason for item in solution.unassigned}
            solver_status, seconds = solution.status, solution.seconds
            pins.after_solve(routes, unassigned)
        unassigned.update({task.key: reason for task, reason in full.unplaceable})
        routes.update(pins.frozen)  # pinned routes go back in as they were, evaluated against the full cycle
        from .impact import baseline_for_input

        baseline = baseline_for_input(full)
    except (PlanningError, InstanceError, ValueError) as error:
        _fail(run, str(error))
        return PlanningRun.objects.get(pk=run_id)
    except Exception as error:
        _fail(run, _("Planning failed: %(error)s") % {"error": error})
        raise
    try:
        with transaction.atomic():
            run = PlanningRun.objects.select_for_update().get(pk=run_id)
            if run.status != PlanningRun.Status.RUNNING:
                return run
            before = driver_days(run)  # what the drivers of a published plan were told (route_changes.py)
            pins_release(run, pins)
            stale = drivers_release(run)
            plan_store(run, full, full_instance, matrix, routes, unassigned, untouched=pins.untouched)
            run.warnings = pins.warnings + drivers_warnings(run, stale)
            run.status = PlanningRun.Status.PUBLISHED if run.published_at else PlanningRun.Status.READY
            run.solver_status, run.solve_seconds = solver_status, round(seconds, 2)
            run.baseline_km, run.baseline = Decimal(baseline["km"]), baseline
            run.planned_at, run.message = timezone.now(), ""
            run.save(update_fields=["status", "solver_status", "solve_seconds", "baseline_km", "baseline",
                                    "planned_at", "message", "warnings"])
            fresh = route_changes_record(run, before)  # drivers whose day changed get a notice
            if (stale or fresh) and run.published_at:
                from logistics.tasks_planning import notify_planning_run

                enqueue_on_commit(notify_planning_run, run.coop_id, run.pk)  # drivers with a new route are told
    except Exception as error:
        # Nothing of the new plan was written (the transaction rolled back): the stored plan stays.
        _fail(run, _("Planning failed: %(error)s") % {"error": error})
        raise
    if run.job_id:
        job_succeed(job_id=run.job_id, message=_("Plan ready"), result={
            "planning_run": run.pk, "routes": run.vehicles_used, "km": str(run.total_km),
            "cost": str(run.total_cost), "unassigned": run.unassigned_count, "status": solver_status,
            "warnings": run_warnings(run)})
    return run


def _fail(run: PlanningRun, message: str) -> None:
    """Back to where the run was: a published or earlier plan stays as stored; a first solve fails."""
    logger.warning("planning run %s failed: %s", run.pk, message)
    has_plan = Stop.objects.filter(run_id=run.pk).exists()
    status = (PlanningRun.Status.PUBLISHED if run.published_at else
              PlanningRun.Status.READY if has_plan else PlanningRun.Status.FAILED)
    PlanningRun.objects.filter(pk=run.pk, status=PlanningRun.Status.RUNNING).update(status=status,
                                                                                    message=message[:300])
    if run.job_id:
        job_fail(job_id=run.job_id, message=message)


def planning_run_publish(*, run_id: int, user=None, notify: bool = True) -> PlanningRun:
    """ready -> published: drivers see their routes; customers with home delivery get their ETA (on commit)."""
    with transaction.atomic():
        moved = PlanningRun.objects.filter(pk=run_id, status=PlanningRun.Status.READY).update(
            status=PlanningRun.Status.PUBLISHED, published_at=timezone.now(), published_by=user)
        run = PlanningRun.objects.get(pk=run_id)
        if not moved:
            raise ValidationError(_("Only a ready plan can be published (this one is %(status)s).")
                                  % {"status": run.get_status_display()})
        if notify:
            from logistics.tasks_planning import notify_planning_run

            enqueue_on_commit(notify_planning_run, run.coop_id, run.pk)
        from logistics.tasks_sheets import render_route_sheets_of_run

        enqueue_on_commit(render_route_sheets_of_run, run.coop_id, run.pk)  # the drivers' route sheet PDFs
    return run


def planning_run_complete(*, run_id: int) -> bool:
    """published -> done once every planned stop is visited (or when the fixer closes the day)."""
    return bool(PlanningRun.objects.filter(pk=run_id, status=PlanningRun.Status.PUBLISHED).update(
        status=PlanningRun.Status.DONE))


def planning_run_check(*, run_id: int) -> PlanCheck:
    """Check the stored plan independently against the cycle as it is now (see planning_store.plan_check)."""
    run = PlanningRun.objects.select_related("cycle__coop").get(pk=run_id)
    data = planning_input_for_cycle(run.cycle, Vehicle.objects.filter(pk__in=run.vehicle_ids))
    instance = build_instance(data, run.objective)
    return plan_check(run, data, instance, travel_matrix(instance))
