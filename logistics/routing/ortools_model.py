"""Builds an OR-Tools RoutingModel from a `CompiledProblem`.

All callbacks are registered as matrices/vectors, so OR-Tools evaluates them in C++ without calling back into
Python (much faster, and it keeps the GIL free).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from ortools.constraint_solver import pywrapcp

from .compiled import COST_DIVISOR, CompiledProblem

TIME = "time"
RANK = "rank"


@dataclass
class BuiltModel:
    manager: pywrapcp.RoutingIndexManager
    routing: pywrapcp.RoutingModel
    time: pywrapcp.RoutingDimension


def build_model(
    problem: CompiledProblem,
    *,
    vehicle_fixed_cost: int | None = None,
    drop_penalty: int | None = None,
    disabled_vehicles: frozenset[int] = frozenset(),
    finalize_times: bool = True,
    route_density: float = 0.0,
) -> BuiltModel:
    """`vehicle_fixed_cost` overrides the per-vehicle fixed costs (used to minimise the fleet);
    `drop_penalty` makes every task optional at that penalty (used while eliminating routes);
    `disabled_vehicles` may not leave their depot."""
    manager = pywrapcp.RoutingIndexManager(
        problem.num_nodes, problem.num_vehicles, problem.vehicle_starts, problem.vehicle_ends
    )
    routing = pywrapcp.RoutingModel(manager)
    solver = routing.solver()
    _set_arc_costs(problem, routing)
    for v in range(problem.num_vehicles):
        fixed = problem.vehicle_fixed_cost[v] if vehicle_fixed_cost is None else vehicle_fixed_cost
        if route_density:
            # Fixed cost minus a reward growing with the square of the route's length (OR-Tools "amortized" cost).
            routing.SetAmortizedCostFactorsOfVehicle(fixed, max(1, round(route_density)), v)
        elif fixed:
            routing.SetFixedCostOfVehicle(fixed, v)
        if v in disabled_vehicles:
            solver.Add(routing.NextVar(routing.Start(v)) == routing.End(v))

    time = _add_time_dimension(problem, manager, routing, finalize_times)
    for name in problem.dimensions:
        demand = routing.RegisterUnaryTransitVector(problem.demand[name])
        routing.AddDimensionWithVehicleCapacity(demand, 0, problem.capacity[name], True, name)

    for pickup, delivery in problem.pairs:
        p, d = manager.NodeToIndex(pickup), manager.NodeToIndex(delivery)
        routing.AddPickupAndDelivery(p, d)
        solver.Add(routing.VehicleVar(p) == routing.VehicleVar(d))
        solver.Add(time.CumulVar(p) <= time.CumulVar(d))

    for node in range(problem.num_depot_nodes, problem.num_nodes):
        allowed = problem.allowed_vehicles[node]
        if allowed is not None:
            # (SetAllowedVehiclesForIndex has no usable Python binding in this OR-Tools version.)
            # -1 is the vehicle of an unperformed node, which only optional nodes can be.
            routing.VehicleVar(manager.NodeToIndex(node)).SetValues([-1, *allowed])

    if drop_penalty is not None:
        for node in range(problem.num_depot_nodes, problem.num_nodes):
            routing.AddDisjunction([manager.NodeToIndex(node)], drop_penalty)
    else:
        for nodes, penalty in problem.penalties:
            routing.AddDisjunction([manager.NodeToIndex(node) for node in nodes], penalty)

    _add_locks(problem, manager, routing)
    return BuiltModel(manager, routing, time)


def _set_arc_costs(problem: CompiledProblem, routing: pywrapcp.RoutingModel) -> None:
    registered: dict[tuple[int, int, int], int] = {}
    for v in range(problem.num_vehicles):
        key = (problem.vehicle_distance_cost[v], problem.vehicle_time_cost[v], problem.vehicle_speed_group[v])
        if key not in registered:
            registered[key] = routing.RegisterTransitMatrix(arc_costs(problem, v))
        routing.SetArcCostEvaluatorOfVehicle(registered[key], v)


def arc_cost(problem: CompiledProblem, v: int, i: int, j: int) -> int:
    """One entry of `arc_costs(problem, v)`."""
    travel = problem.travel_time[problem.vehicle_speed_group[v]][i][j]
    money = problem.distance[i][j] * problem.vehicle_distance_cost[v]
    return (money + (travel + problem.service[i]) * problem.vehicle_time_cost[v]) // COST_DIVISOR


def arc_costs(problem: CompiledProblem, v: int) -> list[list[int]]:
    per_distance, per_time = problem.vehicle_distance_cost[v], problem.vehicle_time_cost[v]
    if not per_time and per_distance == COST_DIVISOR:
        return problem.distance
    times = problem.travel_time[problem.vehicle_speed_group[v]]
    rows = []
    for i, row in enumerate(problem.distance):
        service = problem.service[i]
        rows.append(
            [(d * per_distance + (t + service) * per_time) // COST_DIVISOR for d, t in zip(row, times[i], strict=True)]
        )
    return rows


def _add_time_dimension(problem, manager, routing, finalize_times: bool) -> pywrapcp.RoutingDimension:
    callbacks = []
    for matrix in problem.travel_time:
        # Service happens at the node being left, so it is part of that arc's transit.
        values = [[travel + problem.service[i] for travel in row] for i, row in enumerate(matrix)]
        callbacks.append(routing.RegisterTransitMatrix(values))
    per_vehicle = [callbacks[group] for group in problem.vehicle_speed_group]
    horizon = problem.horizon
    routing.AddDimensionWithVehicleTransits(per_vehicle, horizon, horizon, False, TIME)
    time = routing.GetDimensionOrDie(TIME)

    for node in range(problem.num_depot_nodes, problem.num_nodes):
        windows = problem.windows[node]
        if not windows:
            continue
        cumul = time.CumulVar(manager.NodeToIndex(node))
        ordered = sorted(windows)
        cumul.SetRange(ordered[0][0], ordered[-1][1])
        for (_, gap_start), (gap_end, _) in pairwise(ordered):
            cumul.RemoveInterval(gap_start + 1, gap_end - 1)

    for v in range(problem.num_vehicles):
        start, end = problem.shift[v]
        time.CumulVar(routing.Start(v)).SetRange(start, end)
        time.CumulVar(routing.End(v)).SetRange(start, end)
        if problem.max_span[v] is not None:
            time.SetSpanUpperBoundForVehicle(problem.max_span[v], v)
    if finalize_times:
        # Come back as early, then leave as late, as the plan allows: no needless waiting in the schedule.
        for v in range(problem.num_vehicles):
            routing.AddVariableMinimizedByFinalizer(time.CumulVar(routing.End(v)))
        for v in range(problem.num_vehicles):
            routing.AddVariableMaximizedByFinalizer(time.CumulVar(routing.Start(v)))
    return time


def _add_locks(problem, manager, routing) -> None:
    if not problem.locked:
        return
    solver = routing.solver()
    # A rank dimension counts visits along a route, which expresses "a before b" on the same vehicle.
    routing.AddConstantDimension(1, problem.num_nodes + 1, True, RANK)
    rank = routing.GetDimensionOrDie(RANK)
    for _vehicle, nodes, contiguous in problem.locked:
        indices = [manager.NodeToIndex(node) for node in nodes]
        for a, b in pairwise(indices):
            if contiguous:
                solver.Add(routing.NextVar(a) == b)
            else:
                solver.Add(rank.CumulVar(a) < rank.CumulVar(b))
