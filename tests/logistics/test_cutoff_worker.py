"""The cut-off with real Celery workers: queued twice, and a worker killed in the middle of the close."""

import io
import time

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled
from pypdf import PdfReader

from coop.models import Job
from coop.services import job_create, job_start
from logistics.models import CycleDocument, OrderPacking, PurchaseOrder, PurchaseOrderLine
from logistics.services.closing import cycle_close, cycle_start_closing
from logistics.services.cycle_documents import REQUEUE_AFTER
from logistics.tasks import close_cycle, close_due_all
from orders.models import OrderCycle
from tests.celery_worker import kill_worker, running_worker
from tests.conftest import make_world

VISIBILITY = "5"  # seconds before Redis hands an unacknowledged task to another worker (test settings)


def _wait(predicate, seconds=60, step=0.2):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def _status(cycle_id):
    with scopes_disabled():
        return OrderCycle.objects.get(pk=cycle_id).status


def _counts(cycle_id):
    with scopes_disabled():
        return (PurchaseOrder.objects.filter(cycle_id=cycle_id).count(),
                PurchaseOrderLine.objects.filter(purchase_order__cycle_id=cycle_id).count(),
                OrderPacking.objects.filter(cycle_id=cycle_id).count(),
                CycleDocument.objects.filter(cycle_id=cycle_id).count())


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_close_queued_twice_gives_one_set_and_pdfs():
    world = make_world("dubbel", "Dubbel")
    cycle = world.extra["cycle"]
    with running_worker(concurrency=2):
        close_cycle.delay(world.coop.pk, cycle.pk)
        close_cycle.delay(world.coop.pk, cycle.pk)
        assert _wait(lambda: _status(cycle.pk) == OrderCycle.Status.CLOSED)
        with scopes_disabled():
            assert _wait(lambda: not CycleDocument.objects.filter(cycle=cycle).exclude(status="ready").exists())
    assert _counts(cycle.pk) == (1, 1, 1, 6)
    with scopes_disabled():
        packing = CycleDocument.objects.get(cycle=cycle, kind="packing_list")
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(packing.file.read())).pages)
        customer = world.member.user.get_full_name()
        assert world.extra["order"].number in text and customer in text
        assert world.extra["product"].name_nl in text
        po = CycleDocument.objects.get(cycle=cycle, kind="purchase_order")
        po_text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(po.file.read())).pages)
        assert world.extra["product"].name_nl in po_text


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_during_the_close_is_completed_by_the_next():
    world = make_world("crash", "Crash")
    cycle = world.extra["cycle"]
    slow = {"CUTOFF_FAULT_PAUSE_SECONDS": "30", "TEST_VISIBILITY_TIMEOUT": VISIBILITY}
    with running_worker(queues="default", env=slow) as worker:
        close_cycle.delay(world.coop.pk, cycle.pk)
        # phase 1 committed "closing"; phase 2 is now sleeping inside its transaction
        assert _wait(lambda: _status(cycle.pk) == OrderCycle.Status.CLOSING, 30)
        time.sleep(1)
        kill_worker(worker)
    assert _status(cycle.pk) == OrderCycle.Status.CLOSING
    assert _counts(cycle.pk) == (0, 0, 0, 0)  # nothing half-written
    with running_worker(queues="default,documents", env={"TEST_VISIBILITY_TIMEOUT": VISIBILITY}):
        # the unacknowledged task comes back (acks_late, visibility timeout) and completes the close
        assert _wait(lambda: _status(cycle.pk) == OrderCycle.Status.CLOSED, 60)
        with scopes_disabled():
            assert _wait(lambda: not CycleDocument.objects.filter(cycle=cycle).exclude(status="ready").exists())
    assert _counts(cycle.pk) == (1, 1, 1, 6)


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_the_beat_scan_finishes_what_dead_workers_left_without_waiting_for_the_broker():
    """Two crashes whose messages Redis would only hand out again after an hour: a close started from the page
    that died in "closing", and a close that committed but died before queueing its PDFs. One beat scan
    finishes the first close and its Job, and has every PDF of both rendered."""
    stuck, unrendered = make_world("verlaten", "Verlaten"), make_world("onaf", "Onaf")
    with scopes_disabled():
        job = job_create(coop=stuck.coop, kind="cycle_close", created_by=stuck.admin)
        job_start(job_id=job.pk)
        cycle_start_closing(cycle_id=stuck.extra["cycle"].pk, job_id=job.pk)
        cycle_close(cycle_id=unrendered.extra["cycle"].pk)
        CycleDocument.objects.filter(cycle=unrendered.extra["cycle"]).update(
            requested_at=timezone.now() - 2 * REQUEUE_AFTER)
    cycles = [stuck.extra["cycle"].pk, unrendered.extra["cycle"].pk]

    def all_ready():
        with scopes_disabled():
            return not CycleDocument.objects.filter(cycle_id__in=cycles).exclude(status="ready").exists()

    with running_worker(queues="default,documents"):
        close_due_all.delay()
        assert _wait(lambda: _status(cycles[0]) == OrderCycle.Status.CLOSED)
        assert _wait(all_ready)
    with scopes_disabled():
        job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.result["purchase_orders"] == 1
    assert _counts(cycles[0]) == _counts(cycles[1]) == (1, 1, 1, 6)
