"""`manage.py solve_vrp` and the plain function behind it."""

import json
import math
import subprocess
import sys
from io import StringIO
from itertools import pairwise

import pytest
from django.core.management import CommandError, call_command
from routing_helpers import REPO_ROOT

from logistics.routing.cli import CliError, solve_benchmark_file

TINY = """TINY

VEHICLE
NUMBER     CAPACITY
  4         30

CUSTOMER
CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME

    0      0          0          0          0       1000          0
    1      3          4         10          0       1000          5
    2      6          8         10          0       1000          5
    3     -3         -4         20          0       1000          5
"""


@pytest.fixture
def tiny(tmp_path):
    path = tmp_path / "TINY.txt"
    path.write_text(TINY, encoding="utf-8")
    return path


def test_function_returns_the_documented_fields(tiny):
    run = solve_benchmark_file(tiny, "solomon", "distance", time_limit=1.0)
    assert list(run.result) == ["instance", "objective", "vehicles", "distance", "seconds", "routes"]
    assert run.feasible and run.status == "feasible"
    assert sorted(c for route in run.result["routes"] for c in route) == [1, 2, 3]
    # 0 -> 1 -> 2 -> 0 is 20, 0 -> 3 -> 0 is 10; demand 40 > 30 forces two vehicles.
    assert run.result["vehicles"] == 2
    assert run.result["distance"] == pytest.approx(30.0)


def test_command_prints_exactly_one_json_object(tiny):
    out = StringIO()
    call_command("solve_vrp", str(tiny), "--format", "solomon", "--objective", "fleet", "--time-limit", "1", "--json",
                 stdout=out)  # fmt: skip
    result = json.loads(out.getvalue())
    assert set(result) == {"instance", "objective", "vehicles", "distance", "seconds", "routes"}
    assert result["instance"] == "TINY" and result["objective"] == "fleet"
    recomputed = 0.0
    points = {0: (0, 0), 1: (3, 4), 2: (6, 8), 3: (-3, -4)}
    for route in result["routes"]:
        path = [0, *route, 0]
        recomputed += sum(math.dist(points[a], points[b]) for a, b in pairwise(path))
    assert result["distance"] == pytest.approx(recomputed)


def test_command_summary_without_json(tiny):
    out = StringIO()
    call_command("solve_vrp", str(tiny), "--time-limit", "1", stdout=out)
    assert "TINY: objective distance, 2 vehicles" in out.getvalue()


def test_unreadable_file_is_a_usage_error(tmp_path):
    garbage = tmp_path / "garbage.txt"
    garbage.write_text("not a benchmark", encoding="utf-8")
    with pytest.raises(CommandError) as error:
        call_command("solve_vrp", str(garbage), "--format", "solomon", "--json")
    assert error.value.returncode == 2
    with pytest.raises(CliError, match="cannot read"):
        solve_benchmark_file(tmp_path / "missing.txt", "lilim")
    with pytest.raises(CliError, match="time limit"):
        solve_benchmark_file(garbage, "solomon", time_limit=0)


def test_manage_py_exits_with_status_2(tmp_path):
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "manage.py"), "solve_vrp", str(tmp_path / "missing.txt"), "--json"],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=60,
    )
    assert result.returncode == 2
    assert "cannot read" in result.stderr
    assert result.stdout == ""
