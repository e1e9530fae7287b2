"""Fleet minimisation by route elimination.

A large fixed cost per vehicle alone lets guided local search trade vehicles for distance, but it rarely
empties a whole route once every route is full. Route elimination attacks that directly: take the current plan,
remove its smallest route, make every task droppable at a high penalty, and let the search re-insert the
orphans into the remaining vehicles, starting from the current routes. If it places everything, the plan has
one vehicle fewer and the next smallest route is attacked; if not, the next candidate route is tried. Time
left once no route can go is spent on shortening the remaining routes.
"""

from __future__ import annotations

import time
from itertools import pairwise

from .compiled import CompiledProblem, restrict_problem
from .ortools_model import build_model
from .search import (
    ProgressReport,
    SearchConfig,
    SearchResult,
    extract,
    fleet_vehicle_cost,
    objective_value,
    search_parameters,
)

CANDIDATES_PER_LEVEL = 3
ATTEMPT_SHARE = 0.5


def eliminate_routes(
    problem: CompiledProblem,
    config: SearchConfig,
    first_plan: SearchResult,
    deadline: float,
    started: float,
    report: ProgressReport | None,
) -> SearchResult:
    """Improves `first_plan` (a complete plan) by removing routes until time runs out or none can go."""
    best = first_plan
    vehicle_cost = fleet_vehicle_cost(problem, config.fleet_cost_factor)
    fleet = problem.objective == "fleet"
    # Orphans must find a place: leaving one out costs more than a vehicle, or than any penalty in the problem.
    penalty = max([vehicle_cost] + [value for _nodes, value in problem.penalties])
    locked_vehicles = {v for v, _nodes, _contiguous in problem.locked}
    failed: set[tuple[int, ...]] = set()
    while deadline - time.monotonic() > 0.3:
        used = [v for v, nodes in enumerate(best.routes) if nodes]
        # Small, short routes are the easiest to spread over the others.
        candidates = sorted(
            (v for v in used if v not in locked_vehicles),
            key=lambda v: (len(best.routes[v]), _route_distance(problem, v, best.routes[v])),
        )
        candidates = [v for v in candidates if tuple(sorted(set(used) - {v})) not in failed][:CANDIDATES_PER_LEVEL]
        if len(used) <= 1 or not candidates:
            break
        removed = candidates[0]
        keep = [v for v in used if v != removed]
        remaining = deadline - time.monotonic()
        # Give one attempt at most half the remaining time, so a failure leaves room for another candidate.
        attempt = max(0.3, remaining * ATTEMPT_SHARE if len(candidates) > 1 else remaining)
        plan = _without_route(problem, best, keep, penalty, config, attempt)
        if plan is None or (not fleet and objective_value(problem, plan) >= objective_value(problem, best)):
            failed.add(tuple(sorted(keep)))
            continue
        best = plan
        _report(problem, config, best, vehicle_cost, started, report)
    remaining = deadline - time.monotonic()
    if remaining > 0.3:
        # No route can go any more: spend what is left on shortening the routes that stay.
        used = [v for v, nodes in enumerate(best.routes) if nodes]
        plan = _without_route(problem, best, used, penalty, config, remaining)
        if plan is not None and objective_value(problem, plan) < objective_value(problem, best):
            best = plan
            _report(problem, config, best, vehicle_cost, started, report)
    return best


def _report(problem, config, plan: SearchResult, vehicle_cost: int, started: float, report) -> None:
    if report is not None:
        vehicles = sum(1 for nodes in plan.routes if nodes) if problem.objective == "fleet" else 0
        report(config.name, vehicles * vehicle_cost + objective_value(problem, plan), time.monotonic() - started)


def _without_route(problem, plan: SearchResult, keep: list[int], penalty: int, config, time_limit):
    """Re-plans all tasks on the vehicles in `keep`; returns None unless every task `plan` served finds a place."""
    task_nodes = list(range(problem.num_depot_nodes, problem.num_nodes))
    sub, new_node = restrict_problem(problem, task_nodes, keep)
    built = build_model(sub, drop_penalty=penalty, finalize_times=config.finalize_times)
    params = search_parameters(config, time_limit, None)
    routing, manager = built.routing, built.manager
    routing.CloseModelWithParameters(params)
    start = [[manager.NodeToIndex(new_node[node]) for node in plan.routes[v]] for v in keep]
    assignment = routing.ReadAssignmentFromRoutes(start, True)
    if assignment is None:
        return None
    solution = routing.SolveFromAssignmentWithParameters(assignment, params)
    result = extract(built, solution, config.name)
    if not result.found or sum(len(nodes) for nodes in result.routes) < sum(len(nodes) for nodes in plan.routes):
        return None
    old_node = list(range(problem.num_depot_nodes)) + task_nodes
    full = SearchResult(config.name, found=True)
    for v in range(problem.num_vehicles):
        if v in keep:
            k = keep.index(v)
            full.routes.append([old_node[node] for node in result.routes[k]])
            full.service_starts.append(result.service_starts[k])
            full.start_times.append(result.start_times[k])
            full.end_times.append(result.end_times[k])
        else:
            full.routes.append([])
            full.service_starts.append([])
            full.start_times.append(problem.shift[v][0])
            full.end_times.append(problem.shift[v][0])
    return full


def _route_distance(problem: CompiledProblem, v: int, nodes: list[int]) -> int:
    path = [problem.vehicle_starts[v], *nodes, problem.vehicle_ends[v]]
    return sum(problem.distance[a][b] for a, b in pairwise(path))
