"""Thin Celery tasks for settlements: the PDF on the `documents` queue, then the e-mail (each once)."""

from celery import shared_task

from coop.tenancy.tasks import CoopTask, enqueue_on_commit

from . import documents


@shared_task(base=CoopTask, name="documents.settlement_render_pdf")
def settlement_render_pdf(coop_id: int, settlement_id: int) -> int:
    """Render and store the settlement's PDF (idempotent), then queue the e-mail to the producer."""
    document = documents.settlement_render_pdf(settlement_id=settlement_id)
    if document.emailed_at is None:
        enqueue_on_commit(settlement_email, coop_id, settlement_id)
    return document.pk


@shared_task(base=CoopTask, name="invoicing.settlement_email")
def settlement_email(coop_id: int, settlement_id: int) -> str:
    return documents.settlement_email(settlement_id=settlement_id)
