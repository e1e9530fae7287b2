"""Cut-off work in Celery: thin tasks that take ids and call services."""

from smtplib import SMTPException

from celery import shared_task
from django.db import transaction

from coop.models import Cooperative
from coop.services import job_report_progress, job_start
from coop.tenancy.tasks import CoopTask, enqueue_on_commit

from .models import CycleDocument
from .services.closing import cycle_close, cycles_due_for_closing
from .services.cycle_documents import cycles_with_stuck_documents, documents_claim


@shared_task(name="logistics.close_due_all")
def close_due_all() -> int:
    """Every minute: one scan per active cooperative for cycles past their cut-off."""
    coop_ids = list(Cooperative.objects.filter(is_active=True).values_list("pk", flat=True))
    for coop_id in coop_ids:
        close_due.delay(coop_id)
    return len(coop_ids)


@shared_task(base=CoopTask, name="logistics.close_due")
def close_due(coop_id: int) -> list[int]:
    """Queue the closes that are due (or left half-way), and again the documents whose render was lost."""
    due = cycles_due_for_closing()
    for cycle_id in due:
        close_cycle.delay(coop_id, cycle_id)
    for cycle_id in cycles_with_stuck_documents():
        queue_documents(coop_id, cycle_id, stale_only=True)
    return due


def queue_documents(coop_id: int, cycle_id: int, *, stale_only: bool) -> int:
    """Queue a render for the cycle's pending documents not being rendered (see documents_claim)."""
    with transaction.atomic():
        document_ids = documents_claim(cycle_id=cycle_id, stale_only=stale_only)
        for document_id in document_ids:
            enqueue_on_commit(render_document, coop_id, document_id)
    return len(document_ids)


@shared_task(base=CoopTask, bind=True, name="logistics.close_cycle", autoretry_for=(ConnectionError,),
             retry_backoff=True, max_retries=5)
def close_cycle(self, coop_id: int, cycle_id: int, job_id: int | None = None) -> dict:
    """Close one cycle, then queue its documents. Running twice (or after a crash) changes nothing more.

    cycle_close succeeds or fails the Job (this one's and the one recorded on the cycle by a close that died).
    """
    if job_id:
        job_start(job_id=job_id)

    def report(progress: int, message: str) -> None:
        if job_id:
            job_report_progress(job_id=job_id, progress=progress, message=message)

    result = cycle_close(cycle_id=cycle_id, job_id=job_id, report=report)
    queue_documents(coop_id, cycle_id, stale_only=False)
    return result.summary()


@shared_task(base=CoopTask, name="documents.render_cycle_document", autoretry_for=(OSError,), retry_backoff=True,
             max_retries=3)
def render_document(coop_id: int, document_id: int) -> str:
    from .documents import document_render

    outcome = document_render(document_id=document_id)
    if outcome == "being-rendered":  # another worker has it and mails it when done
        return outcome
    if CycleDocument.objects.filter(pk=document_id, kind=CycleDocument.Kind.PURCHASE_ORDER).exists():
        # the producer gets the PDF by e-mail (in the default queue, so mail never waits behind PDFs)
        send_purchase_order.delay(coop_id, document_id)
    return outcome


@shared_task(base=CoopTask, name="logistics.send_purchase_order", autoretry_for=(OSError, SMTPException),
             retry_backoff=True, max_retries=5)
def send_purchase_order(coop_id: int, document_id: int) -> str:
    """E-mail a rendered purchase order to its producer; sends nothing if it went out before."""
    from .emails import purchase_order_email

    return purchase_order_email(document_id=document_id)


@shared_task(base=CoopTask, name="logistics.notify_order_changed")
def notify_order_changed(coop_id: int, order_id: int) -> str:
    """Tell the customer what the hub changed (weights, shortages) with the new total."""
    from .emails import order_changed_email

    return order_changed_email(order_id=order_id)


from .tasks_planning import notify_planning_run, notify_route_change, plan_run  # noqa: E402, F401 (rounds; found by autodiscovery)
from .tasks_sheets import render_route_sheet, render_route_sheets_of_run  # noqa: E402, F401 (driver's route sheets)
