"""Which searches to run for a problem (the portfolio), one per worker process.

The two searches of a portfolio differ in how they build their first plan, so they explore different parts of
the search space; the better plan wins. Choices were measured on the Solomon and Li & Lim instances in
../shared/benchmarks/vrp (docs/benchmarks.md), so they carry that sample's bias:

- short routes (tight windows or short shifts): parallel and local cheapest insertion;
- long routes (wide windows, long shifts): path cheapest arc, which chains nearest stops into more, shorter
  routes than insertion does; guided local search improves those better (on tight windows it fails to find
  any plan, so it is only used when routes can be long);
- large instances: sequential insertion, which builds its first plan much faster than local insertion;
- fleet objective: dense routes under a high vehicle cost, and route elimination (fleet.py).
"""

from __future__ import annotations

import os
import statistics

from .compiled import CompiledProblem
from .search import SearchConfig

PARALLEL_INSERTION = SearchConfig("parallel-insertion-gls", gls_lambda=0.1)
SHORT_ROUTES = (
    SearchConfig("parallel-insertion-elimination", gls_lambda=0.1, route_elimination=True),
    SearchConfig("local-insertion-gls", first_solution="LOCAL_CHEAPEST_INSERTION", gls_lambda=0.2),
)
LONG_ROUTES = (SearchConfig("cheapest-arc-gls", first_solution="PATH_CHEAPEST_ARC", gls_lambda=0.1), PARALLEL_INSERTION)
LARGE = (
    PARALLEL_INSERTION,
    SearchConfig("sequential-insertion-gls", first_solution="SEQUENTIAL_CHEAPEST_INSERTION", gls_lambda=0.1),
)
FLEET = (
    SearchConfig("dense-routes-gls", gls_lambda=0.1, route_density=2.0),
    SearchConfig(
        "route-elimination", first_solution="LOCAL_CHEAPEST_INSERTION", route_density=2.0, route_elimination=True
    ),
)
LARGE_TASKS = 200
LONG_ROUTE_STOPS = 25


def choose_configs(
    problem: CompiledProblem, configs: tuple[SearchConfig, ...] | None, workers: int | None, seed: int
) -> tuple[SearchConfig, ...]:
    """The configs to run, at most one per worker; `seed` rotates which run when there are fewer workers."""
    if not configs:
        configs = portfolio(problem)
    count = workers or min(len(configs), os.cpu_count() or 1)
    shift = seed % len(configs)
    rotated = configs[shift:] + configs[:shift]
    return tuple(rotated[: max(1, count)])


def portfolio(problem: CompiledProblem) -> tuple[SearchConfig, ...]:
    if problem.objective == "fleet":
        return FLEET
    if len(problem.tasks) > LARGE_TASKS:
        return LARGE
    if not problem.pairs and stops_per_route(problem) >= LONG_ROUTE_STOPS:
        return LONG_ROUTES
    return SHORT_ROUTES


def stops_per_route(problem: CompiledProblem) -> float:
    """How many stops a shift could hold: shift length / (mean service + mean travel to the nearest stop)."""
    nodes = range(problem.num_depot_nodes, problem.num_nodes)
    if len(nodes) < 2:
        return 0.0
    travel = problem.travel_time[0]
    nearest = [min(travel[a][b] for b in nodes if b != a) for a in nodes]
    per_stop = statistics.mean(problem.service[a] for a in nodes) + statistics.mean(nearest)
    shift = statistics.median(end - start for start, end in problem.shift)
    return shift / per_stop if per_stop > 0 else float("inf")
