"""After a crash: the Job of a close started by hand is finished by whoever finishes the close."""

import pytest
from django_scopes import scope

from coop.models import Job
from coop.services import job_create, job_start
from logistics.models import PurchaseOrder
from logistics.services import closing
from logistics.services.closing import cycle_close, cycle_start_closing, cycles_due_for_closing
from logistics.tasks import close_cycle, render_document
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
