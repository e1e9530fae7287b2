#!/usr/bin/env python
"""Route engine on the public VRP benchmarks: every instance in ../shared/benchmarks/vrp, both objectives.

Each run is checked by the independent float checker (capacity, time windows, precedence, same vehicle, every
task served) and compared with the best known solution of the matching convention (see that folder's README):

- `distance` objective (total distance, fleet free): the `distance_only` BKS where there is one (Solomon);
  Li & Lim only publish the hierarchical BKS, which is then used (a distance-only optimum can only be lower
  or equal, so the gap shown is, if anything, flattering to the BKS and strict for us).
- `fleet` objective (fewest vehicles, then distance): the `hierarchical` BKS; when sources disagree (R101) the
  lower distance. The distance gap only means something when the vehicle counts are equal.

    .venv/bin/python bench/vrp.py                      # 10 s per run, prints a table
    .venv/bin/python bench/vrp.py --time-limit 5 --only C101,lc101
    .venv/bin/python bench/vrp.py --record             # ... and writes its part of docs/benchmarks.md
"""

import argparse
import csv
import json
import os
import platform
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from logistics.routing.checker import PlannedRoute, check_plan  # noqa: E402
from logistics.routing.metrics import gap_percent  # noqa: E402
from logistics.routing.readers import read_instance  # noqa: E402
from logistics.routing.solver import SolveOptions, solve  # noqa: E402

BENCHMARKS = ROOT.parent / "shared" / "benchmarks" / "vrp"
FOLDERS = {"solomon": "solomon", "li_lim": "lilim"}
HEADING = "### Public benchmarks (bench/vrp.py)"


def best_known(path: Path) -> dict[tuple[str, str], tuple[int, float]]:
    """(instance, convention) -> (vehicles, distance), keeping the lowest distance when sources disagree."""
    best: dict[tuple[str, str], tuple[int, float]] = {}
    with open(path, encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            key = (row["instance"], row["convention"])
            value = (int(row["vehicles"]), float(row["distance"]))
            if key not in best or value[1] < best[key][1]:
                best[key] = value
    return best


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (the search worker subprocesses)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def reference(bks, instance: str, objective: str) -> tuple[str, int, float]:
    if objective == "distance" and (instance, "distance_only") in bks:
        return ("distance_only", *bks[(instance, "distance_only")])
    return ("hierarchical", *bks[(instance, "hierarchical")])


def run(path: Path, fmt: str, objective: str, time_limit: float, bks) -> dict:
    instance = read_instance(path, fmt)
    cpu_before = cpu_seconds()
    started = time.monotonic()
    solution = solve(instance, SolveOptions(objective=objective, time_limit=time_limit, soft_mandatory=False))
    seconds = time.monotonic() - started
    cpu = cpu_seconds() - cpu_before
    report = check_plan(instance, [PlannedRoute(r.vehicle_id, r.stop_ids) for r in solution.routes])
    convention, bks_vehicles, bks_distance = reference(bks, instance.name, objective)
    return {
        "instance": instance.name,
        "objective": objective,
        "vehicles": report.vehicles,
        "distance": report.distance,
        "feasible": report.feasible,
        "violations": report.violations[:3],
        "seconds": seconds,
        "cpu": cpu,
        "worker": solution.worker,
        "bks_convention": convention,
        "bks_vehicles": bks_vehicles,
        "bks_distance": bks_distance,
        "gap": gap_percent(report.distance, bks_distance),
    }


def table(rows: list[dict]) -> str:
    lines = [
        "| instance | objective | vehicles | BKS vehicles | distance | BKS distance (convention) | gap % | feasible "
        "| wall s | CPU s | best worker |",
        "|---|---|---:|---:|---:|---:|---:|---|---:|---:|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['instance']} | {r['objective']} | {r['vehicles']} | {r['bks_vehicles']} | {r['distance']:.2f} "
            f"| {r['bks_distance']:.2f} ({r['bks_convention']}) | {r['gap']:+.2f} | "
            f"{'yes' if r['feasible'] else 'NO'} | {r['seconds']:.1f} | {r['cpu']:.1f} | {r['worker']} |"
        )
    return "\n".join(lines)


def summary(rows: list[dict]) -> str:
    lines = []
    distance = [r for r in rows if r["objective"] == "distance"]
    fleet = [r for r in rows if r["objective"] == "fleet"]
    infeasible = [f"{r['instance']}/{r['objective']}" for r in rows if not r["feasible"]]
    lines.append(f"- feasible: {len(rows) - len(infeasible)} of {len(rows)} runs" + (
        f" (infeasible: {', '.join(infeasible)})" if infeasible else ""))  # fmt: skip
    if distance:
        gaps = [r["gap"] for r in distance]
        worst = max(distance, key=lambda r: r["gap"])
        lines.append(
            f"- `distance` objective: mean gap {statistics.mean(gaps):+.2f}%, worst {worst['gap']:+.2f}% "
            f"({worst['instance']}), {sum(g > 3 for g in gaps)} above 3% (targets: mean <= 1.0%, none above 3%)"
        )
    if fleet:
        exact = [r for r in fleet if r["vehicles"] == r["bks_vehicles"]]
        plus = [
            f"{r['instance']} +{r['vehicles'] - r['bks_vehicles']}" for r in fleet if r["vehicles"] > r["bks_vehicles"]
        ]
        lines.append(
            f"- `fleet` objective: BKS vehicle count on {len(exact)} of {len(fleet)} instances"
            + (f"; above: {', '.join(plus)}" if plus else "")
            + " (targets: equal on C and lc, at most +1 elsewhere)"
        )
    return "\n".join(lines)


def record(text: str, heading: str) -> None:
    """Replace this script's subsection of the "## Route engine" section in docs/benchmarks.md."""
    path = ROOT / "docs" / "benchmarks.md"
    document = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if "\n## Route engine\n" not in document:
        document = document.rstrip("\n") + "\n\n## Route engine\n"
    section_start = document.index("\n## Route engine\n")
    section_end = document.find("\n## ", section_start + 1)
    section_end = len(document) if section_end < 0 else section_end
    section = document[section_start:section_end]
    if heading in section:
        start = section.index(heading)
        end = section.find("\n### ", start + 1)
        section = section[:start] + text.rstrip("\n") + "\n" + (section[end:] if end >= 0 else "")
    else:
        section = section.rstrip("\n") + "\n\n" + text.rstrip("\n") + "\n"
    path.write_text(document[:section_start] + section + document[section_end:], encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--objectives", default="distance,fleet")
    parser.add_argument("--only", help="comma-separated instance names")
    parser.add_argument("--json", help="also write the raw results to this file")
    parser.add_argument("--record", action="store_true", help="write the results into docs/benchmarks.md")
    parser.add_argument("--heading", default=HEADING, help="the subsection of docs/benchmarks.md to (re)write")
    args = parser.parse_args()
    if not BENCHMARKS.is_dir():
        sys.exit(f"benchmark folder not found: {BENCHMARKS}")
    bks = best_known(BENCHMARKS / "bks.csv")
    files = sorted(
        (path, FOLDERS[path.parent.name]) for folder in FOLDERS for path in (BENCHMARKS / folder).glob("*.txt")
    )
    if args.only:
        wanted = set(args.only.split(","))
        files = [(path, fmt) for path, fmt in files if path.stem in wanted]
    load_before = os.getloadavg()
    rows = []
    for objective in args.objectives.split(","):
        for path, fmt in files:
            row = run(path, fmt, objective, args.time_limit, bks)
            rows.append(row)
            print(f"{row['instance']:>7} {objective:>8}: {row['vehicles']:3d} vehicles {row['distance']:9.2f} "
                  f"gap {row['gap']:+6.2f}% {'feasible' if row['feasible'] else 'INFEASIBLE'} "
                  f"{row['seconds']:5.1f} s", flush=True)  # fmt: skip
    text = "\n".join([
        args.heading,
        "",
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.node() or 'this machine'} ({os.cpu_count()} cores, "
        f"Python {platform.python_version()}), {args.time_limit:g} s wall time per run, two search workers. "
        f"Load average (1 min) {load_before[0]:.1f} before and {os.getloadavg()[0]:.1f} after: the machine was "
        f"shared, so the CPU column shows how much of the 2 x {args.time_limit:g} s the searches really got.",
        "",
        table(rows),
        "",
        summary(rows),
    ])  # fmt: skip
    print()
    print(text)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1), encoding="utf-8")
    if args.record:
        record(text, args.heading)


if __name__ == "__main__":
    main()
