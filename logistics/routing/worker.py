"""Entry point of a search worker process: `python -m logistics.routing.worker`.

Reads one pickled job from stdin (a file, see portfolio.py) and writes length-prefixed pickled messages to
stdout: progress reports while searching, then the result. A plain subprocess (not multiprocessing) keeps this
usable from daemonic hosts such as Celery pool workers, and never re-imports the caller's __main__.
"""

from __future__ import annotations

import pickle
import struct
import sys
import time

from .search import run_search


def write_message(stream, message) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack(">I", len(data)) + data)
    stream.flush()


def read_message(stream):
    header = stream.read(4)
    if len(header) < 4:
        return None
    (size,) = struct.unpack(">I", header)
    # Only ever reads what our own parent or child process wrote.
    return pickle.loads(stream.read(size))  # noqa: S301


def main() -> None:
    job = read_message(sys.stdin.buffer)
    problem, config, deadline, solution_limit, wants_progress = job
    time_limit = max(0.1, deadline - time.time())
    out = sys.stdout.buffer

    last = [-1.0]  # the first report goes out at once

    def report(name: str, cost: int, elapsed: float) -> None:
        # At most ten reports a second: the parent may be busy searching and read them late, and a full pipe
        # would stall this worker.
        if elapsed - last[0] >= 0.1:
            last[0] = elapsed
            write_message(out, ("progress", name, (cost, elapsed)))

    try:
        result = run_search(problem, config, time_limit, solution_limit, report if wants_progress else None)
        write_message(out, ("result", config.name, result))
    except Exception as error:  # report, never leave the parent guessing
        write_message(out, ("error", config.name, repr(error)))


if __name__ == "__main__":
    main()
