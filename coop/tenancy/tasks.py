"""Celery tasks for one cooperative: they take ids, enter the scope, and are queued on commit."""

from celery import Task
from django.db import transaction
from django_scopes import scope

from coop.models import Cooperative


class CoopTask(Task):
    """Base class for tenant tasks. The first argument (or `coop_id=`) names the cooperative.

    The task body runs inside `scope(coop=...)`, so it sees that cooperative's rows and nothing else.
    """

    abstract = True
    acks_late = True
    reject_on_worker_lost = True

    def __call__(self, *args, **kwargs):
        coop_id = kwargs.get("coop_id", args[0] if args else None)
        if coop_id is None:
            raise TypeError(f"{self.name} needs coop_id as its first argument")
        coop = Cooperative.objects.get(pk=coop_id)
        with scope(coop=coop):
            return super().__call__(*args, **kwargs)


def enqueue_on_commit(task, *args, **kwargs):
    """Queue `task` only once the surrounding transaction commits, so the worker sees the rows."""
    transaction.on_commit(lambda: task.apply_async(args=args, kwargs=kwargs))
