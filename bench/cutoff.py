#!/usr/bin/env python
"""Cut-off benchmark: close a cycle of 5,000 orders / 40,000 lines, then render all its PDFs with a real
`celery worker -Q documents -c 2`, measuring the time and each worker process's peak memory (RSS).

Targets (issue "Cut-off and hub operations"): close < 60 s, all PDFs < 10 min with 2 worker processes,
peak RSS per worker < 1 GB.

    .venv/bin/python bench/cutoff.py                 # full size, prints the results
    .venv/bin/python bench/cutoff.py --record        # ... and writes the "Cut-off" section of docs/benchmarks.md
    .venv/bin/python bench/cutoff.py --orders 500 --lines 4000   # a quick run

It creates its own database (`bench_cutoff` on the server of DATABASE_URL), its own media directory and Redis
key prefix, and drops/removes them at the end (--keep leaves the database for a look). Data goes in with bulk
inserts; the close and the rendering run the production code (cycle_close, the render_document task).
"""

import argparse
import contextlib
import os
import platform
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BENCH_DB = "bench_cutoff"
CENT = Decimal("0.01")
MILLI = Decimal("0.001")


# --- the database of the benchmark --------------------------------------------------------------------------

def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def _admin_connection(url: str):
    import psycopg

    parts = urlsplit(url)
    return psycopg.connect(
        host=parts.hostname or None, port=parts.port, user=parts.username, password=parts.password,
        dbname="postgres", autocommit=True)


def database_create(url: str) -> None:
    with _admin_connection(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')


def database_drop(url: str) -> None:
    with _admin_connection(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')


# --- data: bulk inserts, shaped like a busy regional coop ----------------------------------------------------

def build_cycle(*, orders: int, lines: int, producers: int, products: int, pickup_points: int, seed: int = 7):
    """A coop with one open cycle past its cut-off holding `orders` placed orders with `lines` lines in total."""
    from django.utils import timezone

    from catalog.models import Category, DepositItem, Product, ProductDeposit
    from coop.demo.identifiers import fake_enterprise_number, fake_iban
    from coop.models import Cooperative
    from members.models import BusinessAccount, Membership, Producer, User
    from orders.models import CyclePickupPoint, DeliveryZone, Offer, Order, OrderCycle, OrderLine, PickupPoint

    rng = random.Random(seed)
    now = timezone.now()
    coop = Cooperative.objects.create(
        name="Bench Coop", slug="bench", legal_name="Bench Coop CV", enterprise_number=fake_enterprise_number(9),
        iban=fake_iban(9), contact_email="info@bench.example", postcode="3000", city="Leuven")
    users = User.objects.bulk_create(
        [User(email=f"boer{i}@bench.example", first_name="Boer", last_name=f"{i}", password="!") for i in
         range(producers)]
        + [User(email=f"klant{i}@bench.example", first_name=rng.choice(["An", "Bram", "Chloé", "Dries", "Eline",
                                                                         "Fien", "Hanne", "Jonas", "Lotte"]),
                last_name=f"Klant{i}", password="!", language=rng.choice(["nl"] * 6 + ["fr"]))
           for i in range(orders)], batch_size=2000)
    farm_users, customer_users = users[:producers], users[producers:]
    memberships = Membership.objects.bulk_create(
        [Membership(coop=coop, user=u, roles=["producer"]) for u in farm_users]
        + [Membership(coop=coop, user=u, roles=["consumer"]) for u in customer_users], batch_size=2000)
    farm_members, customers = memberships[:producers], memberships[producers:]
    farms = Producer.objects.bulk_create([
        Producer(coop=coop, membership=m, key=f"farm-{i}", farm_name=f"Hoeve {i:02d}", postcode="3200",
                 city="Aarschot", delivery_days=[rng.choice(["wed", "thu"])],
                 delivery_earliest="13:00", delivery_latest="18:00",
                 delivery_mode=rng.choice(["brings_to_hub", "brings_to_hub", "collected"]))
        for i, m in enumerate(farm_members)])
    category = Category.objects.create(coop=coop, slug="alles", name_nl="Alles")
    DepositItem.objects.create(coop=coop, code="veg_crate", kind="crate", name_nl="Krat", value="3.00")
    bottle = DepositItem.objects.create(coop=coop, code="bottle", kind="bottle", name_nl="Fles", value="0.20")
    kinds = [  # (sell unit, price unit, weighed, est. kg, storage, price range)
        ("piece", "piece", False, "0.500", "ambient", (1, 4)), ("kg", "kg", False, "1.000", "ambient", (2, 6)),
        ("bunch", "bunch", False, "0.300", "ambient", (1, 3)), ("bottle", "bottle", False, "1.100", "ambient",
                                                                (2, 5)),
        ("piece", "kg", True, "0.400", "chilled", (12, 30)), ("jar", "jar", False, "0.500", "chilled", (3, 7)),
        ("pack", "pack", False, "0.500", "frozen", (5, 12)), ("dozen", "dozen", False, "0.700", "chilled", (3, 5)),
    ]
    weights = [30, 14, 8, 6, 12, 12, 6, 12]
    catalogue = []
    for i in range(products):
        sell, price_unit, weighed, kg, storage, (low, high) = rng.choices(kinds, weights)[0]
        catalogue.append(Product(
            coop=coop, producer=farms[i % producers], sku=f"B-{i}", name_nl=f"Product {i:03d} ({sell})",
            category=category, sell_unit=sell, price_unit=price_unit, is_weighed=weighed, est_weight_kg=Decimal(kg),
            storage=storage, allergens_declared_at=now))
        catalogue[-1].bench_price = Decimal(rng.uniform(low, high)).quantize(CENT)
    prices = [p.bench_price for p in catalogue]
    catalogue = Product.objects.bulk_create(catalogue, batch_size=1000)
    ProductDeposit.objects.bulk_create([ProductDeposit(coop=coop, product=p, item=bottle, count=1)
                                        for p in catalogue if p.sell_unit == "bottle"])
    cycle = OrderCycle.objects.create(coop=coop, name="Bench week", opens_at=now - timedelta(days=3),
                                      cutoff_at=now - timedelta(minutes=1), delivery_date=(now + timedelta(days=2))
                                      .date(), status=OrderCycle.Status.OPEN)
    offers = Offer.objects.bulk_create([Offer(coop=coop, cycle=cycle, product=p, producer_id=p.producer_id)
                                        for p in catalogue])
    points = PickupPoint.objects.bulk_create([
        PickupPoint(coop=coop, key=f"pp-{i}", name=f"Afhaalpunt {i:02d}", postcode=f"3{i:03d}", city=f"Gemeente {i}",
                    capacity_orders=1000) for i in range(pickup_points)])
    slots = CyclePickupPoint.objects.bulk_create([
        CyclePickupPoint(coop=coop, cycle=cycle, pickup_point=p, capacity=orders, orders_count=0,
                         pickup_from=now + timedelta(days=2), pickup_until=now + timedelta(days=2, hours=3))
        for p in points])
    zones = [DeliveryZone.objects.create(coop=coop, name=f"Thuislevering {n}", postcodes=[f"32{n}0"], fee="4.50",
                                         window_from="16:00", window_until="20:00") for n in range(3)]
    kitchens = BusinessAccount.objects.bulk_create([BusinessAccount(coop=coop, key=f"k-{i}", name=f"Keuken {i}")
                                                    for i in range(20)])

    counts = _line_counts(rng, orders, lines, len(offers))
    popularity = [1 / (rank + 1) ** 0.6 for rank in range(len(offers))]  # some products sell much more
    order_rows, line_rows = [], []
    for n, customer in enumerate(customers):
        draw = rng.random()
        if draw < 0.80:
            where = {"fulfilment": "pickup", "pickup": rng.choice(slots)}
        elif draw < 0.97:
            zone = rng.choice(zones)
            where = {"fulfilment": "delivery", "delivery_zone": zone, "delivery_street": "Dorpsstraat 1",
                     "delivery_postcode": zone.postcodes[0], "delivery_city": "Leuven"}
        else:
            where = {"fulfilment": "business", "business_account": rng.choice(kitchens), "prices_include_vat": False}
        order_rows.append(Order(coop=coop, cycle=cycle, customer=customer, number=f"B-{n + 1:06d}",
                                payment_reference=f"{n + 1:012d}", language=customer.user.language or "nl",
                                **where))
    order_rows = Order.objects.bulk_create(order_rows, batch_size=2000)
    for order, count in zip(order_rows, counts, strict=True):
        chosen = set()
        while len(chosen) < count:
            chosen.add(rng.choices(range(len(offers)), popularity)[0])
        for index in sorted(chosen):
            product, price = catalogue[index], prices[index]
            quantity = Decimal(rng.choice([1, 1, 1, 2, 2, 3]))
            billed = (quantity * product.est_weight_kg).quantize(MILLI) if product.is_weighed else quantity
            unit_net = (price * Decimal("1.25")).quantize(CENT, ROUND_HALF_UP)
            unit_gross = (unit_net * Decimal("1.06")).quantize(CENT, ROUND_HALF_UP)
            line_rows.append(OrderLine(
                coop=coop, order=order, offer=offers[index], product=product, product_name=product.name_nl,
                quantity=quantity, sell_unit=product.sell_unit, price_unit=product.price_unit,
                is_weighed=product.is_weighed, billed_quantity=billed, producer_price=price, margin_percent=25,
                unit_net=unit_net, unit_gross=unit_gross, vat_percent=6,
                line_amount=(billed * unit_gross).quantize(CENT, ROUND_HALF_UP)))
    OrderLine.objects.bulk_create(line_rows, batch_size=5000)
    return coop, cycle


def _line_counts(rng: random.Random, orders: int, lines: int, products: int) -> list[int]:
    """Lines per order between 1 and 20, averaging lines/orders, adding up exactly."""
    mean = lines / orders
    counts = [max(1, min(20, round(rng.gauss(mean, mean / 3)))) for _ in range(orders)]
    step = 1 if sum(counts) < lines else -1
    while sum(counts) != lines:
        i = rng.randrange(orders)
        if 1 <= counts[i] + step <= min(20, products):
            counts[i] += step
    return counts


# --- the rendering worker ----------------------------------------------------------------------------------

def start_worker(env: dict, concurrency: int) -> subprocess.Popen:
    from coop.celery import app

    hostname = f"bench-cutoff-{os.getpid()}"
    log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - lives as long as the worker; a file, not a pipe
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "coop", "worker", "-Q", "documents", "-c", str(concurrency),
         "-P", "prefork", "--without-gossip", "--without-mingle", "-n", f"{hostname}@%h", "--loglevel=WARNING"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            raise RuntimeError("the worker exited:\n" + log.read())
        if any(hostname in name for reply in app.control.ping(timeout=0.5) for name in reply):
            return proc
    proc.kill()
    raise RuntimeError("the worker did not answer within 120 s")


def render_all(coop, cycle, *, env: dict, concurrency: int, timeout: float) -> dict:
    import psutil
    from django.db import connection
    from django_scopes import scopes_disabled

    from logistics.models import CycleDocument
    from logistics.tasks import render_document

    with scopes_disabled():
        documents = list(CycleDocument.objects.filter(cycle=cycle).values_list("pk", "kind"))
    proc = start_worker(env, concurrency)
    peaks: dict[int, int] = {}
    cpu: dict[int, float] = {}  # seconds of CPU per pool process (cumulative, last seen)
    loads: list[float] = []
    parent = psutil.Process(proc.pid)
    try:
        started = time.monotonic()
        for document_id, _kind in documents:
            render_document.apply_async(args=(coop.pk, document_id))
        done, last_check = 0, 0.0
        while True:
            for child in parent.children(recursive=True):
                with contextlib.suppress(psutil.NoSuchProcess):
                    peaks[child.pid] = max(peaks.get(child.pid, 0), child.memory_info().rss)
                    times = child.cpu_times()
                    cpu[child.pid] = times.user + times.system
            now = time.monotonic()
            if now - last_check > 2:
                last_check = now
                loads.append(os.getloadavg()[0])
                with scopes_disabled():
                    done = CycleDocument.objects.filter(cycle=cycle).exclude(status="pending").count()
                connection.close()
                if done == len(documents):
                    break
                if now - started > timeout:
                    raise RuntimeError(f"only {done} of {len(documents)} documents after {timeout:.0f} s")
            time.sleep(0.2)
        elapsed = time.monotonic() - started
        parent_rss = parent.memory_info().rss
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
    with scopes_disabled():
        statuses = Counter(CycleDocument.objects.filter(cycle=cycle).values_list("status", flat=True))
        per_kind = Counter(kind for _pk, kind in documents)
        sizes = sum(d.file.size for d in CycleDocument.objects.filter(cycle=cycle, status="ready"))
    return {"seconds": elapsed, "documents": len(documents), "statuses": dict(statuses), "per_kind": dict(per_kind),
            "peak_rss": sorted(peaks.values(), reverse=True)[:concurrency], "parent_rss": parent_rss,
            "bytes": sizes, "cpu_seconds": sum(cpu.values()), "load": sum(loads) / max(1, len(loads))}


# --- the run -----------------------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument("--lines", type=int, default=40000)
    parser.add_argument("--producers", type=int, default=60)
    parser.add_argument("--products", type=int, default=300)
    parser.add_argument("--pickup-points", type=int, default=25)
    parser.add_argument("--workers", type=int, default=2, help="worker processes (celery -c)")
    parser.add_argument("--timeout", type=float, default=3600, help="give up rendering after this many seconds")
    parser.add_argument("--skip-render", action="store_true")
    parser.add_argument("--record", action="store_true", help='write the "Cut-off" section of docs/benchmarks.md')
    parser.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
    args = parser.parse_args()

    base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/korteketen")
    media = tempfile.mkdtemp(prefix="bench-cutoff-media-")
    env = {**os.environ, "DATABASE_URL": _with_database(base_url, BENCH_DB), "MEDIA_ROOT": media,
           "DJANGO_SETTINGS_MODULE": "coop.settings.test", "TEST_CELERY_KEYPREFIX": f"kkbench-{os.getpid()}-",
           "CONN_MAX_AGE": "0"}
    os.environ.update(env)
    # `kill` (SIGTERM) still cleans up: the worker, the database and the media directory
    signal.signal(signal.SIGTERM, lambda *_args: sys.exit(143))
    database_create(base_url)
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection
        from django.test.utils import CaptureQueriesContext
        from django_scopes import scope, scopes_disabled

        from logistics.services.closing import cycle_close

        call_command("migrate", verbosity=0)
        started = time.monotonic()
        with scopes_disabled():
            coop, cycle = build_cycle(orders=args.orders, lines=args.lines, producers=args.producers,
                                      products=args.products, pickup_points=args.pickup_points)
        print(f"data: {args.orders} orders, {args.lines} lines in {time.monotonic() - started:.1f} s", flush=True)
        # First on tables without planner statistics (as right after a bulk load), rolled back; then as on a
        # live database, where autovacuum has analysed the week's orders long before the cut-off.
        with scope(coop=coop):
            cold_seconds = _timed_close_rolled_back(cycle.pk)
        print(f"close without statistics (rolled back): {cold_seconds:.1f} s", flush=True)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        with scope(coop=coop), CaptureQueriesContext(connection) as queries:
            started = time.monotonic()
            result = cycle_close(cycle_id=cycle.pk)
            close_seconds = time.monotonic() - started
        print(f"close: {close_seconds:.1f} s, {len(queries)} queries, {result}", flush=True)
        rendering = None
        if not args.skip_render:
            rendering = render_all(coop, cycle, env=env, concurrency=args.workers, timeout=args.timeout)
            print(f"render: {rendering}", flush=True)
        report = markdown(args, cold_seconds, close_seconds, len(queries), result, rendering)
        print(report)
        if args.record:
            record(report)
    finally:
        from django.db import connections

        connections.close_all()
        _purge_queues()
        if not args.keep:
            database_drop(base_url)
        shutil.rmtree(media, ignore_errors=True)
    return 0


class _RollBack(Exception):
    pass


def _timed_close_rolled_back(cycle_id: int) -> float:
    from django.db import transaction

    from logistics.services.closing import cycle_close

    started = time.monotonic()
    try:
        with transaction.atomic():
            cycle_close(cycle_id=cycle_id)
            elapsed = time.monotonic() - started
            raise _RollBack
    except _RollBack:
        return elapsed


def _purge_queues() -> None:
    """The purchase order e-mails queued by the rendering go to the default queue, which nobody serves here."""
    from coop.celery import app

    with contextlib.suppress(Exception), app.connection_for_write() as conn:  # best effort
        for queue in ("default", "documents"):
            conn.default_channel.queue_purge(queue)


def markdown(args, cold_seconds, close_seconds, queries, result, rendering) -> str:
    import psutil

    machine = (f"{platform.processor() or platform.machine()}, {psutil.cpu_count()} CPUs, "
               f"{psutil.virtual_memory().total / 2**30:.1f} GB RAM, load {os.getloadavg()[0]:.1f} at the end")
    rows = [
        "## Cut-off",
        "",
        f"`bench/cutoff.py` ({time.strftime('%Y-%m-%d')}; {machine}): one cycle, {args.orders:,} orders, "
        f"{args.lines:,} lines, {args.producers} producers, {args.products} products, {args.pickup_points} pickup "
        "points (+3 home-delivery zones, 20 kitchens); bulk-inserted into its own database `bench_cutoff`.",
        "",
        "| step | measured | target |",
        "| --- | --- | --- |",
        f"| `cycle_close` (purchase orders, packing data, crates out, document list) | {close_seconds:.1f} s, "
        f"{queries} queries; {result.purchase_orders} purchase orders, {result.orders:,} packings, "
        f"{result.documents:,} documents | < 60 s |",
        f"| the same right after the bulk load, before any ANALYZE (rolled back) | {cold_seconds:.1f} s | < 60 s |",
    ]
    if rendering:
        kinds = ", ".join(f"{n:,} {kind}" for kind, n in sorted(rendering["per_kind"].items()))
        peaks = " / ".join(f"{rss / 2**20:.0f} MB" for rss in rendering["peak_rss"])
        rows += [
            f"| all PDFs with `celery worker -Q documents -c {args.workers}` ({kinds}) | "
            f"{rendering['seconds']:.0f} s ({rendering['documents'] / rendering['seconds']:.1f} documents/s, "
            f"{rendering['bytes'] / 2**20:.0f} MB of PDF; {rendering['statuses']}) | < 600 s |",
            f"| CPU time of the worker processes (machine load average {rendering['load']:.1f} during the run) | "
            f"{rendering['cpu_seconds']:.0f} s, i.e. {rendering['cpu_seconds'] / args.workers:.0f} s of wall time for "
            f"{args.workers} processes with a core each | < 600 s |",
            f"| peak RSS per worker process | {peaks} (the pool's parent: {rendering['parent_rss'] / 2**20:.0f} MB)"
            " | < 1 GB |",
        ]
    return "\n".join(rows) + "\n"


def record(report: str) -> None:
    """Replace the measured part of the "## Cut-off" section of docs/benchmarks.md (or append the section).

    Hand-written notes under a "### " heading inside the section are kept; other sections are not touched.
    """
    path = ROOT / "docs" / "benchmarks.md"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    start = text.find("\n## Cut-off\n")
    if start == -1:
        path.write_text(text.rstrip("\n") + "\n\n" + report, encoding="utf-8")
        return
    next_section = text.find("\n## ", start + 1)
    end = next_section + 1 if next_section != -1 else len(text)
    section = text[start + 1:end]
    notes = section.find("\n### ")
    kept = "\n" + section[notes + 1:] if notes != -1 else ("\n" if next_section != -1 else "")
    path.write_text(text[:start + 1] + report + kept + text[end:], encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
