"""Getting every document of a closed cycle rendered, even when a worker died or a render task was lost.

The close registers the documents (pending, requested now) in the transaction that closes the cycle, and its
task queues a render for each after the commit. A worker that dies between that commit and the queueing, or
a render message that is lost, would leave them pending until the broker hands the close's message out
again (Redis: the visibility timeout, an hour). The every-minute beat scan finds such cycles with one query
(cycles_with_stuck_documents) and queues their documents again (documents_claim).

A document is never queued twice for the same reason: the claim stamps requested_at, so the next scan waits
another REQUEUE_AFTER. One being rendered right now is left alone: the render holds its row locked
(logistics/documents.py), and the claim skips locked rows. A render that runs twice anyway finds the
document ready and does nothing; (cycle, kind, subject) is unique, so no document exists twice.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from logistics.models import CycleDocument
from orders.models import OrderCycle

# Longer than the documents queue of one big cut-off takes to drain (5,217 PDFs in 439 s with two workers,
# docs/benchmarks.md), so a document still waiting its turn is not queued twice.
REQUEUE_AFTER = timedelta(minutes=15)
# Packing lists and purchase orders matter until the goods are delivered, a few days after the cut-off.
LOOK_BACK = timedelta(days=3)


def _stale(now: datetime) -> Q:
    return Q(status=CycleDocument.Status.PENDING) & (Q(requested_at__isnull=True)
                                                     | Q(requested_at__lt=now - REQUEUE_AFTER))


def cycles_with_stuck_documents(*, now: datetime | None = None) -> list[int]:
    """Cycles closed in the last LOOK_BACK with a document pending for longer than REQUEUE_AFTER.

    One query over the cycles; the EXISTS reads the partial index of pending documents only.
    """
    now = now or timezone.now()
    stuck = CycleDocument.objects.filter(_stale(now), cycle=OuterRef("pk"))
    return list(OrderCycle.objects.filter(closed_at__gte=now - LOOK_BACK).filter(Exists(stuck))
                .order_by().values_list("pk", flat=True))


def documents_claim(*, cycle_id: int, stale_only: bool, now: datetime | None = None) -> list[int]:
    """Pending documents of a cycle to queue a render for, stamped as requested now; call it inside the
    transaction that queues them on commit.

    stale_only: only those requested longer than REQUEUE_AFTER ago (the beat scan); otherwise every pending
    one (the close itself). Documents being rendered (row locked) are skipped either way.
    """
    now = now or timezone.now()
    pending = CycleDocument.objects.filter(cycle_id=cycle_id, status=CycleDocument.Status.PENDING)
    if stale_only:
        pending = pending.filter(_stale(now))
    with transaction.atomic():
        ids = list(pending.select_for_update(skip_locked=True).order_by("pk").values_list("pk", flat=True))
        CycleDocument.objects.filter(pk__in=ids).update(requested_at=now)
    return ids
