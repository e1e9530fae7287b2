#!/usr/bin/env python
"""Route engine at regional scale: a generated delivery day of 400 stops and 8 vehicles around a Flemish hub.

Targets (issue 8): a feasible plan in under 60 s and under 1 GB of memory; record how the plan improves with
time (5, 10, 30, 60 s). Each time limit runs in a fresh process, so its peak memory (resource.getrusage of the
process itself plus its search worker subprocess) is measured on its own.

    .venv/bin/python bench/regional.py                 # 5, 10, 30, 60 s on hageland, 400 stops, 8 vehicles
    .venv/bin/python bench/regional.py --limits 5,10 --stops 200 --vehicles 4
    .venv/bin/python bench/regional.py --record        # ... and writes its part of docs/benchmarks.md
"""

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from logistics.routing.checker import PlannedRoute, check_plan  # noqa: E402
from logistics.routing.generator import generate_regional_instance  # noqa: E402
from logistics.routing.matrix import default_matrix_provider  # noqa: E402
from logistics.routing.solver import SolveOptions, solve  # noqa: E402

HEADING = "### Regional scale (bench/regional.py)"


def single(coop: str, stops: int, vehicles: int, seed: int, time_limit: float) -> dict:
    instance = generate_regional_instance(coop, stops, vehicles, seed)
    first = []
    started = time.monotonic()
    solution = solve(
        instance, SolveOptions(objective="cost", time_limit=time_limit, progress=lambda p: first or first.append(p))
    )
    seconds = time.monotonic() - started
    matrix = default_matrix_provider(instance.locations).matrix(instance.locations)
    optional = {s.id for s in instance.stops if s.penalty is not None}
    optional |= {s.id for s in instance.shipments if s.penalty is not None}
    left_out = [u.stop_id for u in solution.unassigned]
    report = check_plan(
        instance,
        [PlannedRoute(r.vehicle_id, r.stop_ids) for r in solution.routes],
        matrix=matrix,
        allowed_missing=left_out,
    )
    return {
        "instance": instance.name,
        "time_limit": time_limit,
        "seconds": seconds,
        "first_plan_seconds": first[0].elapsed if first else None,
        "status": solution.status,
        "feasible": report.feasible and solution.status == "feasible",
        "violations": report.violations[:3],
        "mandatory_unassigned": sum(1 for stop_id in left_out if stop_id not in optional),
        "optional_unassigned": sum(1 for stop_id in left_out if stop_id in optional),
        "optional_total": len(optional),
        "vehicles": solution.vehicles_used,
        "distance_km": solution.distance,
        "cost_eur": solution.cost,
        "hours": sum(route.duration for route in solution.routes) / 3600,
        # ru_maxrss is in KiB on Linux; children = the largest finished child (the search worker).
        "cpu": sum(
            usage.ru_utime + usage.ru_stime
            for usage in (resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN))
        ),
        "load": os.getloadavg()[0],
        "rss_self_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_children_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def table(rows: list[dict]) -> str:
    lines = [
        "| time limit | wall s | first plan s | feasible | unassigned (mandatory / optional) | vehicles | km | "
        "cost EUR | route hours | peak RSS MB (main + worker) | CPU s | load |",
        "|---:|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        first = "-" if r["first_plan_seconds"] is None else f"{r['first_plan_seconds']:.1f}"
        lines.append(
            f"| {r['time_limit']:g} s | {r['seconds']:.1f} | {first} | {'yes' if r['feasible'] else 'NO'} | "
            f"{r['mandatory_unassigned']} / {r['optional_unassigned']} of {r['optional_total']} | {r['vehicles']} | "
            f"{r['distance_km']:.0f} | {r['cost_eur']:.2f} | {r['hours']:.1f} | "
            f"{r['rss_self_mb']:.0f} + {r['rss_children_mb']:.0f} = {r['rss_self_mb'] + r['rss_children_mb']:.0f} | "
            f"{r['cpu']:.1f} | {r['load']:.1f} |"
        )
    return "\n".join(lines)


def record(text: str) -> None:
    """Replace this script's subsection of the "## Route engine" section in docs/benchmarks.md."""
    path = ROOT / "docs" / "benchmarks.md"
    document = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if "\n## Route engine\n" not in document:
        document = document.rstrip("\n") + "\n\n## Route engine\n"
    section_start = document.index("\n## Route engine\n")
    section_end = document.find("\n## ", section_start + 1)
    section_end = len(document) if section_end < 0 else section_end
    section = document[section_start:section_end]
    if HEADING in section:
        start = section.index(HEADING)
        end = section.find("\n### ", start + 1)
        section = section[:start] + text.rstrip("\n") + "\n" + (section[end:] if end >= 0 else "")
    else:
        section = section.rstrip("\n") + "\n\n" + text.rstrip("\n") + "\n"
    path.write_text(document[:section_start] + section + document[section_end:], encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--coop", default="hageland")
    parser.add_argument("--stops", type=int, default=400)
    parser.add_argument("--vehicles", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--limits", default="5,10,30,60", help="comma-separated time limits in seconds")
    parser.add_argument("--single", type=float, help=argparse.SUPPRESS)  # internal: one run, JSON on stdout
    parser.add_argument("--record", action="store_true", help="write the results into docs/benchmarks.md")
    args = parser.parse_args()
    if args.single is not None:
        print(json.dumps(single(args.coop, args.stops, args.vehicles, args.seed, args.single)))
        return
    rows = []
    for limit in [float(value) for value in args.limits.split(",")]:
        command = [sys.executable, __file__, "--single", str(limit), "--coop", args.coop, "--stops", str(args.stops),
                   "--vehicles", str(args.vehicles), "--seed", str(args.seed)]  # fmt: skip
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        row = json.loads(output.strip().splitlines()[-1])
        rows.append(row)
        peak = row["rss_self_mb"] + row["rss_children_mb"]
        print(f"{limit:5g} s: {row['status']}, {row['vehicles']} vehicles, {row['distance_km']:.0f} km, "
              f"EUR {row['cost_eur']:.2f}, peak RSS {peak:.0f} MB", flush=True)  # fmt: skip
    name = rows[0]["instance"] if rows else "-"
    text = "\n".join([
        HEADING,
        "",
        f"Instance `{name}` from logistics/routing/generator.py: {args.stops} stops (farm collections, kitchens with "
        f"morning windows, pickup points, farm-to-customer shipments, home deliveries in four-hour slots, a few "
        f"optional add-ons), {args.vehicles} vans (cooled ones on the early shift), great-circle x 1.3 road "
        f"distances with the speed model, objective `cost` (fixed + per km + per hour). Measured "
        f"{time.strftime('%Y-%m-%d')} on {platform.node() or 'this machine'} ({os.cpu_count()} cores); each time limit "
        f"in a fresh process. CPU s is what the run got (of 2 x the time limit); load is the 1-minute load average "
        f"at its end (the machine was shared).",
        "",
        table(rows),
    ])  # fmt: skip
    print()
    print(text)
    if args.record:
        record(text)


if __name__ == "__main__":
    main()
