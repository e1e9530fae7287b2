"""Solver behaviour beyond single constraints: objectives, progress, parallel workers, determinism, scale."""

import pytest
from routing_helpers import assert_feasible, points, solve_quickly

from logistics.routing.generator import generate_regional_instance
from logistics.routing.metrics import plan_metrics
from logistics.routing.model import Instance, Stop, TimeWindow, Vehicle
from logistics.routing.solver import SolveOptions, solve


def ring(n: int = 12) -> Instance:
    """n stops on two rings around the depot, each with a window; two vehicles of capacity 8."""
    coordinates = {"depot": (0, 0)}
    for k in range(n):
        radius = 10 if k % 2 else 20
        coordinates[f"s{k}"] = (radius * (1 if k % 4 < 2 else -1), radius * (k / n))
    stops = [
        Stop(f"s{k}", f"s{k}", service_fixed=1, windows=(TimeWindow(0, 300),), demand={"load": 1}) for k in range(n)
    ]
    vehicles = [Vehicle(f"v{i}", "depot", shift=TimeWindow(0, 400), capacity={"load": 8}) for i in range(3)]
    return Instance("ring", points(**coordinates), vehicles, stops=stops)


def signature(solution):
    return [(route.vehicle_id, route.stop_ids) for route in solution.routes]


def test_fixed_seed_and_solution_limit_give_the_same_plan():
    options = {"objective": "distance", "time_limit": 30.0, "solution_limit": 300, "workers": 2}
    first = solve(ring(), SolveOptions(**options))
    second = solve(ring(), SolveOptions(**options))
    assert signature(first) == signature(second)
    assert first.search_cost == second.search_cost


def test_two_workers_report_progress_and_the_best_wins():
    seen = []
    solution = solve(ring(), SolveOptions(time_limit=2.5, workers=2, progress=seen.append))
    assert seen, "no progress reported"
    assert all(p.elapsed >= 0 and p.best_cost > 0 for p in seen)
    assert len({p.worker for p in seen}) == 2  # both workers reported, the subprocess one included
    assert solution.search_cost <= min(p.best_cost for p in seen if p.worker == solution.worker)
    assert solution.seconds < 4.0
    assert_feasible(ring(), solution)


def test_cost_objective_counts_money():
    instance = ring(6)
    instance.vehicles = [Vehicle("v0", "depot", capacity={"load": 8}, fixed_cost=30, cost_per_km=0.5, cost_per_hour=36)]
    solution = solve_quickly(instance, objective="cost")
    (route,) = solution.routes
    expected = 30 + 0.5 * route.distance + 36 * route.duration / 3600
    assert solution.cost == pytest.approx(expected)


def test_metrics_add_up():
    instance = ring(8)
    solution = solve_quickly(instance)
    metrics = plan_metrics(instance, solution)
    assert metrics.stops_planned == 8
    assert metrics.distance == pytest.approx(solution.distance)
    assert metrics.service == pytest.approx(8)
    assert all(0 < r.utilisation["load"] <= 1 for r in metrics.routes)


def test_regional_instance_is_realistic_and_solvable():
    instance = generate_regional_instance("hageland", stops=60, vehicles=3, seed=7)
    assert len(instance.all_stops()) == 60
    assert all(location.is_geographic for location in instance.locations)
    assert any(stop.skills for stop in instance.all_stops())
    assert instance.shipments
    solution = solve(instance, SolveOptions(objective="cost", time_limit=4.0))
    assert solution.status == "feasible", solution.unassigned
    assert_feasible(instance, solution)
    # Times are seconds of the day: routes run in daylight.
    assert all(route.start_time >= 6 * 3600 and route.end_time <= 21 * 3600 for route in solution.routes)


def test_regional_generator_is_deterministic_per_seed():
    a = generate_regional_instance("meetjesland", stops=40, vehicles=2, seed=3)
    b = generate_regional_instance("meetjesland", stops=40, vehicles=2, seed=3)
    c = generate_regional_instance("meetjesland", stops=40, vehicles=2, seed=4)
    assert a == b
    assert a != c
    with pytest.raises(ValueError, match="unknown coop"):
        generate_regional_instance("atlantis")


def test_fleet_objective_with_route_elimination_reaches_the_capacity_bound():
    instance = ring(12)  # 12 units of load, vehicles of 8: two vehicles are the minimum
    solution = solve(instance, SolveOptions(objective="fleet", time_limit=2.5, soft_mandatory=False))
    assert solution.vehicles_used == 2
    assert_feasible(instance, solution)


def test_portfolio_depends_on_route_length_and_size():
    from logistics.routing.compiled import compile_problem
    from logistics.routing.matrix import default_matrix_provider
    from logistics.routing.strategy import LARGE, LONG_ROUTES, SHORT_ROUTES, portfolio, stops_per_route

    def problem(instance, objective="distance"):
        return compile_problem(
            instance, default_matrix_provider(instance.locations).matrix(instance.locations), objective
        )

    long_shifts = ring(12)
    assert stops_per_route(problem(long_shifts)) > 25
    assert portfolio(problem(long_shifts)) == LONG_ROUTES
    short_shifts = ring(12)
    short_shifts.vehicles = [
        Vehicle(v.id, "depot", shift=TimeWindow(0, 60), capacity=v.capacity) for v in short_shifts.vehicles
    ]
    assert portfolio(problem(short_shifts)) == SHORT_ROUTES
    assert portfolio(problem(ring(12), "fleet"))[1].route_elimination
    big = generate_regional_instance(stops=220, vehicles=4)
    assert portfolio(problem(big, "cost")) == LARGE
