"""Reads for the hub and producer pages: a fixed number of queries per page, whatever the size of the cycle."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Q, Sum

from catalog.models import DepositItem
from members.models import Membership, Producer
from orders.models import Order, OrderCycle, OrderLine

from ..models import CycleDocument, DepositMovement, OrderPacking, PurchaseOrder

HUB_CYCLE_STATES = [OrderCycle.Status.OPEN, OrderCycle.Status.CLOSING, OrderCycle.Status.CLOSED,
                    OrderCycle.Status.PACKED, OrderCycle.Status.DELIVERED]
# packing lists (one per order) are many: the dashboard counts them and links to a paged list
FEW_KINDS = [CycleDocument.Kind.HUB_SUMMARY, CycleDocument.Kind.CRATE_LABELS, CycleDocument.Kind.DESTINATION_LIST,
             CycleDocument.Kind.PURCHASE_ORDER, CycleDocument.Kind.GOODS_IN]


def hub_cycles(limit: int = 12):
    return OrderCycle.objects.filter(status__in=HUB_CYCLE_STATES).order_by("-delivery_date")[:limit]


@dataclass
class DestinationCount:
    key: str
    label: str
    orders: int
    crates: int
    kg: Decimal


def destination_counts(cycle: OrderCycle) -> list[DestinationCount]:
    rows = (OrderPacking.objects.filter(cycle=cycle).values("destination_key", "destination_label")
            .annotate(orders=Count("pk"), crates=Sum(F("crates_ambient") + F("crates_chilled") + F("crates_frozen")),
                      kg=Sum("weight_kg"))
            .order_by("destination_label"))
    return [DestinationCount(r["destination_key"], r["destination_label"], r["orders"], r["crates"] or 0,
                             r["kg"] or Decimal("0")) for r in rows]


@dataclass
class KindSummary:
    kind: str
    label: str
    counts: dict = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def document_summary(cycle: OrderCycle, *, kinds=None) -> list[KindSummary]:
    documents = CycleDocument.objects.filter(cycle=cycle)
    if kinds is not None:
        documents = documents.filter(kind__in=kinds)
    labels = dict(CycleDocument.Kind.choices)
    summary: dict[str, KindSummary] = {}
    for kind, status, count in documents.values_list("kind", "status").annotate(n=Count("pk")).order_by("kind"):
        summary.setdefault(kind, KindSummary(kind, labels.get(kind, kind))).counts[status] = count
    return list(summary.values())


def cycle_documents(cycle: OrderCycle, *, kinds):
    return CycleDocument.objects.filter(cycle=cycle, kind__in=kinds).order_by("kind", "title")


def failed_documents(cycle: OrderCycle, *, kinds, limit: int = 50) -> tuple[list[CycleDocument], int]:
    """The first `limit` failed documents of these kinds and how many there are (a template error can fail
    every packing list of a cycle: the page lists some and offers to try them all again)."""
    failed = CycleDocument.objects.filter(cycle=cycle, kind__in=kinds, status=CycleDocument.Status.FAILED)
    shown = list(failed.order_by("kind", "title")[:limit])
    return shown, (len(shown) if len(shown) < limit else failed.count())


def cycle_purchase_orders(cycle: OrderCycle):
    return (PurchaseOrder.objects.filter(cycle=cycle).select_related("producer")
            .annotate(lines_count=Count("lines"),
                      short_lines=Count("lines", filter=Q(lines__confirmed_quantity__lt=F("lines__quantity"))))
            .order_by("producer__farm_name"))


def ready_documents_by_producer(cycle_ids, kind: str) -> dict[tuple[int, int], int]:
    """(cycle id, producer id) -> id of the ready document of that kind, for PDF links in lists."""
    rows = CycleDocument.objects.filter(cycle_id__in=list(cycle_ids), kind=kind,
                                        status=CycleDocument.Status.READY).values_list("cycle_id", "subject", "pk")
    return {(cycle_id, int(subject.split(":", 1)[1])): pk for cycle_id, subject, pk in rows}


# --- weights and shortages ---------------------------------------------------------------------------------

@dataclass
class ProductLines:
    product_id: int
    name: str
    unit: str
    is_weighed: bool
    lines: list = field(default_factory=list)

    @property
    def ordered(self) -> Decimal:
        return sum((line.quantity for line in self.lines), Decimal("0"))

    @property
    def short(self) -> Decimal:
        return sum((line.short_quantity for line in self.lines), Decimal("0"))

    @property
    def weighed_count(self) -> int:
        return sum(1 for line in self.lines if line.weighed_quantity is not None)


def _placed_lines(cycle: OrderCycle):
    return OrderLine.objects.filter(order__cycle=cycle, order__status=Order.Status.PLACED)


def cycle_products(cycle: OrderCycle) -> list[tuple[int, str, bool]]:
    """The products ordered in the cycle, for the product picker: (id, name, sold by weight)."""
    return list(_placed_lines(cycle).values_list("product_id", "product_name", "is_weighed").distinct()
                .order_by("product_name", "product_id"))


def weighing_sections(cycle: OrderCycle, *, product_id: int | None = None) -> list[ProductLines]:
    """Lines grouped per product, in order of placing: every weighed line, or every line of one product."""
    lines = _placed_lines(cycle).select_related("order__customer__user", "order__packing")
    lines = lines.filter(product_id=product_id) if product_id else lines.filter(is_weighed=True)
    sections: dict[int, ProductLines] = {}
    for line in lines.order_by("product_name", "product_id", "order__placed_at", "pk"):
        section = sections.get(line.product_id)
        if section is None:
            section = sections[line.product_id] = ProductLines(line.product_id, line.product_name, line.sell_unit,
                                                               line.is_weighed)
        section.lines.append(line)
    return list(sections.values())


def shortage_lines(cycle: OrderCycle, product_id: int) -> list[tuple[int, str, Decimal]]:
    """(line id, order number, ordered) in order of placing: the input of the spread (same order as the service)."""
    return list(_placed_lines(cycle).filter(product_id=product_id).order_by("order__placed_at", "pk")
                .values_list("pk", "order__number", "quantity"))


def line_for_display(line_id: int) -> OrderLine:
    return OrderLine.objects.select_related("order__customer__user", "order__packing").get(pk=line_id)


# --- crates and deposits -----------------------------------------------------------------------------------

@dataclass
class BalanceRow:
    party: str  # "customer:<membership id>" or "producer:<producer id>"
    name: str
    balances: list  # one number per item column


def deposit_balance_table() -> tuple[list[DepositItem], list[BalanceRow], list[BalanceRow]]:
    """Items out minus items back, per customer and per producer and deposit item; only parties owing something
    (or owed) are listed. Two aggregate queries and two name look-ups."""
    totals: dict[tuple[str, int], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    rows = (DepositMovement.objects.values_list("customer_id", "producer_id", "item_id", "direction")
            .annotate(total=Sum("quantity")))
    for customer_id, producer_id, item_id, direction, total in rows:
        party = ("customer", customer_id) if customer_id else ("producer", producer_id)
        totals[party][item_id] += total if direction == DepositMovement.Direction.OUT else -total
    open_parties = {party: per_item for party, per_item in totals.items() if any(per_item.values())}
    item_ids = sorted({item_id for per_item in open_parties.values() for item_id, n in per_item.items() if n})
    items = list(DepositItem.objects.filter(pk__in=item_ids).order_by("code"))
    customers = Membership.objects.select_related("user").in_bulk(
        [pk for kind, pk in open_parties if kind == "customer"])
    producers = Producer.objects.in_bulk([pk for kind, pk in open_parties if kind == "producer"])

    def row(kind, pk, per_item):
        name = str(customers[pk].user) if kind == "customer" else producers[pk].farm_name
        return BalanceRow(f"{kind}:{pk}", name, [per_item.get(item.pk, 0) for item in items])

    customer_rows = sorted((row(k, pk, v) for (k, pk), v in open_parties.items() if k == "customer"),
                           key=lambda r: r.name.lower())
    producer_rows = sorted((row(k, pk, v) for (k, pk), v in open_parties.items() if k == "producer"),
                           key=lambda r: r.name.lower())
    return items, customer_rows, producer_rows


def deposit_return_parties() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Who can bring items back: customers who received deposit items, and the active producers."""
    customer_ids = (DepositMovement.objects.filter(customer__isnull=False).values_list("customer_id", flat=True)
                    .distinct())
    customers = Membership.objects.filter(pk__in=customer_ids).select_related("user")
    customer_choices = sorted(((f"customer:{m.pk}", str(m.user)) for m in customers), key=lambda c: c[1].lower())
    producer_choices = [(f"producer:{p.pk}", p.farm_name)
                        for p in Producer.objects.filter(is_active=True).order_by("farm_name")]
    return customer_choices, producer_choices
