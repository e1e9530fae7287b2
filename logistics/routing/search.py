"""One search run: build the OR-Tools model, find a first solution, improve it with guided local search.

A run is fully described by a `SearchConfig` plus the problem, so it can execute in another process. It returns
plain data (`SearchResult`); decoding into `Route`s happens in the caller.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from itertools import pairwise

from google.protobuf import json_format
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from .compiled import CompiledProblem
from .ortools_model import BuiltModel, arc_cost, build_model

FALLBACK_FIRST_SOLUTION = "PATH_CHEAPEST_ARC"
# Fleet objective with route elimination: share of the time spent on the first plan.
FIRST_PHASE_SHARE = 0.3


@dataclass(frozen=True)
class SearchConfig:
    """How one worker searches. Different configs explore differently; the portfolio keeps the best result."""

    name: str
    first_solution: str = "PARALLEL_CHEAPEST_INSERTION"
    metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    gls_lambda: float = 0.1
    # Fleet objective: each used vehicle costs this many times the longest arc, which makes one vehicle
    # fewer always worth more than any distance saving a vehicle could bring.
    fleet_cost_factor: float = 50.0
    # Other objectives: a cost per vehicle of this many longest arcs during the search only (0: none).
    surrogate_vehicle_cost: float = 0.0
    # Fleet objective: reward long routes (minus density x vehicle cost x (visits / tasks)^2 per route), which
    # makes emptying a short route pay off step by step.
    route_density: float = 0.0
    # After a first plan, remove routes one by one (see fleet.py); for other objectives than `fleet` a smaller
    # plan is kept only when it is also cheaper.
    route_elimination: bool = False
    # Any other RoutingSearchParameters fields, as protobuf JSON (merged last).
    overrides: str = ""
    finalize_times: bool = True
    extra_operators: tuple[str, ...] = ()  # local_search_operators fields to switch on
    disabled_operators: tuple[str, ...] = ()  # ... and to switch off


@dataclass
class SearchResult:
    config: str
    found: bool
    routes: list[list[int]] = field(default_factory=list)  # per vehicle, visited nodes (no start/end)
    service_starts: list[list[int]] = field(default_factory=list)  # time cumul at each visited node
    start_times: list[int] = field(default_factory=list)
    end_times: list[int] = field(default_factory=list)
    seconds: float = 0.0


ProgressReport = Callable[[str, int, float], None]  # (config name, best cost, elapsed seconds)


def run_search(
    problem: CompiledProblem,
    config: SearchConfig,
    time_limit: float,
    solution_limit: int | None = None,
    report: ProgressReport | None = None,
) -> SearchResult:
    started = time.monotonic()
    deadline = started + time_limit
    # Route elimination slices the time limit into attempts, so it is skipped when a solution limit asks for a
    # reproducible run.
    eliminate = config.route_elimination and solution_limit is None
    first_limit = time_limit * FIRST_PHASE_SHARE if eliminate else time_limit
    result = _plan(problem, config, started, started + first_limit, solution_limit, report)
    if eliminate and result.found:
        from .fleet import eliminate_routes  # (fleet builds on this module)

        result = eliminate_routes(problem, config, result, deadline, started, report)
    result.seconds = time.monotonic() - started
    return result


def _plan(problem, config, started, deadline, solution_limit, report) -> SearchResult:
    """First solution plus guided local search until the deadline."""
    fixed = None
    if problem.objective == "fleet":
        fixed = fleet_vehicle_cost(problem, config.fleet_cost_factor)
    elif config.surrogate_vehicle_cost:
        # A search aid for the other objectives: a cost per vehicle steers towards fewer, fuller routes; the
        # portfolio still judges the plan by its true objective.
        fixed = fleet_vehicle_cost(problem, config.surrogate_vehicle_cost) + max(problem.vehicle_fixed_cost)
    density = fixed * config.route_density / len(problem.tasks) ** 2 if fixed and problem.tasks else 0
    built = build_model(problem, vehicle_fixed_cost=fixed, route_density=density, finalize_times=config.finalize_times)
    if report is not None:
        _attach_progress(built, config.name, started, report)
    assignment = _solve(built, search_parameters(config, deadline - time.monotonic(), solution_limit))
    remaining = deadline - time.monotonic()
    if assignment is None and remaining > 0.2 and config.first_solution != FALLBACK_FIRST_SOLUTION:
        # Insertion heuristics check moves with fast filters that do not know every side constraint (e.g. a
        # contiguous lock); the tree-search based strategy propagates them all, so it succeeds where they fail.
        built = build_model(
            problem, vehicle_fixed_cost=fixed, route_density=density, finalize_times=config.finalize_times
        )
        if report is not None:
            _attach_progress(built, config.name, started, report)
        fallback = replace(config, first_solution=FALLBACK_FIRST_SOLUTION)
        assignment = _solve(built, search_parameters(fallback, remaining, solution_limit))
    return extract(built, assignment, config.name)


def _solve(built: BuiltModel, params):
    if params.use_iterated_local_search:
        return built.routing.SolveWithIteratedLocalSearch(params)
    return built.routing.SolveWithParameters(params)


def fleet_vehicle_cost(problem: CompiledProblem, factor: float) -> int:
    longest_arc = max(max(row) for row in problem.distance)
    return max(1, round(factor * longest_arc))


def search_parameters(config: SearchConfig, time_limit: float, solution_limit: int | None):
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = getattr(routing_enums_pb2.FirstSolutionStrategy, config.first_solution)
    params.local_search_metaheuristic = getattr(routing_enums_pb2.LocalSearchMetaheuristic, config.metaheuristic)
    params.guided_local_search_lambda_coefficient = config.gls_lambda
    operators = params.local_search_operators
    for name in config.extra_operators:
        setattr(operators, name, 3)  # BOOL_TRUE
    for name in config.disabled_operators:
        setattr(operators, name, 2)  # BOOL_FALSE
    if config.overrides:
        json_format.Parse(config.overrides, params)
    params.time_limit.FromMilliseconds(max(1, int(time_limit * 1000)))
    if solution_limit is not None:
        # With a solution limit and a generous time limit the search is reproducible run to run.
        params.solution_limit = solution_limit
    return params


def _attach_progress(built: BuiltModel, name: str, started: float, report: ProgressReport) -> None:
    best = [None]
    routing = built.routing

    def on_solution() -> None:
        cost = routing.CostVar().Value()  # only valid once the model is closed, i.e. inside the search
        if best[0] is None or cost < best[0]:
            best[0] = cost
            report(name, cost, time.monotonic() - started)

    built.routing.AddAtSolutionCallback(on_solution)


def extract(built: BuiltModel, assignment, name: str) -> SearchResult:
    if assignment is None:
        return SearchResult(name, found=False)
    routing, manager, time_dim = built.routing, built.manager, built.time
    result = SearchResult(name, found=True)
    for v in range(routing.vehicles()):
        nodes, starts = [], []
        index = assignment.Value(routing.NextVar(routing.Start(v)))
        while not routing.IsEnd(index):
            nodes.append(manager.IndexToNode(index))
            starts.append(assignment.Min(time_dim.CumulVar(index)))
            index = assignment.Value(routing.NextVar(index))
        result.routes.append(nodes)
        result.service_starts.append(starts)
        result.start_times.append(assignment.Min(time_dim.CumulVar(routing.Start(v))))
        result.end_times.append(assignment.Min(time_dim.CumulVar(routing.End(v))))
    return result


def objective_value(problem: CompiledProblem, result: SearchResult) -> int:
    """The search objective of a result, recomputed from its routes (same integers as OR-Tools uses)."""
    total = 0
    visited = set()
    for v, nodes in enumerate(result.routes):
        if not nodes:
            continue
        visited.update(nodes)
        path = [problem.vehicle_starts[v], *nodes, problem.vehicle_ends[v]]
        total += sum(arc_cost(problem, v, a, b) for a, b in pairwise(path)) + problem.vehicle_fixed_cost[v]
    for nodes, penalty in problem.penalties:
        if not visited.intersection(nodes):
            total += penalty
    return total
