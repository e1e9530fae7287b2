"""Tenancy is enforced by the framework: no active cooperative, no tenant-owned rows."""

import pytest
from celery import shared_task
from django_scopes import ScopeError, scope

from coop.models import Job
from coop.tenancy.tasks import CoopTask
from members.models import Invitation, Membership


@pytest.mark.parametrize("model", [Job, Membership, Invitation])
def test_a_tenant_query_without_a_scope_raises(world_a, model):
    with pytest.raises(ScopeError):
        list(model.objects.all())
    with pytest.raises(ScopeError):
        model.objects.filter(pk=1).exists()


def test_a_scope_shows_only_that_coops_rows(world_a, world_b):
    with scope(coop=world_a.coop):
        assert set(Job.objects.values_list("pk", flat=True)) == {world_a.job.pk}
        assert not Job.objects.filter(pk=world_b.job.pk).exists()
        emails = set(Membership.objects.values_list("user__email", flat=True))
    assert world_a.member.user.email in emails
    assert world_b.member.user.email not in emails


@shared_task(base=CoopTask, name="tests.see_jobs")
def see_jobs(coop_id, job_ids):
    return sorted(Job.objects.filter(pk__in=job_ids).values_list("pk", flat=True))


def test_a_task_for_coop_a_cannot_see_coop_b(world_a, world_b):
    both = [world_a.job.pk, world_b.job.pk]
    assert see_jobs.apply(args=(world_a.coop.pk, both)).get() == [world_a.job.pk]
    assert see_jobs.apply(kwargs={"coop_id": world_b.coop.pk, "job_ids": both}).get() == [world_b.job.pk]


def test_a_task_without_coop_refuses_to_run(world_a):
    with pytest.raises(TypeError):
        see_jobs.apply(kwargs={"job_ids": []}).get()
