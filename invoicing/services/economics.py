"""The coop's economics per month (issue 11 item 7): turnover, margin, costs, result and break-even.

What counts (all excl. VAT, Decimal, rounded as coop.money rounds):
- the month of an order is the delivery date of its cycle; only delivered orders count;
- turnover = per delivered line round(delivered quantity x unit price excl. VAT) (the quantity the invoice drafts
  bill, weighed, minus shortages: invoicing.services.delivered), plus the delivery fee excl. VAT; deposits are
  not turnover;
- purchase value = per line round(delivered quantity x producer price): what the producers get;
- margin = turnover - purchase value; margin rate = margin / turnover;
- costs = the month's CostEntry amounts; result = margin - costs;
- break-even turnover = costs / margin rate = costs x turnover / margin: the turnover at which, at this month's
  margin rate, the margin pays the costs. None when the margin is not positive (no turnover breaks even).

Turnover is what was delivered, not what was invoiced: consumers need not ask for an invoice, and an invoice
can cover a whole month of a kitchen's deliveries. The accounting export (accounting_export.py) is the view
by document.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Case, Count, F, QuerySet, Sum, When
from django.db.models.functions import Round, TruncMonth
from django.utils.translation import gettext as _

from coop import money
from invoicing.models import CostEntry
from logistics.services.closing import CRATE_KG
from orders.models import Order, OrderLine

from .csvfile import write_csv
from .delivered import DEC, with_delivered

CONSUMERS = "consumers"


def month_start(value: date) -> date:
    return value.replace(day=1)


def month_add(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def parse_month(text: str | None, *, default: date | None = None) -> date | None:
    """'2026-03' -> date(2026, 3, 1); None for anything else (the caller says what it expected)."""
    if not text:
        return default
    try:
        year, month = (int(part) for part in text.split("-"))
        return date(year, month, 1)
    except (TypeError, ValueError):
        return None


def month_from(text: str | None, *, today: date) -> date:
    """A request's `month` (YYYY-MM), this month when not given; ValueError with a message when it is bad."""
    month = parse_month(text, default=month_start(today))
    if month is None or not 2000 <= month.year <= 2100:
        raise ValueError(_("Give the month as YYYY-MM."))
    return month


@dataclass
class ProducerPart:
    """One producer's goods in one order."""

    kg: Decimal = money.ZERO
    purchase: Decimal = money.ZERO
    turnover: Decimal = money.ZERO


@dataclass
class OrderFigures:
    order_id: int
    number: str
    month: date
    group: str  # "consumers", "price_group:<id>" or "business:<kind>"
    group_label: str
    customer: str
    turnover: Decimal = money.ZERO
    purchase: Decimal = money.ZERO
    kg: Decimal = Decimal("0")
    crates: int = 0
    producers: dict[int, ProducerPart] = field(default_factory=dict)

    @property
    def margin(self) -> Decimal:
        return self.turnover - self.purchase


def _fee_net(fee: Decimal, *, prices_include_vat: bool, on: date) -> Decimal:
    # The fee follows the VAT of the food delivered (vat.md section 5), as the invoice drafts charge it.
    if not fee or not prices_include_vat:
        return fee or money.ZERO
    return money.round_amount(fee / (1 + money.vat_percent(money.VatClass.FOOD, on) / 100))


def _group(row) -> tuple[str, str]:
    if row["business_account_id"] is None:
        return CONSUMERS, _("Consumers")
    group_id = row["business_account__price_group_member__price_group_id"]
    if group_id is not None:
        name = row["business_account__price_group_member__price_group__name"]
        return f"price_group:{group_id}", _("Price group: %(name)s") % {"name": name}
    kind = row["business_account__kind"]
    return f"business:{kind}", _("Businesses: %(kind)s") % {"kind": _business_kind_label(kind)}


def _business_kind_label(kind: str) -> str:
    from members.models import BusinessAccount

    return str(dict(BusinessAccount.Kind.choices).get(kind, kind))


def delivered_lines(lines: QuerySet) -> QuerySet:
    """Order lines annotated, in SQL, with what was delivered: `d_quantity` (price units) and `d_units` (the
    invoice drafts' rule, invoicing.services.delivered), `d_net` (excl. VAT), `d_purchase` (at the producer
    price) and `d_kg`.

    Amounts are rounded per line to cents, half up, as the drafts round each line (PostgreSQL rounds numeric
    halves away from zero: the same for these positive amounts). kg: the weighing for weighed goods, the units
    for goods sold by the kg, else units x the product's weight per unit. In SQL so that a year of lines is
    summed by the database, not loaded.
    """
    return (with_delivered(lines)
            .annotate(d_net=Round(F("d_quantity") * F("unit_net"), 2, output_field=DEC),
                      d_purchase=Round(F("d_quantity") * F("producer_price"), 2, output_field=DEC),
                      d_kg=Case(When(is_weighed=True, then=F("d_quantity")),
                                When(sell_unit="kg", then=F("d_units")),
                                default=F("d_units") * F("product__est_weight_kg"), output_field=DEC)))


def _delivered(first: date, following: date) -> QuerySet:
    return Order.objects.filter(status=Order.Status.DELIVERED, cycle__delivery_date__gte=first,
                                cycle__delivery_date__lt=following)


def delivered_orders(first: date, following: date) -> dict[int, OrderFigures]:
    """Figures of every order delivered from `first` up to (not including) `following`, by order id.

    Two queries whatever the number of orders: the orders, and their lines summed per order and producer.
    """
    orders: dict[int, OrderFigures] = {}
    crates: dict[int, int | None] = {}
    rows = (_delivered(first, following)
            .values("pk", "number", "cycle__delivery_date", "prices_include_vat", "delivery_fee",
                    "business_account_id", "business_account__name", "business_account__kind",
                    "business_account__price_group_member__price_group_id",
                    "business_account__price_group_member__price_group__name",
                    "customer__user__first_name", "customer__user__last_name", "customer__user__email",
                    "packing__crates_ambient", "packing__crates_chilled", "packing__crates_frozen"))
    for row in rows:
        group, label = _group(row)
        person = " ".join(filter(None, [row["customer__user__first_name"], row["customer__user__last_name"]]))
        when = row["cycle__delivery_date"]
        figures = OrderFigures(order_id=row["pk"], number=row["number"], month=month_start(when), group=group,
                               group_label=label,
                               customer=row["business_account__name"] or person or row["customer__user__email"])
        figures.turnover = _fee_net(row["delivery_fee"], prices_include_vat=row["prices_include_vat"], on=when)
        orders[row["pk"]] = figures
        packed = [row[f"packing__crates_{kind}"] for kind in ("ambient", "chilled", "frozen")]
        crates[row["pk"]] = None if packed[0] is None else sum(packed)
    parts = (delivered_lines(OrderLine.objects.filter(order__in=_delivered(first, following)))
             .values("order_id", "offer__producer_id")
             .annotate(net=Sum("d_net"), purchase=Sum("d_purchase"), kg=Sum("d_kg"))
             .values_list("order_id", "offer__producer_id", "net", "purchase", "kg"))
    for order_id, producer_id, net, purchase, kg in parts:
        order = orders[order_id]
        order.producers[producer_id] = ProducerPart(kg=kg, purchase=purchase, turnover=net)
        order.turnover += net
        order.purchase += purchase
        order.kg += kg
    for order_id, order in orders.items():
        packed = crates[order_id]
        # Packed crates when the hub recorded them; else the crates the goods fill, at least one per order.
        order.crates = packed if packed else max(1, math.ceil(order.kg / CRATE_KG))
    return orders


@dataclass(frozen=True)
class MonthFigures:
    month: date
    orders: int
    turnover: Decimal
    purchase: Decimal
    costs: Decimal

    @property
    def margin(self) -> Decimal:
        return self.turnover - self.purchase

    @property
    def margin_percent(self) -> Decimal | None:
        return money.round_amount(self.margin * 100 / self.turnover) if self.turnover else None

    @property
    def result(self) -> Decimal:
        return self.margin - self.costs

    @property
    def break_even_turnover(self) -> Decimal | None:
        return break_even_turnover(costs=self.costs, turnover=self.turnover, margin=self.margin)

    @property
    def cost_per_order(self) -> Decimal | None:
        return money.round_amount(self.costs / self.orders) if self.orders else None


def break_even_turnover(*, costs: Decimal, turnover: Decimal, margin: Decimal) -> Decimal | None:
    """costs / (margin / turnover), computed as costs x turnover / margin so the rate is not rounded first."""
    if margin <= 0 or turnover <= 0:
        return None
    return money.round_amount(Decimal(costs) * Decimal(turnover) / Decimal(margin))


def month_costs(first: date, following: date) -> dict[date, Decimal]:
    rows = (CostEntry.objects.filter(month__gte=first, month__lt=following).annotate(m=TruncMonth("month"))
            .values("m").annotate(total=Sum("amount")).values_list("m", "total"))
    return {month_start(m): total for m, total in rows}


def economics_months(*, last: date, count: int = 12) -> list[MonthFigures]:
    """Figures for `count` months up to and including the month of `last`, oldest first (three queries)."""
    last = month_start(last)
    first = month_add(last, -(count - 1))
    following = month_add(last, 1)
    turnover: dict[date, Decimal] = defaultdict(lambda: money.ZERO)
    purchase: dict[date, Decimal] = defaultdict(lambda: money.ZERO)
    orders: dict[date, int] = defaultdict(int)
    goods = (delivered_lines(OrderLine.objects.filter(order__in=_delivered(first, following)))
             .values(m=TruncMonth("order__cycle__delivery_date"))
             .annotate(net=Sum("d_net"), purchase=Sum("d_purchase")).values_list("m", "net", "purchase"))
    for month, net, bought in goods:
        turnover[month_start(month)] += net
        purchase[month_start(month)] += bought
    # Fees per order are few distinct amounts: count them per day (the VAT rate depends on the date).
    fees = (_delivered(first, following).values("cycle__delivery_date", "delivery_fee", "prices_include_vat")
            .annotate(n=Count("pk")).values_list("cycle__delivery_date", "delivery_fee", "prices_include_vat", "n"))
    for day, fee, gross, n in fees:
        turnover[month_start(day)] += _fee_net(fee, prices_include_vat=gross, on=day) * n
        orders[month_start(day)] += n
    costs = month_costs(first, following)
    months = [month_add(first, n) for n in range(count)]
    return [MonthFigures(month=m, orders=orders[m], turnover=turnover[m], purchase=purchase[m],
                         costs=costs.get(m, money.ZERO)) for m in months]


MONTHS_HEADER = ["month", "orders", "turnover", "purchase_value", "margin", "margin_percent", "costs", "result",
                 "break_even_turnover", "cost_per_order"]


def month_row(m: MonthFigures) -> list:
    return [f"{m.month:%Y-%m}", m.orders, m.turnover, m.purchase, m.margin, m.margin_percent, m.costs, m.result,
            m.break_even_turnover, m.cost_per_order]


def economics_csv(*, last: date, count: int = 12) -> str:
    """The dashboard's months as CSV (amounts excl. VAT; empty where a figure does not exist)."""
    return write_csv(MONTHS_HEADER, [month_row(m) for m in economics_months(last=last, count=count)])
