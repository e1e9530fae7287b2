"""Writes on tenant-wide infrastructure: jobs that report progress of long tasks."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import Job
from .tenancy.tasks import enqueue_on_commit


def job_create(*, coop, kind: str, created_by=None, message: str = "") -> Job:
    return Job.objects.create(coop=coop, kind=kind, created_by=created_by, message=message)


def job_launch(*, coop, kind: str, task, created_by=None, **task_kwargs) -> Job:
    """Create a Job and queue `task(coop_id, job_id=..., **task_kwargs)` once the transaction commits."""
    with transaction.atomic():
        job = job_create(coop=coop, kind=kind, created_by=created_by)
        enqueue_on_commit(task, coop.pk, job_id=job.pk, **task_kwargs)
    return job


def job_start(*, job_id: int) -> bool:
    """queued -> running; False when another worker already took it (or it is finished)."""
    return bool(
        Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
            status=Job.Status.RUNNING, started_at=timezone.now()
        )
    )


def job_report_progress(*, job_id: int, progress: int, message: str = "") -> None:
    """Progress only ever grows, so a retried step cannot make the bar jump back."""
    progress = max(0, min(100, int(progress)))
    Job.objects.filter(pk=job_id, progress__lte=progress).exclude(
        status__in=[Job.Status.SUCCEEDED, Job.Status.FAILED]
    ).update(progress=progress, message=message[:300], status=Job.Status.RUNNING)


def job_succeed(*, job_id: int, result: dict | None = None, message: str = "") -> None:
    Job.objects.filter(pk=job_id).update(
        status=Job.Status.SUCCEEDED, progress=100, result=result or {}, message=message[:300],
        finished_at=timezone.now(),
    )


def job_fail(*, job_id: int, message: str) -> None:
    Job.objects.filter(pk=job_id).exclude(status=Job.Status.SUCCEEDED).update(
        status=Job.Status.FAILED, message=message[:300], finished_at=timezone.now(), progress=F("progress")
    )
