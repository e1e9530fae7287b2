"""Public benchmark instances: C101 (VRPTW) and lc101 (PDPTW) are solved to within 1% of the best known."""

import pytest
from routing_helpers import assert_feasible

from logistics.routing.metrics import gap_percent
from logistics.routing.readers import read_instance
from logistics.routing.solver import SolveOptions, solve

# Best known solutions (hierarchical convention; for these two the distance-only optimum is the same plan).
BKS = {"C101": (10, 828.94), "lc101": (10, 828.9369)}


@pytest.mark.parametrize(("folder", "name", "fmt"), [("solomon", "C101", "solomon"), ("li_lim", "lc101", "lilim")])
def test_benchmark_within_one_percent(benchmark_dir, folder, name, fmt):
    instance = read_instance(benchmark_dir / folder / f"{name}.txt", fmt)
    solution = solve(instance, SolveOptions(objective="distance", time_limit=5.0, soft_mandatory=False))
    assert_feasible(instance, solution)
    vehicles, distance = BKS[name]
    assert solution.distance == pytest.approx(sum(route.distance for route in solution.routes))
    assert gap_percent(solution.distance, distance) <= 1.0
    assert solution.vehicles_used >= vehicles
    assert solution.seconds < 7.0
