"""Flattens an `Instance` into the integer arrays the OR-Tools model is built from.

Node layout: first one node per distinct vehicle start/end location ("depot nodes"), then one node per task
(standalone stop, shipment pickup, shipment delivery). The result is plain picklable data, so search workers in
other processes can rebuild the same OR-Tools model from it.

Rounding is always towards feasibility: travel and service times round up, windows shrink inwards, demands
round up and capacities down. A plan that is feasible in integers is therefore feasible in exact arithmetic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from .matrix import TravelMatrix
from .model import Instance, Stop, Vehicle

COST_UNITS_PER_EUR = 10_000  # the `cost` objective counts hundredths of a cent
COST_DIVISOR = 1000  # per-unit costs are integers over this, so cents per metre keep their precision
OBJECTIVES = ("distance", "fleet", "cost")


@dataclass
class Task:
    stop: Stop
    shipment_id: str | None = None  # set on the pickup and delivery of a shipment
    role: str = "stop"  # "stop", "pickup" or "delivery"


@dataclass
class CompiledProblem:
    objective: str
    num_depot_nodes: int
    tasks: list[Task]  # task k is node num_depot_nodes + k
    vehicle_starts: list[int]
    vehicle_ends: list[int]
    node_location: list[int]  # index into instance.locations / the travel matrix
    distance: list[list[int]]  # node x node, scaled
    travel_time: list[list[list[int]]]  # per speed group: node x node, scaled, rounded up
    vehicle_speed_group: list[int]
    service: list[int]  # per node, scaled, rounded up
    windows: list[list[tuple[int, int]]]  # per node; empty: unconstrained
    horizon: int
    shift: list[tuple[int, int]]  # per vehicle
    max_span: list[int | None]  # per vehicle
    dimensions: list[str]
    demand: dict[str, list[int]]  # per dimension, per node (signed for shipments)
    capacity: dict[str, list[int]]  # per dimension, per vehicle
    allowed_vehicles: list[list[int] | None]  # per node; None: any vehicle
    pairs: list[tuple[int, int]]  # (pickup node, delivery node)
    penalties: list[tuple[list[int], int]]  # optional node groups and the penalty (objective units) per node
    # Arc cost of vehicle v from i to j: (distance[i][j] * vehicle_distance_cost[v]
    #   + (travel_time[group(v)][i][j] + service[i]) * vehicle_time_cost[v]) // COST_DIVISOR
    vehicle_distance_cost: list[int]
    vehicle_time_cost: list[int]
    vehicle_fixed_cost: list[int]
    locked: list[tuple[int, list[int], bool]]  # (vehicle, nodes in order, contiguous)
    distance_scale: int
    time_scale: int
    excluded: dict[str, str] = field(default_factory=dict)  # task stop id -> reason (not in the model)

    @property
    def num_nodes(self) -> int:
        return self.num_depot_nodes + len(self.tasks)

    @property
    def num_vehicles(self) -> int:
        return len(self.vehicle_starts)

    def task_node(self, k: int) -> int:
        return self.num_depot_nodes + k


def compile_problem(
    instance: Instance,
    matrix: TravelMatrix,
    objective: str,
    excluded: dict[str, str] | None = None,
    soft_mandatory: bool = False,
) -> CompiledProblem:
    """Builds the integer problem. `excluded` maps stop/shipment ids that are left out of the model to a reason.

    With `soft_mandatory`, mandatory tasks may be left out at a penalty larger than any cost of serving them:
    the search then always returns a plan, and whatever truly does not fit comes back as unassigned.
    """
    if objective not in OBJECTIVES:
        raise ValueError(f"unknown objective {objective!r}; choose one of {', '.join(OBJECTIVES)}")
    excluded = dict(excluded or {})
    location_index = {location.id: i for i, location in enumerate(instance.locations)}
    ds, ts = matrix.distance_scale, matrix.time_scale

    depot_locations: list[int] = []
    for vehicle in instance.vehicles:
        for location_id in (vehicle.start, vehicle.end_location):
            if location_index[location_id] not in depot_locations:
                depot_locations.append(location_index[location_id])
    tasks = _tasks(instance, excluded)
    node_location = depot_locations + [location_index[task.stop.location] for task in tasks]
    depot_node = {location: node for node, location in enumerate(depot_locations)}

    distance = [[round(matrix.distances[a][b] * ds) for b in node_location] for a in node_location]
    speed_factors = sorted({vehicle.speed_factor for vehicle in instance.vehicles})
    travel_time = [
        [[_ceil(matrix.durations[a][b] * factor * ts) for b in node_location] for a in node_location]
        for factor in speed_factors
    ]
    shipment_demand = {s.id: s.demand for s in instance.shipments}
    service = [0] * len(depot_locations) + [
        _ceil(task.stop.service_time(shipment_demand.get(task.shipment_id)) * ts) for task in tasks
    ]
    windows = [[] for _ in depot_locations] + [
        [(_ceil(w.start * ts), math.floor(w.end * ts)) for w in task.stop.windows] for task in tasks
    ]
    horizon = _horizon(instance, ts, distance_bound=max(max(row) for row in travel_time[-1]), service=service)

    dimensions, demand, capacity = _capacities(instance, tasks, len(depot_locations))
    vehicles = instance.vehicles
    vehicle_index = {vehicle.id: v for v, vehicle in enumerate(vehicles)}
    shipments = {s.id: s for s in instance.shipments}
    allowed = [None] * len(depot_locations) + [_allowed(task, shipments, vehicles) for task in tasks]
    node_of_stop = {task.stop.id: len(depot_locations) + k for k, task in enumerate(tasks)}
    pairs = []
    for k, task in enumerate(tasks):
        if task.role == "pickup":
            pairs.append((len(depot_locations) + k, len(depot_locations) + k + 1))

    locked = []
    for lock in instance.locked:
        nodes = [node_of_stop[stop_id] for stop_id in lock.stops if stop_id in node_of_stop]
        v = vehicle_index[lock.vehicle]
        for node in nodes:
            allowed[node] = [v] if allowed[node] is None or v in allowed[node] else []
        locked.append((v, nodes, lock.contiguous))

    money = objective == "cost"
    # Money per scaled unit, kept as integers over COST_DIVISOR. Hours count driving and service time;
    # waiting is left out of the search (span costs would make OR-Tools solve an LP per route change).
    if money:
        distance_cost = [round(v.cost_per_km * COST_UNITS_PER_EUR * COST_DIVISOR / ds) for v in vehicles]
        time_cost = [round(v.cost_per_hour * COST_UNITS_PER_EUR * COST_DIVISOR / 3600 / ts) for v in vehicles]
        fixed_cost = [round(v.fixed_cost * COST_UNITS_PER_EUR) for v in vehicles]
    else:
        distance_cost, time_cost, fixed_cost = [COST_DIVISOR] * len(vehicles), [0] * len(vehicles), [0] * len(vehicles)
    longest_arc = max(max(row) for row in distance)
    slowest_arc = max(max(max(row) for row in matrix) for matrix in travel_time) + max(service)
    # Leaving out a mandatory task (soft mode) must cost more than anything serving it could.
    must_serve = 100 * (
        2 * (longest_arc * max(distance_cost) + slowest_arc * max(time_cost)) // COST_DIVISOR + max(fixed_cost) + 1
    )
    unit = COST_UNITS_PER_EUR if money else ds  # objective units per EUR (cost) or per distance unit
    penalties = _penalties(instance, tasks, len(depot_locations), locked, unit, must_serve if soft_mandatory else None)

    return CompiledProblem(
        objective=objective,
        num_depot_nodes=len(depot_locations),
        tasks=tasks,
        vehicle_starts=[depot_node[location_index[v.start]] for v in vehicles],
        vehicle_ends=[depot_node[location_index[v.end_location]] for v in vehicles],
        node_location=node_location,
        distance=distance,
        travel_time=travel_time,
        vehicle_speed_group=[speed_factors.index(v.speed_factor) for v in vehicles],
        service=service,
        windows=windows,
        horizon=horizon,
        shift=[_shift(v, ts, horizon) for v in vehicles],
        max_span=[_max_span(v, ts, horizon) for v in vehicles],
        dimensions=dimensions,
        demand=demand,
        capacity=capacity,
        allowed_vehicles=allowed,
        pairs=pairs,
        penalties=penalties,
        vehicle_distance_cost=distance_cost,
        vehicle_time_cost=time_cost,
        vehicle_fixed_cost=fixed_cost,
        locked=locked,
        distance_scale=ds,
        time_scale=ts,
        excluded=excluded,
    )


def _penalties(instance, tasks, num_depots, locked, unit, must_serve: int | None) -> list[tuple[list[int], int]]:
    """Disjunctions: optional tasks at their penalty; mandatory ones at `must_serve` when soft, else none.

    A shipment's pickup and delivery are in or out together; its penalty sits on the pickup. Locked stops are
    always hard: the fixer pinned them.
    """
    locked_nodes = {node for _, nodes, _ in locked for node in nodes}
    shipment_penalty = {s.id: s.penalty for s in instance.shipments}
    penalties = []
    for k, task in enumerate(tasks):
        node = num_depots + k
        if task.role == "stop":
            penalty, nodes = task.stop.penalty, {node}
        elif task.role == "pickup":
            penalty, nodes = shipment_penalty[task.shipment_id], {node, node + 1}
        else:
            continue
        if nodes & locked_nodes:
            continue
        value = round(penalty * unit) if penalty is not None else must_serve
        if value is None:
            continue
        penalties.append(([node], value))
        if task.role == "pickup":
            penalties.append(([node + 1], 0))
    return penalties


def _tasks(instance: Instance, excluded: dict[str, str]) -> list[Task]:
    tasks = [Task(stop) for stop in instance.stops if stop.id not in excluded]
    for shipment in instance.shipments:
        if shipment.id not in excluded:
            tasks.append(Task(shipment.pickup, shipment.id, "pickup"))
            tasks.append(Task(shipment.delivery, shipment.id, "delivery"))
    return tasks


def _ceil(value: float) -> int:
    # Guard against 12.000000000001 style float noise turning into 13.
    return math.ceil(value - 1e-9)


def _horizon(instance: Instance, ts: int, distance_bound: int, service: list[int]) -> int:
    ends = [v.shift.end for v in instance.vehicles if v.shift is not None]
    ends += [w.end for stop in instance.all_stops() for w in stop.windows]
    if ends:
        return math.floor(max(ends) * ts) + 1
    # No clock at all: a route can never need more than visiting everything one after another.
    return distance_bound * (len(service) + 1) + sum(service) + 1


def _shift(vehicle: Vehicle, ts: int, horizon: int) -> tuple[int, int]:
    if vehicle.shift is None:
        return 0, horizon
    return _ceil(vehicle.shift.start * ts), math.floor(vehicle.shift.end * ts)


def _max_span(vehicle: Vehicle, ts: int, horizon: int) -> int | None:
    """The duration limit, or None when the shift window alone already enforces it.

    A span limit inside a wider window makes OR-Tools solve a small scheduling LP for every route it checks,
    which slows the search down a lot on large instances; only pay for it when it constrains something.
    """
    if vehicle.max_duration is None:
        return None
    limit = math.floor(vehicle.max_duration * ts)
    start, end = _shift(vehicle, ts, horizon)
    return None if limit >= end - start else limit


def _capacities(instance: Instance, tasks: list[Task], num_depots: int):
    shipment_demand = {s.id: s.demand for s in instance.shipments}
    limited = sorted({name for vehicle in instance.vehicles for name in vehicle.capacity})
    values = [amount for vehicle in instance.vehicles for amount in vehicle.capacity.values()]
    values += [amount for task in tasks for amount in _task_demand(task, shipment_demand).values()]
    scale = 1 if all(float(value).is_integer() for value in values) else 1000
    demand, capacity = {}, {}
    for name in limited:
        per_node = [0] * num_depots
        for task in tasks:
            amount = _ceil(_task_demand(task, shipment_demand).get(name, 0.0) * scale)
            per_node.append(-amount if task.role == "delivery" else amount)
        unlimited = sum(abs(value) for value in per_node) + 1
        demand[name] = per_node
        capacity[name] = [
            math.floor(v.capacity[name] * scale) if name in v.capacity else unlimited for v in instance.vehicles
        ]
    return limited, demand, capacity


def _task_demand(task: Task, shipment_demand: dict[str, dict[str, float]]) -> dict[str, float]:
    return shipment_demand[task.shipment_id] if task.shipment_id else task.stop.demand


def _allowed(task: Task, shipments: dict, vehicles: list[Vehicle]) -> list[int] | None:
    skills = set(task.stop.skills)
    if task.shipment_id:
        shipment = shipments[task.shipment_id]
        skills |= shipment.pickup.skills | shipment.delivery.skills
    if not skills:
        return None
    return [v for v, vehicle in enumerate(vehicles) if skills <= vehicle.skills]


def restrict_problem(problem: CompiledProblem, task_nodes: list[int], vehicles: list[int]):
    """The same problem with only some tasks and vehicles (depot nodes are all kept, so their numbers stay).

    Returns the sub-problem and a map from old node numbers to new ones. Pairs, penalties and locks are kept
    when all their nodes (and their vehicle) are included.
    """
    depots = problem.num_depot_nodes
    nodes = list(range(depots)) + list(task_nodes)
    new_node = {node: i for i, node in enumerate(nodes)}
    new_vehicle = {v: i for i, v in enumerate(vehicles)}

    def per_vehicle(values):
        return [values[v] for v in vehicles]

    def allowed(node):
        old = problem.allowed_vehicles[node]
        return None if old is None else [new_vehicle[v] for v in old if v in new_vehicle]

    sub = replace(
        problem,
        tasks=[problem.tasks[node - depots] for node in task_nodes],
        vehicle_starts=per_vehicle(problem.vehicle_starts),
        vehicle_ends=per_vehicle(problem.vehicle_ends),
        node_location=[problem.node_location[node] for node in nodes],
        distance=[[problem.distance[a][b] for b in nodes] for a in nodes],
        travel_time=[[[matrix[a][b] for b in nodes] for a in nodes] for matrix in problem.travel_time],
        vehicle_speed_group=per_vehicle(problem.vehicle_speed_group),
        service=[problem.service[node] for node in nodes],
        windows=[problem.windows[node] for node in nodes],
        shift=per_vehicle(problem.shift),
        max_span=per_vehicle(problem.max_span),
        demand={name: [values[node] for node in nodes] for name, values in problem.demand.items()},
        capacity={name: per_vehicle(values) for name, values in problem.capacity.items()},
        allowed_vehicles=[allowed(node) for node in nodes],
        pairs=[(new_node[p], new_node[d]) for p, d in problem.pairs if p in new_node and d in new_node],
        penalties=[
            ([new_node[n] for n in group], penalty)
            for group, penalty in problem.penalties
            if all(n in new_node for n in group)
        ],
        vehicle_distance_cost=per_vehicle(problem.vehicle_distance_cost),
        vehicle_time_cost=per_vehicle(problem.vehicle_time_cost),
        vehicle_fixed_cost=per_vehicle(problem.vehicle_fixed_cost),
        locked=[
            (new_vehicle[v], [new_node[n] for n in group], contiguous)
            for v, group, contiguous in problem.locked
            if v in new_vehicle and all(n in new_node for n in group)
        ],
    )
    return sub, new_node
