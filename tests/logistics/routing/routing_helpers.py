"""Helpers shared by the routing engine tests (imported by name: this folder is on sys.path under pytest)."""

from pathlib import Path

from logistics.routing.checker import PlannedRoute, check_plan
from logistics.routing.matrix import default_matrix_provider
from logistics.routing.model import Instance, Location, Solution
from logistics.routing.solver import SolveOptions, solve

REPO_ROOT = Path(__file__).resolve().parents[3]
# CI checks out the shared data beside the repository.
BENCHMARKS = REPO_ROOT.parent / "shared" / "benchmarks" / "vrp"


def points(**coordinates) -> list[Location]:
    """points(depot=(0, 0), a=(3, 4)) -> planar locations named after the keywords."""
    return [Location(id=name, x=float(x), y=float(y)) for name, (x, y) in coordinates.items()]


def solve_quickly(instance: Instance, objective: str = "distance", **options) -> Solution:
    """Tiny instances: one in-process worker stopping after a fixed number of solutions (fast, deterministic)."""
    settings = {"objective": objective, "time_limit": 1.0, "solution_limit": 200, "workers": 1, **options}
    return solve(instance, SolveOptions(**settings))


def assert_feasible(instance: Instance, solution: Solution) -> None:
    optional_left_out = [u.stop_id for u in solution.unassigned]
    # Planar plans are checked with the checker's own distances; road plans with the travel model they used.
    matrix = (
        None
        if instance.locations[0].is_planar
        else default_matrix_provider(instance.locations).matrix(instance.locations)
    )
    routes = [PlannedRoute(r.vehicle_id, r.stop_ids) for r in solution.routes]
    report = check_plan(instance, routes, matrix=matrix, allowed_missing=optional_left_out)
    assert report.feasible, report.violations
