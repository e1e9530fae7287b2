"""A real Celery worker process for integration tests: same broker (Redis), same test database."""

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

from coop.celery import app

ROOT = Path(__file__).resolve().parents[1]


def _database_url() -> str:
    db = connection.settings_dict
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    host = db.get("HOST") or ""
    port = f":{db['PORT']}" if db.get("PORT") else ""
    if host.startswith("/"):  # a unix socket directory (embedded PostgreSQL)
        return f"postgres://{auth}/{db['NAME']}?host={host}{'&port=' + str(db['PORT']) if db.get('PORT') else ''}"
    return f"postgres://{auth}{host}{port}/{db['NAME']}"


@contextmanager
def running_worker(queues: str = "default,documents,routing", concurrency: int = 1, env: dict | None = None):
    """Start `celery worker` on the test database and wait until it answers a ping."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "coop.settings.test", "DATABASE_URL": _database_url(),
           "TEST_CELERY_KEYPREFIX": settings.TEST_CELERY_KEYPREFIX, **(env or {})}
    hostname = f"testworker-{os.getpid()}-{time.monotonic_ns()}@%h"
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "coop", "worker", "-Q", queues, "-c", str(concurrency),
         "-P", "prefork", "--without-gossip", "--without-mingle", "-n", hostname, "--loglevel=WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,  # its own process group, so kill_worker can kill it and its pool at once
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError("the Celery worker exited:\n" + proc.stdout.read())
            if any(hostname.split("@")[0] in name for reply in app.control.ping(timeout=0.5) for name in reply):
                break
        else:
            raise RuntimeError("the Celery worker did not answer within 60 s")
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def kill_worker(proc: subprocess.Popen) -> None:
    """SIGKILL the worker and its pool processes in one go, as when a machine or container dies.

    No Celery code runs after it: nothing is rejected or requeued, the task's message stays unacknowledged
    in Redis until its visibility timeout. (Killing the pool child first would let the main process requeue
    it, reject_on_worker_lost, and maybe fetch it again before its own kill: a race, not a test.)
    """
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(10)
