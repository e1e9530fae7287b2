"""Jobs report progress of long tasks; a real worker drives one from queued to succeeded."""

import time

import pytest
from django_scopes import scope

from coop.models import Job
from coop.services import job_launch, job_report_progress, job_start
from coop.tasks import worker_check
from tests.celery_worker import running_worker


def test_progress_only_grows_and_is_clamped(world_a):
    job_id = world_a.job.pk
    with scope(coop=world_a.coop):
        assert job_start(job_id=job_id)
        assert not job_start(job_id=job_id)  # a second worker does not take it again
        job_report_progress(job_id=job_id, progress=60, message="half")
        job_report_progress(job_id=job_id, progress=40, message="late retry")
        job_report_progress(job_id=job_id, progress=500)
        job = Job.objects.get(pk=job_id)
    assert job.progress == 100 and job.status == Job.Status.RUNNING


def test_job_api_and_progress_fragment(client, world_a):
    client.force_login(world_a.member.user)  # the job's creator
    data = client.get(f"/api/v1/{world_a.coop.slug}/jobs/{world_a.job.pk}/").json()
    assert data["status"] == "queued" and data["progress"] == 0
    fragment = client.get(f"/{world_a.coop.slug}/jobs/{world_a.job.pk}/progress/", HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 1s"' in fragment.content.decode()


def test_another_member_cannot_see_someone_elses_job(client, world_a):
    from tests.factories import MembershipFactory

    other = MembershipFactory(coop=world_a.coop)
    client.force_login(other.user)
    assert client.get(f"/api/v1/{world_a.coop.slug}/jobs/{world_a.job.pk}/").status_code == 404


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_a_job_to_the_end(client):
    from tests.conftest import make_world

    world = make_world("worker", "Coöperatie Werker")
    client.force_login(world.admin)
    with running_worker():
        response = client.post(f"/{world.coop.slug}/jobs/worker-check/")
        assert response.status_code == 302
        job_id = int(response["Location"].rstrip("/").split("/")[-1])
        seen_progress = set()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            data = client.get(f"/api/v1/{world.coop.slug}/jobs/{job_id}/").json()
            seen_progress.add(data["progress"])
            if data["status"] == "succeeded":
                break
            time.sleep(0.05)
    assert data["status"] == "succeeded", data
    assert data["progress"] == 100
    assert any(0 < p < 100 for p in seen_progress), seen_progress  # progress was reported on the way
    # Delivered twice (e.g. after a worker was lost): the second run finds it done and changes nothing.
    assert worker_check.apply(args=(world.coop.pk,), kwargs={"job_id": job_id}).get() == "already-taken"


def test_job_launch_queues_only_after_commit(world_a, django_capture_on_commit_callbacks, monkeypatch):
    queued = []
    monkeypatch.setattr(worker_check, "apply_async", lambda args, kwargs: queued.append((args, kwargs)))
    with django_capture_on_commit_callbacks(execute=False) as callbacks, scope(coop=world_a.coop):
        job = job_launch(coop=world_a.coop, kind="worker_check", task=worker_check)
    assert queued == []  # nothing is sent while the transaction is open
    for callback in callbacks:
        callback()
    assert queued == [((world_a.coop.pk,), {"job_id": job.pk})]
