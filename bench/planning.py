#!/usr/bin/env python
"""Planning rounds for a week: the demo week of each coop, and a generated 300-destination week.

What is measured, per week: planning time (instance + solve + storing figures), vehicle-km, vehicles, fill rate
(peak load against capacity, the fuller of kg and crates, averaged over routes), and km saved against every
farm driving its own goods to each of its customers (logistics/services/impact.py), both for the coop's rounds
alone ("vehicle-km") and with the farms' own trips to the hub added ("system km").

Targets (issue "Rounds for the week"): the 300-destination week planned in under 60 s and under 1 GB; on the
demo weeks at least 60% fewer vehicle-km than the baseline and an average peak fill rate of at least 75%.

    .venv/bin/python bench/planning.py                        # both parts, prints the results
    .venv/bin/python bench/planning.py --record               # ... and writes "## Planning" in docs/benchmarks.md
    .venv/bin/python bench/planning.py --skip-demo --budget 20
    .venv/bin/python bench/planning.py --database-url postgres://postgres@127.0.0.1/korteketen   # a seeded database

The demo part needs a database with the demo data. Without --database-url it creates `bench_planning` on the
server of DATABASE_URL, migrates, runs seed_demo there (a few minutes: it renders the demo's PDFs too) and drops
it afterwards (--keep leaves it). The generated week needs no database: it is fed to the same instance builder
as a real cycle (planning_instance.build_instance), solved by the same engine, timed in a fresh process.
"""

import argparse
import json
import math
import os
import platform
import random
import resource
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BENCH_DB = "bench_planning"
HEADING = "## Planning"


def _django(database_url: str | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coop.settings.dev")
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    import django

    django.setup()


def _memory_mb() -> float:
    # ru_maxrss is KiB on Linux; children: the largest finished search worker subprocess.
    return (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024


# --- the generated week ----------------------------------------------------------------------------------------

def generated_week(destinations: int, seed: int):
    """A larger region around the Hageland hub (35 km): farms, pickup points, kitchens and homes for one week."""
    from logistics.routing.generator import _jitter, flemish_places, regions
    from logistics.routing.matrix import haversine_km
    from logistics.services.planning_instance import DAY, Farm, PlanningInput, PlanTask, PlanVehicle

    rng = random.Random(seed)
    coop = next(c for c in regions()["coops"] if c["slug"] == "hageland")
    hub = (coop["hub"]["latitude"], coop["hub"]["longitude"])
    places = [p for p in flemish_places() if haversine_km(*hub, p.lat, p.lon) <= 35]
    # Homes are delivered in the coop's home-delivery zone (around Leuven), as in the demo data.
    zone = set(coop["home_delivery_zone"]["postcodes"])
    homes = [p for p in places if p.postcode in zone]
    reference = date(2026, 11, 21)  # Saturday: Thursday is day 5, Friday (delivery) day 6
    thu, fri = 5 * DAY, 6 * DAY

    def clock(day, hhmm):
        hours, minutes = hhmm.split(":")
        return day + int(hours) * 3600 + int(minutes) * 60

    def where(spread, among=places):
        place = rng.choice(among)
        return place, *_jitter(rng, place.lat, place.lon, spread)

    tasks = []
    n_points, n_kitchens = round(destinations * 0.1), round(destinations * 0.05)
    for k in range(destinations):
        place, lat, lon = where(2.0) if k < n_points + n_kitchens else where(1.5, homes)
        if k < n_points:
            crates = rng.randint(4, 8)
            kind, windows, service = "pickup", ((clock(fri, "06:00"), clock(fri, "14:00")),), 600
            cooled = rng.random() < 0.7
        elif k < n_points + n_kitchens:
            crates = rng.randint(3, 7)
            slot = rng.choice([("06:30", "10:00"), ("09:30", "12:30")])
            kind, windows, service = "business", ((clock(fri, slot[0]), clock(fri, slot[1])),), 900
            cooled = rng.random() < 0.8
        else:
            crates = 2 if rng.random() < 0.08 else 1
            slot = rng.choice([("10:00", "14:00"), ("13:00", "17:00"), ("16:00", "20:00")])
            kind, windows, service, cooled = "home", ((clock(fri, slot[0]), clock(fri, slot[1])),), 180, False
        tasks.append(PlanTask(key=f"deliver:{kind}:{k}", kind="deliver", name=f"{kind} {k}", address=place.name,
                              postcode=place.postcode, lat=lat, lon=lon, windows=windows, service_fixed=service,
                              kg=round(crates * rng.uniform(7, 12), 1), crates=crates, cooled=cooled))
    farms = []
    for k in range(30):
        place, lat, lon = where(3.0)
        collected = k % 2 == 0
        served = tuple(t.key for t in tasks if rng.random() < (0.5 if ":pickup:" in t.key else 0.15))
        farms.append(Farm(k, f"farm {k}", lat, lon, brings_to_hub=not collected, destinations=served))
        if collected:
            kg = rng.uniform(40, 150)
            # Most farms are collected on Thursday afternoon; some on Friday morning (return trips).
            window = (clock(thu, "13:00"), clock(thu, "17:00")) if k % 6 else (clock(fri, "08:30"), clock(fri, "11:00"))
            tasks.append(PlanTask(key=f"collect:po:{k}", kind="collect", name=f"farm {k}", address=place.name,
                                  postcode=place.postcode, lat=lat, lon=lon, windows=(window,), service_fixed=600,
                                  kg=round(kg, 1), crates=math.ceil(kg / 12), cooled=k % 4 == 0, producer_id=k))
    vehicles = []
    for k in range(6):
        # Three cooled trucks on the early shift for the kitchens and pickup points, the rest later for homes.
        cooled = k < 4
        friday = ("06:00", "16:30") if k < 3 else ("07:00", "17:30") if k == 4 else ("10:00", "20:30")
        for day, (start, end) in ((thu, ("12:30", "18:30")), (fri, friday)):
            weekday = "thu" if day == thu else "fri"
            vehicles.append(PlanVehicle(
                key=f"v{k}@{weekday}", vehicle_id=k, name=f"truck {k}", kind="truck_cooled" if cooled else "truck",
                day=reference + timedelta(days=int(day // DAY)), start=hub, end=hub, start_label="hub",
                shift=(clock(day, start), clock(day, end)), max_duration=10.5 * 3600,
                capacity_kg=1500.0 if cooled else 1200.0, capacity_crates=120.0 if cooled else 100.0,
                capacity_volume=None, cooled=cooled, lez=True, area=frozenset(), fixed_cost=45.0,
                cost_per_km=0.45, cost_per_hour=32.0))
    return PlanningInput(name=f"generated-{destinations}-s{seed}", reference=reference, hub=hub, hub_name="hub",
                         hub_windows=((clock(thu, "13:00"), clock(thu, "19:00")),
                                      (clock(fri, "05:30"), clock(fri, "12:00"))),
                         vehicles=vehicles, tasks=tasks, farms=farms)


def plan_input(data, budget: float, solution_limit: int | None = None) -> dict:
    """Build, solve and evaluate like planning_run_execute does (without the database)."""
    from logistics.routing.checker import PlannedRoute, check_plan
    from logistics.routing.solver import SolveOptions, solve
    from logistics.services.planning_instance import build_instance
    from logistics.services.planning_store import evaluate_route, travel_matrix

    started = time.monotonic()
    instance = build_instance(data, "cost")
    first = []
    solution = solve(instance, SolveOptions(objective="cost", time_limit=budget, solution_limit=solution_limit,
                                            progress=lambda p: first or first.append(p.elapsed)))
    matrix = travel_matrix(instance)
    plans = [evaluate_route(instance, matrix, r.vehicle_id, r.stop_ids) for r in solution.routes if r.stop_ids]
    seconds = time.monotonic() - started
    left_out = [u.stop_id for u in solution.unassigned]
    report = check_plan(instance, [PlannedRoute(r.vehicle_id, r.stop_ids) for r in solution.routes], matrix,
                        allowed_missing=left_out)
    capacity = {v.key: (v.capacity_kg, v.capacity_crates) for v in data.vehicles}
    fills = [max(p.peak_kg / capacity[p.vehicle_key][0], p.peak_crates / capacity[p.vehicle_key][1]) * 100
             for p in plans]
    return {"seconds": seconds, "first_plan_seconds": first[0] if first else None, "status": solution.status,
            "feasible": report.feasible, "violations": report.violations[:3],
            "physical_load_ok": not any("on board than" in v for p in plans for v in p.violations),
            "unassigned": len(left_out), "tasks": len(data.tasks), "routes": len(plans),
            "km": sum(p.km for p in plans), "empty_km": sum(p.empty_km for p in plans),
            "hours": sum(p.hours for p in plans), "cost": sum(p.cost for p in plans),
            "fill_avg_peak": sum(fills) / len(fills) if fills else 0.0, "fill_min": min(fills, default=0.0),
            "fill_max": max(fills, default=0.0)}


def with_baseline(row: dict, data) -> dict:
    from logistics.services.impact import baseline_for_input

    started = time.monotonic()
    baseline = baseline_for_input(data)
    base, own = float(baseline["km"]), float(baseline["own_trips_km"])
    return {**row, "baseline_km": base, "own_trips_km": own, "baseline_seconds": time.monotonic() - started,
            "saved_vehicle_km_percent": (1 - row["km"] / base) * 100 if base else None,
            "saved_system_km_percent": (1 - (row["km"] + own) / base) * 100 if base else None}


def single_generated(destinations: int, seed: int, budget: float) -> dict:
    _django()
    data = generated_week(destinations, seed)
    row = plan_input(data, budget)
    row["rss_mb"] = _memory_mb()  # the planning only: the baseline's solves come after
    row = with_baseline(row, data)
    deliveries = sum(1 for t in data.tasks if t.kind == "deliver")
    return {"week": data.name, "destinations": deliveries, "collections": len(data.tasks) - deliveries,
            "vehicles": f"{len({v.vehicle_id for v in data.vehicles})} ({len(data.vehicles)} vehicle-shifts)", **row}


# --- the demo weeks --------------------------------------------------------------------------------------------

def single_demo(database_url: str, budget: float) -> list[dict]:
    _django(database_url)
    from django_scopes import scope, scopes_disabled

    from coop.models import Cooperative
    from logistics.demo_planning import plannable_cycle
    from logistics.models import Vehicle
    from logistics.services.planning_instance import planning_input_for_cycle

    rows = []
    with scopes_disabled():
        coops = list(Cooperative.objects.filter(slug__in=["hageland", "meetjesland"]).order_by("slug"))
    for coop in coops:
        with scope(coop=coop):
            cycle = plannable_cycle()
            if cycle is None:
                continue
            data = planning_input_for_cycle(cycle, Vehicle.objects.filter(is_active=True))
            row = with_baseline(plan_input(data, budget), data)
            rows.append({"week": f"{coop.slug} {cycle.delivery_date}", "destinations": sum(
                1 for t in data.tasks if t.kind == "deliver"), "collections": sum(
                1 for t in data.tasks if t.kind == "collect"), "vehicles": f"{Vehicle.objects.count()} "
                f"({len(data.vehicles)} vehicle-shifts)", "kg": sum(t.kg for t in data.tasks if t.kind == "deliver"),
                "crates": sum(t.crates for t in data.tasks if t.kind == "deliver"), **row})
    return rows


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def _admin(url: str, statement: str) -> None:
    import psycopg

    parts = urlsplit(url)
    with psycopg.connect(host=parts.hostname or None, port=parts.port, user=parts.username, password=parts.password,
                         dbname="postgres", autocommit=True) as conn:
        conn.execute(statement)


def demo_database(base_url: str) -> str:
    url = _with_database(base_url, BENCH_DB)
    _admin(base_url, f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
    _admin(base_url, f'CREATE DATABASE "{BENCH_DB}"')
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "coop.settings.dev"}
    for command in (["migrate", "-v0"], ["seed_demo"]):
        subprocess.run([sys.executable, str(ROOT / "manage.py"), *command], env=env, check=True, cwd=ROOT,
                       stdout=subprocess.DEVNULL)
    return url


# --- report ----------------------------------------------------------------------------------------------------

def table(rows: list[dict]) -> str:
    lines = ["| week | destinations + collections | vehicles | planning s (first plan) | peak RSS MB | routes | "
             "unassigned | feasible | vehicle-km | baseline km | vehicle-km saved | system km saved | "
             "avg peak fill (min-max) | empty km |",
             "|---|---:|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        first = "-" if r["first_plan_seconds"] is None else f"{r['first_plan_seconds']:.1f}"
        rss = f"{r['rss_mb']:.0f}" if "rss_mb" in r else "-"
        lines.append(
            f"| {r['week']} | {r['destinations']} + {r['collections']} | {r['vehicles']} | {r['seconds']:.1f} "
            f"({first}) | {rss} | {r['routes']} | {r['unassigned']} | "
            f"{'yes' if r['feasible'] and r['physical_load_ok'] else 'NO'} | {r['km']:.0f} | "
            f"{r['baseline_km']:.0f} | {r['saved_vehicle_km_percent']:.0f}% | {r['saved_system_km_percent']:.0f}% | "
            f"{r['fill_avg_peak']:.0f}% ({r['fill_min']:.0f}-{r['fill_max']:.0f}%) | {r['empty_km']:.0f} |")
    return "\n".join(lines)


def verdicts(generated: list[dict], demo: list[dict]) -> list[str]:
    out = []
    for r in generated:
        rss = r.get("rss_mb", 0)
        left = f" ({r['unassigned']} tasks left unassigned)" if r["unassigned"] else ""
        out.append(f"- **{r['week']}: planned in {r['seconds']:.1f} s, peak {rss:.0f} MB** — target < 60 s and "
                   f"< 1 GB: {'met' if r['seconds'] < 60 and rss < 1024 and r['feasible'] else 'NOT met'}{left}")
    for r in demo:
        out.append(f"- **{r['week']}: {r['saved_vehicle_km_percent']:.0f}% fewer vehicle-km than every farm alone** "
                   f"— target >= 60%: {'met' if r['saved_vehicle_km_percent'] >= 60 else 'NOT met'}; counting the "
                   f"farms' own trips to the hub too: {r['saved_system_km_percent']:.0f}% "
                   f"({'met' if r['saved_system_km_percent'] >= 60 else 'NOT met'})")
        out.append(f"- **{r['week']}: average peak fill {r['fill_avg_peak']:.0f}%** — target >= 75%: "
                   f"{'met' if r['fill_avg_peak'] >= 75 else 'NOT met'} (the week delivers {r['kg']:.0f} kg in "
                   f"{r['crates']} crates)")
    return out


def record(text: str) -> None:
    """Append this run's figures under "## Planning" in docs/benchmarks.md (earlier runs stay)."""
    path = ROOT / "docs" / "benchmarks.md"
    document = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if f"\n{HEADING}\n" not in document:
        document = document.rstrip("\n") + f"\n\n{HEADING}\n"
    start = document.index(f"\n{HEADING}\n")
    end = document.find("\n## ", start + 1)
    end = len(document) if end < 0 else end
    section = document[start:end].rstrip("\n") + "\n\n" + text.rstrip("\n") + "\n"
    path.write_text(document[:start] + section + document[end:], encoding="utf-8")


def _run_single(args: list[str]) -> list[dict]:
    output = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=True).stdout
    result = json.loads(output.strip().splitlines()[-1])
    return result if isinstance(result, list) else [result]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--destinations", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--budget", type=float, default=45.0, help="solver time budget of the generated week (s)")
    parser.add_argument("--demo-budget", type=float, default=10.0, help="solver time budget of a demo week (s)")
    parser.add_argument("--database-url", help="a database that already holds the demo data")
    parser.add_argument("--skip-demo", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument("--record", action="store_true", help="append the results to docs/benchmarks.md")
    parser.add_argument("--single", choices=["generated", "demo"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.single == "generated":
        print(json.dumps(single_generated(args.destinations, args.seed, args.budget)))
        return
    if args.single == "demo":
        print(json.dumps(single_demo(args.database_url, args.demo_budget), default=str))
        return

    load = os.getloadavg()
    generated = _run_single(["--single", "generated", "--destinations", str(args.destinations), "--seed",
                             str(args.seed), "--budget", str(args.budget)])
    print(table(generated), flush=True)
    demo, created = [], None
    if not args.skip_demo:
        url = args.database_url
        if url is None:
            base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/korteketen")
            print("creating and seeding the demo database ...", flush=True)
            url = created = demo_database(base)
        try:
            demo = _run_single(["--single", "demo", "--database-url", url, "--demo-budget", str(args.demo_budget)])
        finally:
            if created and not args.keep:
                _admin(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/korteketen"),
                       f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
    text = "\n".join([
        f"### Run {time.strftime('%Y-%m-%d %H:%M %Z')}: `python bench/planning.py --budget {args.budget:g} "
        f"--demo-budget {args.demo_budget:g}`",
        "",
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, load average before the "
        f"run {load[0]:.1f} / {load[1]:.1f} (1 / 5 min). Objective `cost`; great-circle x 1.3 road km with the speed "
        f"model (no OSRM). Planning time = building the instance + the solve (portfolio of {min(2, os.cpu_count())} "
        f"searches) + evaluating the routes; the baseline's own solves are not included. Peak RSS = this process + "
        f"its largest search worker.",
        "",
        table(generated + demo),
        "",
        *verdicts(generated, demo),
    ])
    print()
    print(text)
    if args.record:
        record(text)


if __name__ == "__main__":
    main()
