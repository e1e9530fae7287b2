#!/usr/bin/env python
"""Web benchmark: requests per second of a page (default the shop, /<coop>/shop/, with 300 offers) against a
trivial Django view on the same gunicorn server, as a ratio, and the page's latency percentiles.

Targets (issue "Weekly order cycle and webshop"): ratio >= 0.4 and p95 of the shop page < 150 ms at 20
concurrent clients, gunicorn with 2 workers on this 2-core machine.

    .venv/bin/python bench/web.py                          # shop page, 300 offers, 20 clients
    .venv/bin/python bench/web.py --path /{coop}/products/ # any page of the bench coop ({coop} is its slug)
    .venv/bin/python bench/web.py --record                 # ... and write the "Web" section of docs/benchmarks.md
    .venv/bin/python bench/web.py --requests 300 --rounds 1  # a quick run

It creates its own database (`bench_korteketen` on the server of DATABASE_URL), migrates it, starts a Redis of
its own (redis-server on a free loopback port, nothing saved to disk; sessions and cached pages live there, and
its CPU is counted with the server's), inserts one coop with a logged-in consumer, an open cycle and --offers
offers, starts gunicorn on 127.0.0.1 (a free port, loopback only) with bench/settings.py (production-like, plus
/bench/trivial/ from bench/urls.py), and drops the database at the end (--keep leaves it). Each run is bounded
by --requests and --max-seconds. The load generator is a closed loop: each of --concurrency threads sends its
next request when the previous answer arrived (a fresh connection per request, as gunicorn's sync workers close
them); its own CPU use is reported too.
"""

import argparse
import os
import platform
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BENCH_DB = "bench_korteketen"
COOP_SLUG = "bench"
TRIVIAL = "/bench/trivial/"


# --- the benchmark's database ------------------------------------------------------------------------------

def _admin_connection(url: str):
    import psycopg

    parts = urlsplit(url)
    return psycopg.connect(host=parts.hostname or None, port=parts.port, user=parts.username,
                           password=parts.password, dbname="postgres", autocommit=True)


def database_create(url: str) -> None:
    with _admin_connection(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')


def database_drop(url: str) -> None:
    with _admin_connection(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')


def django_setup() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["BENCH_DATABASE"] = BENCH_DB
    import django

    django.setup()


# --- data: one coop, an open cycle with N offers, a logged-in consumer -------------------------------------

def build_shop(*, offers: int, producers: int = 15, seed: int = 11) -> str:
    """Insert the bench coop in bulk and return the consumer's session cookie value."""
    import random

    from django.test import Client
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from catalog.allergens import ALLERGEN_CODES, AllergenStatus
    from catalog.models import Category, DepositItem, ProducerPrice, Product, ProductAllergen, ProductDeposit
    from coop.demo.identifiers import fake_enterprise_number, fake_iban
    from coop.models import Cooperative
    from members.models import Membership, Producer, User
    from orders.models import CyclePickupPoint, Offer, OrderCycle, PickupPoint

    rng = random.Random(seed)
    now = timezone.now()
    brussels = ZoneInfo("Europe/Brussels")
    with scopes_disabled():
        coop = Cooperative.objects.create(
            name="Benchcoöperatie", slug=COOP_SLUG, legal_name="Benchcoöperatie CV",
            enterprise_number=fake_enterprise_number(9001), iban=fake_iban(9001),
            contact_email="info@bench.example", postcode="3000", city="Leuven")
        users = User.objects.bulk_create(
            [User(email=f"boer{i}@bench.example", first_name="Boer", last_name=str(i), password="!")
             for i in range(producers)] + [User(email="klant@bench.example", first_name="Klant", password="!")])
        memberships = Membership.objects.bulk_create(
            [Membership(coop=coop, user=u, roles=["producer"]) for u in users[:-1]]
            + [Membership(coop=coop, user=users[-1], roles=["consumer"])])
        farms = Producer.objects.bulk_create(
            [Producer(coop=coop, membership=m, key=f"farm-{i}", farm_name=f"Hoeve {i}", postcode="3210",
                      city="Lubbeek", latitude=Decimal("50.88"), longitude=Decimal("4.84"))
             for i, m in enumerate(memberships[:-1])])
        roots = [Category.objects.create(coop=coop, slug=slug, name_nl=name) for slug, name in
                 [("groenten", "Groenten"), ("fruit", "Fruit"), ("zuivel", "Zuivel"), ("bakkerij", "Bakkerij"),
                  ("dranken", "Dranken")]]
        categories = roots + [Category.objects.create(coop=coop, slug=f"{r.slug}-sub", name_nl=f"{r.name_nl} extra",
                                                      parent=r) for r in roots]
        crate = DepositItem.objects.create(coop=coop, code="krat", kind="crate", name_nl="Krat", value="2.00")
        bottle = DepositItem.objects.create(coop=coop, code="fles", kind="bottle", name_nl="Fles", value="0.20")
        words = ["wortel", "prei", "appel", "peer", "kaas", "brood", "melk", "sap", "tomaat", "ui", "kool",
                 "boter", "yoghurt", "honing", "eieren", "spinazie", "biet", "pompoen", "aardappel", "bier"]
        products = Product.objects.bulk_create([
            Product(coop=coop, producer=farms[i % producers], category=categories[i % len(categories)],
                    sku=f"B-{i:04d}", name_nl=f"{words[i % len(words)].capitalize()} {i:03d}",
                    name_fr=f"Produit {i:03d}", name_en=f"Product {i:03d}",
                    description_nl=f"Vers van de {words[(i * 7) % len(words)]}boerderij.",
                    sell_unit="kg" if i % 5 == 0 else "piece", price_unit="kg" if i % 5 == 0 else "piece",
                    order_step=Decimal("0.5") if i % 5 == 0 else Decimal("1"),
                    min_quantity=Decimal("0.5") if i % 5 == 0 else Decimal("1"),
                    est_weight_kg=Decimal("0.500"), net_content=Decimal("0.750") if i % 7 == 0 else None,
                    net_content_unit="l" if i % 7 == 0 else "", labels=["organic"] if i % 4 == 0 else [],
                    storage=rng.choice(["ambient", "chilled"]), allergens_declared_at=now)
            for i in range(offers)])
        statuses = [AllergenStatus.ABSENT] * 8 + [AllergenStatus.CONTAINS, AllergenStatus.MAY_CONTAIN]
        ProductAllergen.objects.bulk_create(
            [ProductAllergen(coop=coop, product=p, allergen=code, status=rng.choice(statuses))
             for p in products for code in ALLERGEN_CODES], batch_size=5000)
        ProducerPrice.objects.bulk_create(
            [ProducerPrice(coop=coop, product=p, price=Decimal(rng.randint(80, 1200)) / 100,
                           valid_from=datetime(2026, 1, 1, tzinfo=brussels)) for p in products])
        ProductDeposit.objects.bulk_create(
            [ProductDeposit(coop=coop, product=p, item=bottle if i % 7 == 0 else crate, count=1)
             for i, p in enumerate(products) if i % 7 == 0 or i % 11 == 0])
        cycle = OrderCycle.objects.create(coop=coop, name="Benchweek", opens_at=now - timedelta(days=1),
                                          cutoff_at=now + timedelta(days=3),
                                          delivery_date=(now + timedelta(days=5)).date(),
                                          status=OrderCycle.Status.OPEN)
        point = PickupPoint.objects.create(coop=coop, key="punt", name="Afhaalpunt", postcode="3000", city="Leuven")
        CyclePickupPoint.objects.create(coop=coop, cycle=cycle, pickup_point=point, capacity=500,
                                        pickup_from=now + timedelta(days=5),
                                        pickup_until=now + timedelta(days=5, hours=3))
        caps = [None, None, Decimal("4"), Decimal("40"), Decimal("120")]
        Offer.objects.bulk_create([
            Offer(coop=coop, cycle=cycle, product=p, producer_id=p.producer_id, quantity_cap=cap, remaining=cap,
                  price=Decimal("3.10") if i % 13 == 0 else None)
            for i, p in enumerate(products) for cap in [caps[i % len(caps)]]])
        client = Client()
        client.force_login(users[-1])
        return client.cookies["sessionid"].value


# --- the server ---------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn_start(port: int, workers: int) -> subprocess.Popen:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="bench.settings", BENCH_DATABASE=BENCH_DB,
               PYTHONPATH=str(ROOT))
    gunicorn = Path(sys.executable).with_name("gunicorn")
    return subprocess.Popen(
        [str(gunicorn), "coop.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
         "--log-level", "warning", "--timeout", "60"], cwd=ROOT, env=env)


def redis_start() -> subprocess.Popen | None:
    """A Redis of the bench's own, so its CPU is counted with the server's and other work's keys and load on the
    shared Redis stay out (None: no redis-server here, the shared one of REDIS_URL is used and not counted)."""
    binary = shutil.which("redis-server")
    if binary is None:
        return None
    port = free_port()
    redis = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                              "--loglevel", "warning"], stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(64).startswith(b"+PONG"):
                    os.environ["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"  # settings, and gunicorn's environment
                    return redis
        except OSError:
            time.sleep(0.1)
    process_stop(redis)
    raise SystemExit("redis-server did not answer in time")


def process_stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


class ServerCpu:
    """CPU time used by the server side: gunicorn's processes, the PostgreSQL backends of the bench database and
    the bench's own Redis. On a loaded machine the request rates show the share of the CPU the server got; CPU
    per request shows what each request costs, load or not."""

    def __init__(self, server: subprocess.Popen, url: str, redis: subprocess.Popen | None):
        self.server, self.admin, self.redis = server, _admin_connection(url), redis

    def _pids(self) -> set[int]:
        pids = {self.server.pid} | ({self.redis.pid} if self.redis is not None else set())
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == self.server.pid:  # ppid: a worker
                    pids.add(int(stat.parent.name))
            except (OSError, ValueError, IndexError):
                continue
        rows = self.admin.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [BENCH_DB]).fetchall()
        return pids | {row[0] for row in rows}

    def sample(self) -> dict[int, float]:
        ticks = os.sysconf("SC_CLK_TCK")
        found = {}
        for pid in self._pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                found[pid] = (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
            except (OSError, ValueError, IndexError):
                continue
        return found

    @staticmethod
    def used(before: dict[int, float], after: dict[int, float]) -> float:
        """Seconds of CPU between two samples, counting processes present in both."""
        return sum(after[pid] - before[pid] for pid in before.keys() & after.keys())

    def close(self) -> None:
        self.admin.close()


# --- the load generator -------------------------------------------------------------------------------------

def request_bytes(port: int, path: str, cookie: str | None) -> bytes:
    """`cookie`: the Cookie header's value (the session, and the CSRF cookie a browser keeps)."""
    headers = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Accept: text/html", "Accept-Language: nl",
               "Connection: close"]
    if cookie:
        headers.append(f"Cookie: {cookie}")
    return ("\r\n".join(headers) + "\r\n\r\n").encode()


def fetch(port: int, raw: bytes) -> tuple[int, float, bytes]:
    start = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(raw)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    elapsed = time.perf_counter() - start
    body = b"".join(chunks)
    status = int(body.split(b" ", 2)[1]) if body.startswith(b"HTTP/") else 0
    return status, elapsed, body


def wait_until_up(port: int, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn exited during start-up")
        try:
            if fetch(port, request_bytes(port, TRIVIAL, None))[0] == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not answer in time")


def load(port: int, raw: bytes, *, concurrency: int, requests: int, max_seconds: float,
         server_cpu: ServerCpu | None = None) -> dict:
    """Closed loop: `concurrency` clients, at most `requests` requests or `max_seconds` seconds in all."""
    latencies: list[float] = []
    errors: list[int] = []
    lock = threading.Lock()
    budget = [requests]
    deadline = time.perf_counter() + max_seconds

    def client():
        while True:
            with lock:
                if budget[0] <= 0 or time.perf_counter() > deadline:
                    return
                budget[0] -= 1
            try:
                status, elapsed, _ = fetch(port, raw)
            except OSError:
                status, elapsed = 0, 0.0
            with lock:
                (latencies if status == 200 else errors).append(elapsed if status == 200 else status)

    server_before = server_cpu.sample() if server_cpu else {}
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    server_used = ServerCpu.used(server_before, server_cpu.sample()) if server_cpu else 0.0
    client_cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, round(p / 100 * len(latencies)) - 1)] * 1000 if latencies else 0

    return {"requests": len(latencies), "errors": len(errors), "seconds": wall,
            "rps": len(latencies) / wall if wall else 0.0, "p50": pct(50), "p95": pct(95), "p99": pct(99),
            "mean": statistics.fmean(latencies) * 1000 if latencies else 0.0, "client_cpu": client_cpu / wall,
            "server_cpu_ms": server_used / len(latencies) * 1000 if latencies else 0.0}


# --- reporting ----------------------------------------------------------------------------------------------

def machine() -> str:
    load1, load5, _ = os.getloadavg()
    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}, load average before the run {load1:.1f} / {load5:.1f} (1 / 5 min)")


def report(args, path: str, rounds: list[tuple[dict, dict]], page_bytes: int, setup_seconds: float,
           serial: tuple[dict, dict], own_redis: bool) -> str:
    trivial_rps = statistics.median(t["rps"] for t, _ in rounds)
    page_rps = statistics.median(p["rps"] for _, p in rounds)
    best = sorted(rounds, key=lambda r: r[1]["p95"])[len(rounds) // 2][1]  # the median round by p95
    ratio = page_rps / trivial_rps if trivial_rps else 0.0
    ok_ratio, ok_p95 = ratio >= 0.4, best["p95"] < 150
    lines = [
        f"Run {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}: `python bench/web.py --path {args.path} "
        f"--offers {args.offers} --concurrency {args.concurrency} --workers {args.workers} "
        f"--requests {args.requests} --rounds {args.rounds}{' --anonymous' if args.anonymous else ''}"
        f"{' --no-page-cache' if args.no_page_cache else ''}`",
        f"on {machine()}; gunicorn (sync) with {args.workers} workers on 127.0.0.1, bench/settings.py "
        f"(DEBUG off, cached templates), {'an anonymous visitor' if args.anonymous else 'a logged-in consumer'}, "
        f"page `{path}` ({page_bytes // 1024} KiB of HTML), setup {setup_seconds:.0f} s.",
        "",
        "| round | trivial view req/s | page req/s | ratio | page p50 ms | page p95 ms | page p99 ms | errors "
        "| server CPU ms/req trivial | page |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for n, (t, p) in enumerate(rounds, start=1):
        lines.append(f"| {n} | {t['rps']:.0f} | {p['rps']:.1f} | {p['rps'] / t['rps']:.3f} | {p['p50']:.0f} | "
                     f"{p['p95']:.0f} | {p['p99']:.0f} | {t['errors'] + p['errors']} | {t['server_cpu_ms']:.2f} | "
                     f"{p['server_cpu_ms']:.2f} |")
    cpu_trivial = statistics.median(t["server_cpu_ms"] for t, _ in rounds)
    cpu_page = statistics.median(p["server_cpu_ms"] for _, p in rounds)
    lines += [
        "",
        f"- **ratio (median req/s of the page / of the trivial view): {ratio:.3f}** — target >= 0.4: "
        f"{'met' if ok_ratio else 'NOT met'}",
        f"- **p95 of the page at {args.concurrency} concurrent clients: {best['p95']:.0f} ms** — target < 150 ms: "
        f"{'met' if ok_p95 else 'NOT met'}",
        f"- server CPU per request (gunicorn, its PostgreSQL backends"
        f"{' and its own Redis' if own_redis else '; the shared Redis is not counted'}, median): trivial view "
        f"{cpu_trivial:.2f} ms, page {cpu_page:.2f} ms — **CPU ratio {cpu_trivial / cpu_page if cpu_page else 0:.2f}**,"
        f" the rate ratio a server that has the cores to itself would reach when both are CPU-bound.",
        f"- one client alone (no queueing): trivial view p50 {serial[0]['p50']:.1f} ms, page p50 "
        f"{serial[1]['p50']:.0f} ms / p95 {serial[1]['p95']:.0f} ms; with {args.workers} workers and "
        f"{args.concurrency} clients a request waits behind about {args.concurrency / args.workers - 1:.0f} others "
        f"per worker, so p95 < 150 ms needs roughly {150 / (args.concurrency / args.workers):.0f} ms or less per page.",
        f"- the load generator itself used {statistics.fmean(p['client_cpu'] for _, p in rounds):.0%} of a core "
        f"during the page runs and {statistics.fmean(t['client_cpu'] for t, _ in rounds):.0%} during the trivial "
        f"runs (same machine, so the trivial view's rate is a lower bound).",
    ]
    return "\n".join(lines)


def record(text: str) -> None:
    """Replace (or append) the "## Web" section of docs/benchmarks.md; other sections stay as they are."""
    doc = ROOT / "docs" / "benchmarks.md"
    current = doc.read_text(encoding="utf-8") if doc.exists() else "# Benchmarks\n"
    section = ("## Web\n\nShop page versus a trivial Django view on the same server (`bench/web.py`; "
               "targets: ratio >= 0.4, p95 < 150 ms at 20 concurrent clients).\n\n" + text + "\n")
    match = re.search(r"^## Web\n.*?(?=^## |\Z)", current, flags=re.M | re.S)
    if match:
        current = current[:match.start()] + section + ("\n" if current[match.end():] else "") + current[match.end():]
    else:
        current = current.rstrip("\n") + "\n\n" + section
    doc.write_text(current, encoding="utf-8")


# --- main ---------------------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--path", default="/{coop}/shop/", help="page to measure; {coop} is the bench coop's slug")
    parser.add_argument("--offers", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--requests", type=int, default=1500, help="requests per run (each view, each round)")
    parser.add_argument("--max-seconds", type=float, default=40, help="upper bound of each run")
    parser.add_argument("--rounds", type=int, default=3, help="alternating trivial/page runs; medians reported")
    parser.add_argument("--anonymous", action="store_true", help="measure as a visitor without a login")
    parser.add_argument("--no-page-cache", action="store_true",
                        help="the shop page rendered on every request (SHOP_PAGE_CACHE off; the listing stays cached)")
    parser.add_argument("--record", action="store_true", help="write the result to docs/benchmarks.md")
    parser.add_argument("--keep", action="store_true", help="leave the database bench_korteketen in place")
    args = parser.parse_args()

    started = time.perf_counter()
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    redis = redis_start()  # before the settings are read: they take REDIS_URL from the environment
    if args.no_page_cache:
        os.environ["SHOP_PAGE_CACHE"] = "0"  # gunicorn's environment
    from coop.settings.base import DATABASES

    db = DATABASES["default"]  # the server of DATABASE_URL (or the default local one)
    auth = quote(db.get("USER") or "") + (f":{quote(str(db['PASSWORD']))}" if db.get("PASSWORD") else "")
    url = f"postgres://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{BENCH_DB}"
    print(f"creating database {BENCH_DB} ...", flush=True)
    try:
        database_create(url)
    except BaseException:
        if redis is not None:
            process_stop(redis)
        raise
    server = server_cpu = None
    try:
        django_setup()
        from django.core.management import call_command
        from django.db import connections

        call_command("migrate", verbosity=0)
        print(f"inserting a coop with {args.offers} offers ...", flush=True)
        cookie = build_shop(offers=args.offers)
        # Bulk inserts leave no planner statistics (autovacuum gathers them within a minute on a live server);
        # without them PostgreSQL plans the shop's queries for one row per table, 40x slower.
        with connections["default"].cursor() as cursor:
            cursor.execute("ANALYZE")
        cookie = None if args.anonymous else f"sessionid={cookie}"
        connections.close_all()
        setup_seconds = time.perf_counter() - started

        port = free_port()
        server = gunicorn_start(port, args.workers)
        wait_until_up(port, server)
        server_cpu = ServerCpu(server, url, redis)
        path = args.path.format(coop=COOP_SLUG)
        page = request_bytes(port, path, cookie)
        status, _, body = fetch(port, page)
        if status != 200:
            raise SystemExit(f"{path} answered {status}; nothing measured")
        # A browser keeps the CSRF cookie of its first page and sends it along (else every page makes a new one).
        if found := re.search(rb"Set-Cookie: csrftoken=([^;\r\n]+)", body, flags=re.I):
            cookie = "; ".join(filter(None, [cookie, f"csrftoken={found.group(1).decode()}"]))
            page = request_bytes(port, path, cookie)
        trivial = request_bytes(port, TRIVIAL, cookie)
        print(f"warming up {path} and {TRIVIAL} ...", flush=True)
        for raw in (trivial, page):
            load(port, raw, concurrency=args.concurrency, requests=4 * args.concurrency, max_seconds=20)
        rounds = []
        for n in range(args.rounds):
            t = load(port, trivial, concurrency=args.concurrency, requests=args.requests, max_seconds=args.max_seconds,
                     server_cpu=server_cpu)
            p = load(port, page, concurrency=args.concurrency, requests=args.requests, max_seconds=args.max_seconds,
                     server_cpu=server_cpu)
            print(f"round {n + 1}: trivial {t['rps']:.0f} req/s, page {p['rps']:.1f} req/s, page p95 {p['p95']:.0f} ms"
                  f" ({p['requests']} page requests, {t['errors'] + p['errors']} errors); server CPU per request "
                  f"{t['server_cpu_ms']:.2f} / {p['server_cpu_ms']:.2f} ms", flush=True)
            rounds.append((t, p))
        # One client alone: the time the server needs per request, without waiting behind others.
        serial = (load(port, trivial, concurrency=1, requests=100, max_seconds=20),
                  load(port, page, concurrency=1, requests=40, max_seconds=30))
        text = report(args, path, rounds, len(body), setup_seconds, serial, own_redis=redis is not None)
        print("\n" + text)
        if args.record:
            record(text)
            print("\nwritten to docs/benchmarks.md (section \"Web\")")
    finally:
        if server_cpu is not None:
            server_cpu.close()
        if server is not None:
            process_stop(server)
        if redis is not None:
            process_stop(redis)
        if not args.keep:
            try:
                from django.db import connections

                connections.close_all()
            except Exception:  # Django may not be set up when the setup failed early
                pass
            database_drop(url)


if __name__ == "__main__":
    main()
