"""Closing a cycle at the cut-off, exactly once (DESIGN.md sections 1.3 and 5).

Phase 1 moves open -> closing under a row lock, which waits for orders being placed (they hold FOR SHARE)
and stops new ones at once. Phase 2 builds purchase orders, packing data, the crates going out and the
list of documents, and moves closing -> closed, all in ONE transaction: a worker killed in the middle leaves
"closing" and nothing else, and the retry (acks_late, or the beat scan: cycles_due_for_closing) builds it
all again. Unique constraints on every generated row make a duplicate impossible even if two workers get
this far. The Job of a close started by hand is recorded on the cycle, and the transaction that closes the
cycle also finishes that Job, whichever worker (or beat scan) gets there.
"""

import math
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import DepositItem, Product, ProductDeposit
from coop.models import Job
from coop.services import job_fail, job_succeed
from logistics.models import CycleDocument, DepositMovement, OrderPacking, PurchaseOrder, PurchaseOrderLine
from members.models import Producer
from orders.models import Order, OrderCycle, OrderLine
from orders.services.cycles import local_datetime

CRATE_KG = Decimal("12")  # what one 60 x 40 crate holds, for counting crates per storage class
PACKING_CRATE_CODE = "veg_crate"  # the coop's reusable crate, lent with every packed crate
RESPOND_WITHIN = timedelta(hours=14)  # producers confirm by the next morning
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


@dataclass(frozen=True)
class CloseResult:
    cycle_id: int
    already_closed: bool
    purchase_orders: int
    orders: int
    documents: int

    def summary(self) -> dict:
        """What a close's Job reports as its result."""
        return {"cycle": self.cycle_id, "purchase_orders": self.purchase_orders, "orders": self.orders,
                "documents": self.documents, "already_closed": self.already_closed}


def _progress(report, value: int, message: str) -> None:
    if report:
        report(value, message)


def cycle_start_closing(*, cycle_id: int, job_id: int | None = None) -> str:
    """open -> closing (waits for orders in flight); returns the state found or reached.

    With a job_id (a close started by hand) the Job is recorded on the cycle unless another unfinished one
    already is: that one's task may have died, and this task finishes its own Job anyway.
    """
    with transaction.atomic():
        cycle = OrderCycle.objects.select_for_update().get(pk=cycle_id)
        fields = []
        if cycle.status == OrderCycle.Status.OPEN:
            cycle.status = OrderCycle.Status.CLOSING
            fields.append("status")
        elif cycle.status not in (OrderCycle.Status.CLOSING, OrderCycle.Status.CLOSED):
            raise ValidationError(_("Only an open cycle can be closed (this one is %(status)s).")
                                  % {"status": cycle.get_status_display()})
        if (job_id and cycle.status == OrderCycle.Status.CLOSING and cycle.close_job_id != job_id
                and not _is_unfinished(cycle.close_job_id)):
            cycle.close_job_id = job_id
            fields.append("close_job")
        if fields:
            cycle.save(update_fields=fields)
        return cycle.status


def cycle_close(*, cycle_id: int, job_id: int | None = None, report=None) -> CloseResult:
    """Close a cycle. Safe to run twice, concurrently, or again after a crash: one set of results.

    job_id is this run's own Job (if any): succeeded or failed here, as is the Job recorded on the cycle.
    """
    try:
        result = _close(cycle_id, job_id, report)
    except Exception as exc:
        # the close rolled back: the cycle stays "closing" (or was never closable); say so in both Jobs
        recorded = OrderCycle.objects.filter(pk=cycle_id).values_list("close_job_id", flat=True).first()
        for failed in {job_id, recorded} - {None}:
            job_fail(job_id=failed, message=str(exc))
        raise
    if job_id:
        _job_succeed_once(job_id, result)
    return result


def _is_unfinished(job_id: int | None) -> bool:
    return bool(job_id) and Job.objects.filter(pk=job_id).exclude(
        status__in=[Job.Status.SUCCEEDED, Job.Status.FAILED]).exists()


def _job_succeed_once(job_id: int, result: CloseResult) -> None:
    """Idempotent: a Job that already succeeded keeps its result and finishing time."""
    if not Job.objects.filter(pk=job_id, status=Job.Status.SUCCEEDED).exists():
        job_succeed(job_id=job_id, result=result.summary(), message="")


def _close(cycle_id: int, job_id: int | None, report) -> CloseResult:
    if cycle_start_closing(cycle_id=cycle_id, job_id=job_id) == OrderCycle.Status.CLOSED:
        return _result(cycle_id, already_closed=True)
    _progress(report, 10, _("Orders frozen"))
    with transaction.atomic():
        with connection.cursor() as cursor:
            # The row lock below is how the beat scan tells a live close from a dead one. A worker killed on
            # this host drops it at once (its socket closes); one on a host that vanished would keep it until
            # TCP gives up, so a transaction left idle that long is ended (phase 2 never waits between queries).
            cursor.execute("SET LOCAL idle_in_transaction_session_timeout = '5min'")
        cycle = OrderCycle.objects.select_for_update().get(pk=cycle_id)
        if cycle.status == OrderCycle.Status.CLOSED:  # another worker finished while we waited for the lock
            return _result(cycle_id, already_closed=True)
        cycle_build_documents(cycle, report=report)
        cycle.status, cycle.closed_at = OrderCycle.Status.CLOSED, timezone.now()
        cycle.save(update_fields=["status", "closed_at"])
        result = _result(cycle_id, already_closed=False)
        if cycle.close_job_id:  # in this transaction: the Job succeeds if and only if the cycle closed
            _job_succeed_once(cycle.close_job_id, result)
    return result


def cycle_build_documents(cycle: OrderCycle, *, report=None) -> None:
    """Phase 2 without the state change: purchase orders, packing data, crates out and the document list.

    cycle_close calls it inside its transaction with the cycle row locked. It is also used on its own for a
    cycle that is already closed but has nothing built (the demo's past cycles are created closed); every
    builder skips what exists (unique constraints + ignore_conflicts), so calling it again adds nothing.
    """
    _build_purchase_orders(cycle)
    _progress(report, 40, _("Purchase orders ready"))
    _pause_for_fault_injection()
    _build_packing(cycle)
    _progress(report, 60, _("Packing data ready"))
    _book_deposits_out(cycle)
    _register_documents(cycle)
    _progress(report, 80, _("Documents listed"))


def _pause_for_fault_injection() -> None:
    """Tests kill a worker here to prove a crash mid-close leaves nothing half-written (0 in production)."""
    seconds = getattr(settings, "CUTOFF_FAULT_PAUSE_SECONDS", 0)
    if seconds:
        time.sleep(seconds)


def _result(cycle_id: int, *, already_closed: bool) -> CloseResult:
    return CloseResult(
        cycle_id=cycle_id, already_closed=already_closed,
        purchase_orders=PurchaseOrder.objects.filter(cycle_id=cycle_id).count(),
        orders=OrderPacking.objects.filter(cycle_id=cycle_id).count(),
        documents=CycleDocument.objects.filter(cycle_id=cycle_id).count(),
    )


def _placed_lines(cycle: OrderCycle):
    # no ORDER BY (the model orders by name): 40,000 lines need no sort to be summed or grouped
    return OrderLine.objects.filter(order__cycle=cycle, order__status=Order.Status.PLACED).order_by()


def _producer_slot(producer: Producer, cycle: OrderCycle) -> tuple[datetime | None, datetime | None]:
    """The producer's own day and hours to bring (or be collected) on or before the delivery day."""
    if not producer.delivery_days or not producer.delivery_earliest or not producer.delivery_latest:
        return None, None
    delivery = cycle.delivery_date
    days_back = min((delivery.weekday() - WEEKDAYS.index(day)) % 7 for day in producer.delivery_days)
    day = delivery - timedelta(days=days_back)
    return local_datetime(day, producer.delivery_earliest), local_datetime(day, producer.delivery_latest)


def _build_purchase_orders(cycle: OrderCycle) -> None:
    rows = (_placed_lines(cycle).values("offer__producer_id", "product_id")
            .annotate(quantity=Sum("quantity"), kg=Sum("billed_quantity"), orders=Count("order_id", distinct=True),
                      producer_price=Max("producer_price")))
    by_producer: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        by_producer[row["offer__producer_id"]].append(row)
    producers = Producer.objects.in_bulk(list(by_producer))
    products = Product.objects.in_bulk([r["product_id"] for rs in by_producer.values() for r in rs])
    respond_before = cycle.cutoff_at + RESPOND_WITHIN
    lines = []
    for producer_id, rows_of_producer in sorted(by_producer.items()):
        producer = producers[producer_id]
        slot_from, slot_until = _producer_slot(producer, cycle)
        po, _created = PurchaseOrder.objects.get_or_create(
            cycle=cycle, producer=producer,
            defaults={"coop": cycle.coop, "number": f"IB-{cycle.delivery_date:%y%m%d}-{producer_id}",
                      "delivery_mode": producer.delivery_mode, "slot_from": slot_from, "slot_until": slot_until,
                      "respond_before": respond_before},
        )
        total = Decimal("0.00")
        for row in rows_of_producer:
            product = products[row["product_id"]]
            kg = row["kg"] if product.is_weighed else row["quantity"] * product.est_weight_kg
            total += (row["kg"] if product.is_weighed else row["quantity"]) * row["producer_price"]
            lines.append(PurchaseOrderLine(
                coop=cycle.coop, purchase_order=po, product=product, product_name=product.name_nl,
                sell_unit=product.sell_unit, storage=product.storage, quantity=row["quantity"],
                estimated_kg=kg.quantize(Decimal("0.001")), orders_count=row["orders"],
                producer_price=row["producer_price"],
            ))
        PurchaseOrder.objects.filter(pk=po.pk).update(total_producer_amount=total.quantize(Decimal("0.01")))
    PurchaseOrderLine.objects.bulk_create(lines, ignore_conflicts=True, batch_size=2000)


def destination_of(order: Order) -> tuple[str, str]:
    if order.fulfilment == Order.Fulfilment.PICKUP:
        point = order.pickup.pickup_point
        return f"pickup:{point.pk}", f"{point.name} ({point.city})"
    if order.fulfilment == Order.Fulfilment.DELIVERY:
        return f"home:{order.delivery_zone_id}", _("Home delivery: %(zone)s") % {"zone": order.delivery_zone.name}
    return f"business:{order.business_account_id}", str(order.business_account)


def _build_packing(cycle: OrderCycle) -> None:
    weights: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for order_id, storage, is_weighed, quantity, billed, est in _placed_lines(cycle).values_list(
            "order_id", "product__storage", "is_weighed", "quantity", "billed_quantity", "product__est_weight_kg"):
        weights[order_id][storage] += billed if is_weighed else quantity * est
    orders = (Order.objects.filter(cycle=cycle, status=Order.Status.PLACED)
              .select_related("pickup__pickup_point", "delivery_zone", "business_account"))
    packings = []
    for order in orders:
        per_storage = weights.get(order.pk, {})
        crates = {s: (max(1, math.ceil(kg / CRATE_KG)) if kg > 0 else 0) for s, kg in per_storage.items()}
        key, label = destination_of(order)
        packings.append(OrderPacking(
            coop=cycle.coop, cycle=cycle, order=order, destination_key=key, destination_label=label[:200],
            crates_ambient=crates.get("ambient", 0), crates_chilled=crates.get("chilled", 0),
            crates_frozen=crates.get("frozen", 0),
            weight_kg=sum(per_storage.values(), Decimal("0")).quantize(Decimal("0.001")),
        ))
    OrderPacking.objects.bulk_create(packings, ignore_conflicts=True, batch_size=2000)


def _book_deposits_out(cycle: OrderCycle) -> None:
    """Book what leaves with each order: product deposits (bottles, jars, beer crates) and packing crates."""
    per_product = defaultdict(list)
    for product_id, item_id, count in ProductDeposit.objects.values_list("product_id", "item_id", "count"):
        per_product[product_id].append((item_id, count))
    out: dict[tuple[int, int], int] = defaultdict(int)
    customers = dict(Order.objects.filter(cycle=cycle, status=Order.Status.PLACED).values_list("pk", "customer_id"))
    for order_id, product_id, quantity in _placed_lines(cycle).values_list("order_id", "product_id", "quantity"):
        for item_id, count in per_product.get(product_id, ()):
            out[(order_id, item_id)] += math.ceil(quantity * count)
    crate = DepositItem.objects.filter(code=PACKING_CRATE_CODE).first()
    if crate is not None:
        for packing in OrderPacking.objects.filter(cycle=cycle).only("order_id", "crates_ambient", "crates_chilled",
                                                                    "crates_frozen"):
            if packing.crates:
                out[(packing.order_id, crate.pk)] += packing.crates
    DepositMovement.objects.bulk_create([
        DepositMovement(coop=cycle.coop, item_id=item_id, customer_id=customers[order_id], order_id=order_id,
                        cycle=cycle, direction=DepositMovement.Direction.OUT, quantity=quantity,
                        note=_("with the order"))
        for (order_id, item_id), quantity in out.items() if quantity > 0
    ], ignore_conflicts=True, batch_size=2000)


def _register_documents(cycle: OrderCycle) -> None:
    coop_language = cycle.coop.default_language
    now = timezone.now()  # the close queues them right after its commit
    docs = [CycleDocument(coop=cycle.coop, cycle=cycle, kind=CycleDocument.Kind.HUB_SUMMARY, subject="hub",
                          title=_("Hub summary"), language=coop_language)]
    for po in PurchaseOrder.objects.filter(cycle=cycle).select_related("producer__membership__user"):
        language = po.producer.membership.user.language or coop_language
        docs.append(CycleDocument(coop=cycle.coop, cycle=cycle, kind=CycleDocument.Kind.PURCHASE_ORDER,
                                  subject=f"producer:{po.producer_id}", title=f"{po.number} {po.producer}"[:200],
                                  language=language))
        docs.append(CycleDocument(coop=cycle.coop, cycle=cycle, kind=CycleDocument.Kind.GOODS_IN,
                                  subject=f"producer:{po.producer_id}",
                                  title=(_("Goods in: %(farm)s") % {"farm": po.producer})[:200],
                                  language=coop_language))
    destinations = dict(OrderPacking.objects.filter(cycle=cycle).values_list("destination_key", "destination_label"))
    docs += [CycleDocument(coop=cycle.coop, cycle=cycle, kind=CycleDocument.Kind.DESTINATION_LIST, subject=key,
                           title=label[:200], language=coop_language) for key, label in sorted(destinations.items())]
    # Crate labels per destination, not one file for the whole cycle: crates are packed and loaded per
    # destination, and 10,000 labels in one PDF take one worker many minutes and gigabytes (bench/cutoff.py).
    docs += [CycleDocument(coop=cycle.coop, cycle=cycle, kind=CycleDocument.Kind.CRATE_LABELS, subject=key,
                           title=(_("Crate labels: %(destination)s") % {"destination": label})[:200],
                           language=coop_language) for key, label in sorted(destinations.items())]
    for order_id, number, language in Order.objects.filter(cycle=cycle, status=Order.Status.PLACED).values_list(
            "pk", "number", "language"):
        docs.append(CycleDocument(coop=cycle.coop, cycle=cycle, kind=CycleDocument.Kind.PACKING_LIST,
                                  subject=f"order:{order_id}", title=number, language=language or coop_language))
    for doc in docs:
        doc.requested_at = now
    CycleDocument.objects.bulk_create(docs, ignore_conflicts=True, batch_size=2000)


def cycles_due_for_closing(*, now: datetime | None = None) -> list[int]:
    """Open cycles past their cut-off, and every close left half-way that nobody is working on.

    The beat scan queues a close for each, so a close whose worker died is finished within a minute even
    when the broker never delivers its message again (a lost message, or Redis's hour-long visibility
    timeout). A close in progress holds the cycle row locked in phase 2, and PostgreSQL drops the lock of a
    dead worker's connection: a "closing" row that is locked is alive and skipped (no worker blocked behind
    it), one that is free is stale (or between phase 1 and 2: the extra close then finds it closed).
    Early closes (before the cut-off) are picked up too.
    """
    now = now or timezone.now()
    due = list(OrderCycle.objects.filter(status=OrderCycle.Status.OPEN, cutoff_at__lte=now)
               .values_list("pk", flat=True))
    with transaction.atomic():
        stale = list(OrderCycle.objects.select_for_update(skip_locked=True)
                     .filter(status=OrderCycle.Status.CLOSING).order_by().values_list("pk", flat=True))
    return due + stale
