"""Rounds in Celery: the solve runs in the `routing` queue (one solve per core), e-mails in the default queue.

Thin tasks that take ids and call services. `routing.plan_run` is idempotent: a redelivered task (acks_late)
finds the run already planned and does nothing.
"""

from smtplib import SMTPException

from celery import shared_task

from coop.tenancy.tasks import CoopTask


@shared_task(base=CoopTask, name="routing.plan_run", soft_time_limit=3600)
def plan_run(coop_id: int, planning_run_id: int) -> dict:
    from .services.planning import planning_run_execute

    run = planning_run_execute(run_id=planning_run_id)
    return {"planning_run": run.pk, "status": run.status, "km": str(run.total_km)}


@shared_task(base=CoopTask, name="logistics.notify_planning_run", autoretry_for=(OSError, SMTPException),
             retry_backoff=True, max_retries=5)
def notify_planning_run(coop_id: int, planning_run_id: int) -> dict:
    from .services.planning_notify import planning_run_notify

    return planning_run_notify(run_id=planning_run_id)


@shared_task(base=CoopTask, name="logistics.notify_route_change", autoretry_for=(OSError, SMTPException),
             retry_backoff=True, max_retries=5)
def notify_route_change(coop_id: int, route_change_id: int, revision: int) -> str:
    """Queued with a countdown after each edit of a published plan: only the newest revision mails, once."""
    from .services.route_changes import route_change_notify

    return route_change_notify(change_id=route_change_id, revision=revision)
