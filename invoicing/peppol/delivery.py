"""Sending an issued business invoice over Peppol exactly once, with failures kept visible.

One PeppolDelivery row per invoice (a unique constraint) holds the XML and the status. A sender claims the row
with a conditional UPDATE (pending or failed, or "sending" for longer than STALE_AFTER: a worker that died),
sends outside any database transaction, and records the outcome. A delivered, sent or outbox row is never
sent again; a failed one stays visible to the fixer with its last error and is retried by the task.
"""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from invoicing.models import Invoice, PeppolDelivery

from .transport import PermanentError, TransientError, Transport, transport_from_env
from .ubl import invoice_ubl

STALE_AFTER = timedelta(minutes=15)
Status = PeppolDelivery.Status


def peppol_delivery_prepare(*, invoice_id: int, transport_name: str = "") -> PeppolDelivery:
    """The delivery row of an invoice, created with its UBL the first time (raises NotPeppolReady)."""
    existing = PeppolDelivery.objects.filter(invoice_id=invoice_id).first()
    if existing is not None:
        return existing
    invoice = Invoice.objects.select_related("credited_invoice").get(pk=invoice_id)
    xml = invoice_ubl(invoice).decode("utf-8")
    try:
        with transaction.atomic():
            return PeppolDelivery.objects.create(coop=invoice.coop, invoice=invoice, xml=xml,
                                                 receiver=invoice.buyer["peppol_id"],
                                                 transport=transport_name or transport_from_env().name)
    except IntegrityError:  # created meanwhile by another worker
        return PeppolDelivery.objects.get(invoice_id=invoice_id)


def peppol_delivery_send(*, invoice_id: int, transport: Transport | None = None) -> PeppolDelivery:
    """Send the invoice's UBL once. Raises TransientError after recording it (so a task can retry)."""
    transport = transport or transport_from_env()
    delivery = peppol_delivery_prepare(invoice_id=invoice_id, transport_name=transport.name)
    now = timezone.now()
    claimable = Q(status__in=[Status.PENDING, Status.FAILED]) | Q(status=Status.SENDING,
                                                                    claimed_at__lt=now - STALE_AFTER)
    claimed = PeppolDelivery.objects.filter(claimable, pk=delivery.pk).update(
        status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1, transport=transport.name)
    if not claimed:
        delivery.refresh_from_db()
        return delivery
    invoice = delivery.invoice
    try:
        result = transport.send(document_id=f"{invoice.coop.slug}:{invoice.number}",
                                sender=invoice.seller.get("peppol_id", ""), receiver=delivery.receiver,
                                xml=delivery.xml.encode("utf-8"))
    except (TransientError, PermanentError) as exc:
        PeppolDelivery.objects.filter(pk=delivery.pk).update(status=Status.FAILED, last_error=str(exc)[:2000])
        if isinstance(exc, TransientError):
            raise
    else:
        PeppolDelivery.objects.filter(pk=delivery.pk).update(
            status=result.status, external_id=result.external_id, last_error="",
            sent_at=None if result.status == Status.OUTBOX else timezone.now())
    delivery.refresh_from_db()
    return delivery


def peppol_delivery_mark(*, delivery_id: int, status: str, external_id: str = "", message: str = "") -> PeppolDelivery:
    """Record what happened outside the platform: a manual upload, or an access point's status callback."""
    if status not in (Status.SENT, Status.DELIVERED, Status.FAILED):
        raise ValueError(f"cannot mark a delivery {status!r}")
    with transaction.atomic():
        delivery = PeppolDelivery.objects.select_for_update().get(pk=delivery_id)
        delivery.status = status
        delivery.external_id = external_id or delivery.external_id
        delivery.last_error = message if status == Status.FAILED else ""
        delivery.sent_at = delivery.sent_at or (timezone.now() if status != Status.FAILED else None)
        delivery.save(update_fields=["status", "external_id", "last_error", "sent_at", "updated_at"])
    return delivery
