"""Thin Celery tasks: load ids, call a service. PDFs go to the `documents` queue (names "documents.*")."""

from celery import shared_task

from coop.tenancy.tasks import CoopTask
from invoicing.peppol.delivery import peppol_delivery_send
from invoicing.peppol.transport import TransientError
from invoicing.services.documents import invoice_render_pdf as render_pdf


@shared_task(base=CoopTask, name="documents.invoice_render_pdf")
def invoice_render_pdf(coop_id: int, invoice_id: int) -> int:
    """Render and store the PDF of an issued invoice. Idempotent: a stored PDF is kept."""
    return render_pdf(invoice_id=invoice_id).pk


@shared_task(base=CoopTask, name="invoicing.peppol_send", bind=True, max_retries=10)
def invoice_send_peppol(self, coop_id: int, invoice_id: int) -> str:
    """Send a business invoice over Peppol once; transient failures retry with backoff (1 min .. 4 h)."""
    try:
        return peppol_delivery_send(invoice_id=invoice_id).status
    except TransientError as exc:
        raise self.retry(exc=exc, countdown=min(60 * 2 ** self.request.retries, 4 * 3600)) from exc


from invoicing.settlements import tasks as settlement_tasks  # noqa: E402, F401  (registers them)
from invoicing.tasks_billing import *  # noqa: E402, F403  (registered with the worker through this module)
