"""Getting every document of a closed cycle rendered, even when a worker died or a render task was lost.

The close registers the documents (pending, requested now) in the transaction that closes the cycle, and its
task queues a render for each after the commit. A worker that dies between that commit and the queueing, or
a render message that is lost, would leave them pending until the broker hands the close's message out
again (Redis: the visibility timeout, an hour). The every-minute beat scan finds such cycles with one query
(cycles_with_stuck_documents) and queues their documents again (documents_claim).

A document is never queued twice for the same reason: the claim stamps requested_at, so the next scan waits
another REQUEUE_AFTER, and a cycle whose documents are still being rendered (one ready within REQUEUE_AFTER)
is left to drain first. One being rendered right now is left alone: the render holds its row locked
(logistics/documents.py), and the claim skips locked rows. A render that runs twice anyway finds the
document ready and does nothing; (cycle, kind, subject) is unique, so no document exists twice.

A document that cannot be rendered (a template error with one customer's data) is not queued forever: every
queued render counts as an attempt, a failing render records its error (document_render_failed), and after
settings.CYCLE_DOCUMENT_MAX_ATTEMPTS the document is FAILED, which the scan leaves alone; so is one whose last
attempt never reported back (its worker died). The hub sees why and tries it again by hand (documents_retry).
A render that succeeds later, for whatever reason, makes it ready and clears the error.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from coop.tenancy.tasks import enqueue_on_commit
from logistics.models import CycleDocument
from orders.models import OrderCycle

# Longer than the documents queue of one big cut-off usually takes to drain (5,217 PDFs in 439 s with two idle
# workers, 734 s on a busy machine: docs/benchmarks.md); a cycle still draining is not scanned at all.
REQUEUE_AFTER = timedelta(minutes=15)
# Packing lists and purchase orders matter until the goods are delivered, a few days after the cut-off.
LOOK_BACK = timedelta(days=3)


def _stale(now: datetime) -> Q:
    return Q(status=CycleDocument.Status.PENDING) & (Q(requested_at__isnull=True)
                                                     | Q(requested_at__lt=now - REQUEUE_AFTER))


def cycles_with_stuck_documents(*, now: datetime | None = None) -> list[int]:
    """Cycles closed in the last LOOK_BACK with a document pending for longer than REQUEUE_AFTER, and none of
    their documents rendered within REQUEUE_AFTER: while the workers are still getting through a cycle's
    documents (a big cut-off on a slow or busy machine can take longer than REQUEUE_AFTER), the ones waiting
    their turn are not stuck, and queueing them again would spend their attempts until they are FAILED
    without ever having been tried. Once the rendering has gone quiet, whatever is still pending is queued.

    One query over the cycles; the EXISTS reads the partial index of pending documents only.
    """
    now = now or timezone.now()
    stuck = CycleDocument.objects.filter(_stale(now), cycle=OuterRef("pk"))
    draining = CycleDocument.objects.filter(cycle=OuterRef("pk"), generated_at__gte=now - REQUEUE_AFTER)
    return list(OrderCycle.objects.filter(closed_at__gte=now - LOOK_BACK).filter(Exists(stuck))
                .exclude(Exists(draining)).order_by().values_list("pk", flat=True))


def max_attempts() -> int:
    return max(1, settings.CYCLE_DOCUMENT_MAX_ATTEMPTS)


def documents_claim(*, cycle_id: int, stale_only: bool, now: datetime | None = None) -> list[int]:
    """Pending documents of a cycle to queue a render for, stamped as requested now and counted as an attempt;
    call it inside the transaction that queues them on commit.

    stale_only: only those requested longer than REQUEUE_AFTER ago (the beat scan); otherwise every pending
    one (the close itself). Documents being rendered (row locked) are skipped either way. One that has had
    all its attempts is not queued: once its last one is stale (never reported back) it is marked FAILED.
    """
    now = now or timezone.now()
    pending = CycleDocument.objects.filter(cycle_id=cycle_id, status=CycleDocument.Status.PENDING)
    if stale_only:
        pending = pending.filter(_stale(now))
    limit = max_attempts()
    with transaction.atomic():
        rows = list(pending.select_for_update(skip_locked=True).order_by("pk")
                    .values_list("pk", "attempts", "requested_at"))
        ids = [pk for pk, attempts, _requested in rows if attempts < limit]
        spent = [pk for pk, attempts, requested in rows
                 if attempts >= limit and (requested is None or requested < now - REQUEUE_AFTER)]
        CycleDocument.objects.filter(pk__in=ids).update(requested_at=now, attempts=F("attempts") + 1)
        if spent:
            CycleDocument.objects.filter(pk__in=spent).update(status=CycleDocument.Status.FAILED)
    return ids


def document_render_failed(*, document_id: int, error: BaseException) -> bool:
    """Record why a render failed, after its transaction rolled back; on its last attempt the document is
    FAILED. Returns whether it is. A document rendered meanwhile, or being rendered again right now (row
    locked: that render reports for itself), is left alone."""
    message = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    with transaction.atomic():
        document = (CycleDocument.objects.select_for_update(skip_locked=True).filter(pk=document_id)
                    .exclude(status=CycleDocument.Status.READY).first())
        if document is None:
            return False
        document.error = message[:300]
        if document.attempts >= max_attempts():
            document.status = CycleDocument.Status.FAILED
        document.save(update_fields=["error", "status"])
    return document.status == CycleDocument.Status.FAILED


def documents_retry(*, cycle_id: int, document_id: int | None = None) -> int:
    """Try failed documents again (the hub's button: one, or every failed one of the cycle): their attempts
    start over, with this render as the first, and one render each is queued after the commit. Returns how
    many. Only FAILED documents are taken, so a second click (the document is pending again) queues nothing.
    """
    from logistics.tasks import render_document  # the tasks module imports this one

    failed = CycleDocument.objects.filter(cycle_id=cycle_id, status=CycleDocument.Status.FAILED)
    if document_id is not None:
        failed = failed.filter(pk=document_id)
    with transaction.atomic():
        rows = list(failed.select_for_update(skip_locked=True).order_by("pk").values_list("pk", "coop_id"))
        CycleDocument.objects.filter(pk__in=[pk for pk, _coop in rows]).update(
            status=CycleDocument.Status.PENDING, attempts=1, error="", requested_at=timezone.now())
        for pk, coop_id in rows:
            enqueue_on_commit(render_document, coop_id, pk)
    return len(rows)
