"""Runs several differently configured searches at once, one per process, and keeps every result.

OR-Tools' routing search is single-threaded; on a 2-core machine two independent searches with different
first-solution strategies and guided-local-search settings find better plans than one search alone.
Extra workers are plain subprocesses (see worker.py), so this also works inside Django and Celery workers.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from .compiled import CompiledProblem
from .search import SearchConfig, SearchResult, run_search
from .worker import read_message, write_message

# Time kept back for handing results back and decoding them.
RETURN_ALLOWANCE = 0.2
# The directory that contains the `logistics` package, so the worker can import it.
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def run_portfolio(
    problem: CompiledProblem,
    configs: Sequence[SearchConfig],
    time_limit: float,
    solution_limit: int | None,
    on_progress: Callable[[str, int, float], None] | None = None,
) -> list[SearchResult]:
    """Runs configs[0] in this process and the others in subprocesses; returns every finished result.

    The first search runs here because starting an interpreter and importing OR-Tools costs about a second;
    the subprocesses get a wall-clock deadline, so their start-up comes out of their budget.
    """
    started = time.monotonic()
    deadline = time.time() + max(0.5, time_limit - RETURN_ALLOWANCE)
    messages: queue.Queue = queue.Queue()
    workers = [
        _start_worker(problem, config, deadline, solution_limit, on_progress, messages) for config in configs[1:]
    ]

    def report_here(name: str, cost: int, elapsed: float) -> None:
        on_progress(name, cost, elapsed)
        _forward_progress(messages, on_progress, started, block=False)

    results: dict[str, SearchResult] = {}
    failures: list[str] = []
    try:
        try:
            local = run_search(
                problem, configs[0], deadline - time.time(), solution_limit, report_here if on_progress else None
            )
            results[configs[0].name] = local
        except Exception as error:  # the other workers may still succeed
            failures.append(f"{configs[0].name}: {error!r}")
        give_up = started + time_limit + 60 + (0 if solution_limit is None else 24 * 3600)
        finished = 0
        while finished < len(workers):
            try:
                kind, name, payload = messages.get(timeout=max(0.05, give_up - time.monotonic()))
            except queue.Empty:
                failures.append("workers did not finish in time")
                break
            if kind == "progress" and on_progress is not None:
                on_progress(name, payload[0], time.monotonic() - started)
            elif kind == "result":
                results[name] = payload
            elif kind == "error":
                failures.append(f"{name}: {payload}")
            elif kind == "exit":
                finished += 1
    finally:
        for process in workers:
            if process.poll() is None:
                process.kill()
            process.wait()
    if not results:
        raise RuntimeError("every search worker failed: " + "; ".join(failures))
    return [results[config.name] for config in configs if config.name in results]


def _start_worker(problem, config, deadline, solution_limit, on_progress, messages) -> subprocess.Popen:
    # The job goes through a file, not the stdin pipe: a large problem would block the write until the worker
    # has imported everything, and this process has its own search to run meanwhile.
    job = tempfile.TemporaryFile()  # noqa: SIM115 (handed to the child, closed below)
    write_message(job, (problem, config, deadline, solution_limit, on_progress is not None))
    job.seek(0)
    # A file, not a pipe: a chatty worker can never block on it. Closed by _pump when the worker exits.
    errors = tempfile.TemporaryFile()  # noqa: SIM115
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    process = subprocess.Popen(
        [sys.executable, "-m", "logistics.routing.worker"], stdin=job, stdout=subprocess.PIPE, stderr=errors, env=env
    )
    job.close()
    threading.Thread(target=_pump, args=(process, errors, config.name, messages), daemon=True).start()
    return process


def _forward_progress(messages: queue.Queue, on_progress, started: float, block: bool) -> None:
    """Passes on progress the other workers reported meanwhile; other messages go back in the queue."""
    held = []
    while True:
        try:
            message = messages.get(block=block, timeout=0.01 if block else None)
        except queue.Empty:
            break
        if message[0] == "progress":
            on_progress(message[1], message[2][0], time.monotonic() - started)
        else:
            held.append(message)
    for message in held:
        messages.put(message)


def _pump(process: subprocess.Popen, errors, name: str, messages: queue.Queue) -> None:
    """Forwards a worker's messages to the parent's queue, then reports its exit (with stderr on failure)."""
    try:
        while (message := read_message(process.stdout)) is not None:
            messages.put(message)
    finally:
        code = process.wait()
        if code != 0:
            errors.seek(0)
            error = errors.read().decode(errors="replace")[-2000:]
            messages.put(("error", name, f"exit code {code}: {error}"))
        errors.close()
        messages.put(("exit", name, code))
