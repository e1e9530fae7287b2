"""The entry point: `solve(instance, SolveOptions(...))` returns a `Solution`.

Objectives:
- `distance`: minimise total distance; the number of vehicles is free.
- `fleet`: fewest vehicles first, then distance.
- `cost`: money: per-vehicle fixed cost + cost per km + cost per hour of driving and service. (Waiting is not
  charged during the search; `Route.cost` reports the hours of the whole route, waiting included.)
Optional stops add their penalty (in the objective's unit: distance units, or EUR for `cost`) when left out.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from .compiled import CompiledProblem, compile_problem
from .diagnosis import dropped_reason, unserviceable
from .matrix import MatrixProvider, TravelMatrix, default_matrix_provider
from .model import Instance, Route, Solution, Unassigned, Visit
from .portfolio import run_portfolio
from .search import SearchConfig, SearchResult, objective_value
from .strategy import choose_configs
from .validation import validate_instance


@dataclass(frozen=True)
class Progress:
    worker: str
    best_cost: int  # the solver's integer objective (scaled distance, or 1/10000 EUR for `cost`)
    elapsed: float


@dataclass
class SolveOptions:
    objective: str = "distance"
    time_limit: float = 10.0  # seconds of wall time for the whole solve
    # With a solution limit each worker stops after that many solutions, which makes runs reproducible
    # (the time limit then only guards against runaway searches).
    solution_limit: int | None = None
    workers: int | None = None  # parallel searches; default: one per core, at most len(configs)
    seed: int = 0  # rotates which configurations run when there are fewer workers than configurations
    progress: Callable[[Progress], None] | None = None
    configs: tuple[SearchConfig, ...] | None = None  # override the built-in search portfolio
    # Mandatory stops may be left out (at a prohibitive penalty, reported as unassigned) rather than failing
    # the whole plan. Benchmarks switch this off to keep the classic hard-constraint model.
    soft_mandatory: bool = True


def solve(
    instance: Instance, options: SolveOptions | None = None, matrix_provider: MatrixProvider | None = None
) -> Solution:
    options = options or SolveOptions()
    started = time.monotonic()
    validate_instance(instance)
    provider = matrix_provider or default_matrix_provider(instance.locations)
    matrix = provider.matrix(instance.locations)
    excluded = unserviceable(instance, matrix)
    problem = compile_problem(instance, matrix, options.objective, excluded, options.soft_mandatory)
    if not problem.tasks:
        return _decode(instance, problem, matrix, None, time.monotonic() - started)

    def on_progress(worker: str, cost: int, elapsed: float) -> None:
        options.progress(Progress(worker, cost, elapsed))

    remaining = options.time_limit - (time.monotonic() - started)
    results = run_portfolio(
        problem,
        choose_configs(problem, options.configs, options.workers, options.seed),
        max(0.5, remaining),
        options.solution_limit,
        on_progress=on_progress if options.progress else None,
    )
    found = [result for result in results if result.found]
    best = min(found, key=lambda result: score(problem, result)) if found else None
    return _decode(instance, problem, matrix, best, time.monotonic() - started)


def score(problem: CompiledProblem, result: SearchResult) -> tuple:
    """Lower is better: fewer vehicles first for `fleet`, then the objective; ties go to the earlier config."""
    if not result.found:
        return (1, 0, 0)
    cost = objective_value(problem, result)
    vehicles = sum(1 for route in result.routes if route) if problem.objective == "fleet" else 0
    return (0, vehicles, cost)


def _decode(instance, problem: CompiledProblem, matrix: TravelMatrix, best: SearchResult | None, seconds):
    location_index = {location.id: i for i, location in enumerate(instance.locations)}
    vehicles = instance.vehicles
    ts = problem.time_scale
    shipments = {s.id: s for s in instance.shipments}
    routes, visited_nodes = [], set()
    if best is not None:
        for v, nodes in enumerate(best.routes):
            if not nodes:
                continue
            visited_nodes.update(nodes)
            vehicle = vehicles[v]
            visits, load = [], {}
            here = location_index[vehicle.start]
            distance = 0.0
            for node, start in zip(nodes, best.service_starts[v], strict=True):
                task = problem.tasks[node - problem.num_depot_nodes]
                there = location_index[task.stop.location]
                distance += matrix.distances[here][there]
                arrival_travel = matrix.durations[here][there] * vehicle.speed_factor
                here = there
                demand = shipments[task.shipment_id].demand if task.shipment_id else task.stop.demand
                sign = -1 if task.role == "delivery" else 1
                for name, amount in demand.items():
                    load[name] = load.get(name, 0.0) + sign * amount
                service = task.stop.service_time(demand)
                begin = start / ts
                previous_departure = visits[-1].departure if visits else best.start_times[v] / ts
                arrival = min(begin, previous_departure + arrival_travel)
                visits.append(Visit(task.stop.id, arrival, begin, begin + service, dict(load)))
            distance += matrix.distances[here][location_index[vehicle.end_location]]
            start_time, end_time = best.start_times[v] / ts, best.end_times[v] / ts
            cost = (
                vehicle.fixed_cost
                + vehicle.cost_per_km * distance
                + vehicle.cost_per_hour * (end_time - start_time) / 3600
            )
            routes.append(Route(vehicle.id, visits, start_time, end_time, distance, cost))

    unassigned = [
        Unassigned(task_id, reason, is_shipment=task_id in shipments) for task_id, reason in problem.excluded.items()
    ]
    for k, task in enumerate(problem.tasks):
        node = problem.num_depot_nodes + k
        if node in visited_nodes or task.role == "delivery":
            continue
        if task.role == "pickup":
            unassigned.append(Unassigned(task.shipment_id, dropped_reason(shipments[task.shipment_id].penalty), True))
        else:
            unassigned.append(Unassigned(task.stop.id, dropped_reason(task.stop.penalty)))

    mandatory_missing = any(
        (shipments[u.stop_id].penalty if u.is_shipment else _stop_penalty(instance, u.stop_id)) is None
        for u in unassigned
    )
    status = "partial" if mandatory_missing else "feasible"
    if best is None and problem.tasks:
        status = "no_solution"
    search_cost = objective_value(problem, best) if best is not None else 0
    money = sum(route.cost for route in routes)
    return Solution(
        instance=instance.name,
        objective=problem.objective,
        status=status,
        routes=routes,
        unassigned=unassigned,
        distance=sum(route.distance for route in routes),
        cost=money if problem.objective == "cost" else search_cost / problem.distance_scale,
        seconds=seconds,
        search_cost=search_cost,
        worker=best.config if best is not None else "",
    )


def _stop_penalty(instance: Instance, stop_id: str):
    return next(stop.penalty for stop in instance.stops if stop.id == stop_id)
