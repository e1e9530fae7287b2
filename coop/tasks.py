"""Tenant-wide tasks."""

import time

from celery import shared_task
from django.utils.translation import gettext as _

from .services import job_report_progress, job_start, job_succeed
from .tenancy.tasks import CoopTask


@shared_task(base=CoopTask, bind=True)
def worker_check(self, coop_id: int, *, job_id: int, steps: int = 5, pause: float = 0.2):
    """A harmless job an administrator can start to see that the background worker is alive.

    Idempotent: a second delivery of the same job finds it finished and does nothing.
    """
    if not job_start(job_id=job_id):
        return "already-taken"
    for step in range(1, steps + 1):
        time.sleep(pause)
        job_report_progress(job_id=job_id, progress=int(step * 100 / (steps + 1)),
                            message=_("Step %(step)s of %(steps)s") % {"step": step, "steps": steps})
    job_succeed(job_id=job_id, result={"steps": steps, "worker": self.request.hostname or ""},
                message=_("The background worker is running."))
    return "done"
