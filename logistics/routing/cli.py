"""Solving a benchmark file from the command line; `manage.py solve_vrp` is a thin wrapper around this.

The JSON result follows the benchmark conventions: routes list the customer / task numbers of the file in
visiting order (depot left out), and the distance is recomputed from those routes in double precision.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

from .checker import PlannedRoute, check_plan
from .readers import FORMATS, BenchmarkFormatError, read_instance
from .solver import SolveOptions, solve

OBJECTIVES = ("distance", "fleet")


class CliError(Exception):
    """A problem with the user's input; the command exits with status 2."""


def euclidean_route_distance(instance, stop_ids: list[str]) -> float:
    where = {location.id: (location.x, location.y) for location in instance.locations}
    stops = {stop.id: stop for stop in instance.all_stops()}
    depot = where[instance.vehicles[0].start]
    path = [depot] + [where[stops[s].location] for s in stop_ids] + [depot]
    return sum(math.dist(a, b) for a, b in pairwise(path))


@dataclass
class BenchmarkRun:
    result: dict  # exactly the documented JSON fields
    feasible: bool  # verdict of the independent float checker
    violations: list[str]
    status: str  # the solver's own status


def solve_benchmark_file(
    path: str | Path, fmt: str, objective: str = "distance", time_limit: float = 10.0, seed: int = 0
) -> BenchmarkRun:
    """Reads, solves and independently checks one benchmark file."""
    if fmt not in FORMATS:
        raise CliError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if objective not in OBJECTIVES:
        raise CliError(f"unknown objective {objective!r}; choose one of {', '.join(OBJECTIVES)}")
    if not time_limit > 0:
        raise CliError("the time limit must be positive")
    try:
        instance = read_instance(path, fmt)
    except BenchmarkFormatError as error:
        raise CliError(str(error)) from error
    started = time.monotonic()
    options = SolveOptions(objective=objective, time_limit=time_limit, seed=seed, soft_mandatory=False)
    solution = solve(instance, options)
    seconds = time.monotonic() - started
    routes = [route.stop_ids for route in solution.routes if route.visits]
    report = check_plan(instance, [PlannedRoute(r.vehicle_id, r.stop_ids) for r in solution.routes])
    result = {
        "instance": instance.name,
        "objective": objective,
        "vehicles": len(routes),
        "distance": round(sum(euclidean_route_distance(instance, route) for route in routes), 6),
        "seconds": round(seconds, 3),
        "routes": [[int(stop_id) for stop_id in route] for route in routes],
    }
    return BenchmarkRun(result, report.feasible, report.violations, solution.status)


def to_json(result: dict) -> str:
    return json.dumps(result, separators=(",", ":"))


def summary(run: BenchmarkRun) -> str:
    r = run.result
    verdict = "feasible" if run.feasible else f"INFEASIBLE ({len(run.violations)} violations)"
    return (
        f"{r['instance']}: objective {r['objective']}, {r['vehicles']} vehicles, distance {r['distance']:.2f}, "
        f"{r['seconds']:.1f} s, {verdict}"
    )
