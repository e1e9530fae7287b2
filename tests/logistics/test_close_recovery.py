"""After a crash: the Job of a close started by hand is finished by whoever finishes the close, and the beat
scan queues again the documents of a closed cycle whose render was lost (never one being rendered)."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from coop.models import Job
from coop.services import job_create, job_start
from logistics import documents
from logistics.models import CycleDocument, PurchaseOrder
from logistics.services import closing
from logistics.services.closing import cycle_close, cycle_start_closing, cycles_due_for_closing
from logistics.services.cycle_documents import LOOK_BACK, REQUEUE_AFTER, cycles_with_stuck_documents, documents_claim
from logistics.tasks import close_cycle, close_due, render_document, send_purchase_order
from orders.models import OrderCycle


def _job_left_by_a_dead_close(world) -> Job:
    """A close started from the page: its task took the Job and moved the cycle to "closing", then died
    (and its queue message is gone)."""
    job = job_create(coop=world.coop, kind="cycle_close", created_by=world.admin)
    job_start(job_id=job.pk)
    assert cycle_start_closing(cycle_id=world.extra["cycle"].pk, job_id=job.pk) == OrderCycle.Status.CLOSING
    return job


def _queued_renders(monkeypatch) -> list:
    queued = []
    monkeypatch.setattr(render_document, "apply_async", lambda args, kwargs: queued.append(args[1]))
    return queued


def test_the_scan_finishing_a_close_also_finishes_its_job(world_a, monkeypatch, django_capture_on_commit_callbacks):
    cycle = world_a.extra["cycle"]
    _queued_renders(monkeypatch)
    with scope(coop=world_a.coop):
        job = _job_left_by_a_dead_close(world_a)
        assert OrderCycle.objects.get(pk=cycle.pk).close_job_id == job.pk
        assert cycle.pk in cycles_due_for_closing()
        with django_capture_on_commit_callbacks(execute=True):
            close_cycle.apply(args=(world_a.coop.pk, cycle.pk)).get()  # what close_due queues: no job of its own
        job.refresh_from_db()
        assert job.status == Job.Status.SUCCEEDED and job.progress == 100 and job.finished_at
        assert job.result["purchase_orders"] == 1 and job.result["already_closed"] is False
        finished = job.finished_at
        # the dead task's message delivered again after all: the Job keeps its result, nothing is built twice
        with django_capture_on_commit_callbacks(execute=True):
            again = close_cycle.apply(args=(world_a.coop.pk, cycle.pk), kwargs={"job_id": job.pk}).get()
        assert again["already_closed"] is True
        job.refresh_from_db()
        assert job.status == Job.Status.SUCCEEDED and job.finished_at == finished
        assert job.result["already_closed"] is False
        assert PurchaseOrder.objects.filter(cycle=cycle).count() == 1


def test_a_close_that_fails_fails_the_recorded_job_and_one_that_then_succeeds_succeeds_it(world_a, monkeypatch):
    cycle = world_a.extra["cycle"]
    with scope(coop=world_a.coop):
        job = _job_left_by_a_dead_close(world_a)

        def broken(cycle):
            raise RuntimeError("the disk is full")

        monkeypatch.setattr(closing, "_build_packing", broken)
        with pytest.raises(RuntimeError):
            cycle_close(cycle_id=cycle.pk)  # the scan's close
        job.refresh_from_db()
        assert job.status == Job.Status.FAILED and job.message == "the disk is full"
        assert OrderCycle.objects.get(pk=cycle.pk).status == OrderCycle.Status.CLOSING
        monkeypatch.undo()
        cycle_close(cycle_id=cycle.pk)  # the next minute's scan, once the disk has room again
        job.refresh_from_db()
        assert job.status == Job.Status.SUCCEEDED and job.result["purchase_orders"] == 1


def test_a_close_by_hand_while_another_is_unfinished_keeps_the_first_job(world_a):
    cycle = world_a.extra["cycle"]
    with scope(coop=world_a.coop):
        first = _job_left_by_a_dead_close(world_a)
        second = job_create(coop=world_a.coop, kind="cycle_close")
        cycle_start_closing(cycle_id=cycle.pk, job_id=second.pk)
        assert OrderCycle.objects.get(pk=cycle.pk).close_job_id == first.pk  # its task may be dead
        result = cycle_close(cycle_id=cycle.pk, job_id=second.pk)  # the second task finishes both
        assert not result.already_closed
        assert set(Job.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)) == {"succeeded"}


def _closed_without_renders(world):
    """The close committed, but its worker died before it queued the renders."""
    cycle = world.extra["cycle"]
    cycle_close(cycle_id=cycle.pk)
    return OrderCycle.objects.get(pk=cycle.pk)


def test_the_scan_queues_again_the_documents_of_a_close_whose_worker_died(world_a, monkeypatch,
                                                                         django_capture_on_commit_callbacks):
    queued = _queued_renders(monkeypatch)
    monkeypatch.setattr(close_cycle, "delay", lambda *args: None)  # this test is about the documents only
    monkeypatch.setattr(send_purchase_order, "delay", lambda *args: None)
    with scope(coop=world_a.coop):
        cycle = _closed_without_renders(world_a)
        documents_before = sorted(CycleDocument.objects.filter(cycle=cycle).values_list("kind", "subject"))
        now = timezone.now()
        assert cycle.pk not in cycles_with_stuck_documents(now=now)  # just asked for: their tasks may be queued
        later = now + REQUEUE_AFTER + timedelta(minutes=1)
        assert cycle.pk in cycles_with_stuck_documents(now=later)
        assert cycle.pk not in cycles_with_stuck_documents(now=cycle.closed_at + LOOK_BACK + timedelta(minutes=1))

        hub = CycleDocument.objects.get(cycle=cycle, kind=CycleDocument.Kind.HUB_SUMMARY)
        render_document.apply(args=(world_a.coop.pk, hub.pk)).get()  # this one did get rendered
        CycleDocument.objects.filter(cycle=cycle).update(requested_at=now - REQUEUE_AFTER - timedelta(minutes=1))
        with django_capture_on_commit_callbacks(execute=True):
            close_due.apply(args=(world_a.coop.pk,)).get()
        assert queued == []  # one was rendered just now: the others may be waiting their turn in the queue
        CycleDocument.objects.filter(pk=hub.pk).update(generated_at=now - REQUEUE_AFTER - timedelta(minutes=1))
        with django_capture_on_commit_callbacks(execute=True):
            close_due.apply(args=(world_a.coop.pk,)).get()
        pending = set(CycleDocument.objects.filter(cycle=cycle, status="pending").values_list("pk", flat=True))
        assert len(pending) == 5 and sorted(queued) == sorted(pending)  # the ready one is not queued
        with django_capture_on_commit_callbacks(execute=True):
            close_due.apply(args=(world_a.coop.pk,)).get()
        assert len(queued) == 5  # asked for again just now: the next scan waits REQUEUE_AFTER

        for document_id in queued + queued:  # every render twice (the lost message may still turn up)
            render_document.apply(args=(world_a.coop.pk, document_id)).get()
        assert not CycleDocument.objects.filter(cycle=cycle).exclude(status="ready").exists()
        assert sorted(CycleDocument.objects.filter(cycle=cycle).values_list("kind", "subject")) == documents_before
        assert cycle.pk not in cycles_with_stuck_documents(now=later)


def test_documents_waiting_behind_a_long_queue_are_not_queued_again_and_never_fail_untried(world_a):
    """A big cut-off on a busy machine: the workers render for longer than REQUEUE_AFTER. While documents of the
    cycle keep getting ready, the ones still waiting are not queued again (each queueing counts as an attempt,
    and after the last one a document is FAILED); once the rendering goes quiet, they are."""
    with scope(coop=world_a.coop):
        cycle = _closed_without_renders(world_a)
        documents = list(CycleDocument.objects.filter(cycle=cycle).order_by("pk"))
        start = timezone.now()
        CycleDocument.objects.filter(cycle=cycle).update(requested_at=start)
        assert len(documents) >= 6
        for minutes in range(1, 61):  # four times REQUEUE_AFTER
            now = start + timedelta(minutes=minutes)
            if minutes % 10 == 0 and minutes <= 50:  # one more document is ready every ten minutes
                CycleDocument.objects.filter(pk=documents.pop().pk).update(status="ready", generated_at=now)
            assert cycle.pk not in cycles_with_stuck_documents(now=now), minutes
        quiet = start + timedelta(minutes=50) + REQUEUE_AFTER + timedelta(minutes=1)
        assert cycle.pk in cycles_with_stuck_documents(now=quiet)


@pytest.mark.django_db(transaction=True)
def test_a_document_being_rendered_is_not_queued_again(monkeypatch):
    from tests.conftest import make_world

    world = make_world("traag", "Traag")
    with scope(coop=world.coop):
        cycle = _closed_without_renders(world)
        slow = CycleDocument.objects.get(cycle=cycle, kind=CycleDocument.Kind.HUB_SUMMARY)
        CycleDocument.objects.filter(cycle=cycle).update(requested_at=timezone.now() - REQUEUE_AFTER * 2)
    rendering, release = threading.Event(), threading.Event()
    real_pdf = documents.document_pdf

    def slow_pdf(document):
        if document.pk == slow.pk:
            rendering.set()
            release.wait(30)
        return real_pdf(document)

    monkeypatch.setattr(documents, "document_pdf", slow_pdf)
    outcome = []

    def render():
        try:
            with scopes_disabled():
                outcome.append(documents.document_render(document_id=slow.pk))
        finally:
            connection.close()

    worker = threading.Thread(target=render)
    worker.start()
    try:
        assert rendering.wait(30)
        with scope(coop=world.coop):
            claimed = documents_claim(cycle_id=cycle.pk, stale_only=True)
            assert slow.pk not in claimed and len(claimed) == 5
            # a second task for the same document meanwhile does not render it again
            assert documents.document_render(document_id=slow.pk) == "being-rendered"
    finally:
        release.set()
        worker.join(60)
    assert outcome == ["rendered"]
    with scope(coop=world.coop):
        assert CycleDocument.objects.get(pk=slow.pk).status == CycleDocument.Status.READY
        assert cycle.pk not in cycles_with_stuck_documents()
