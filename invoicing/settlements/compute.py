"""What a producer is owed for a period, computed and not stored (the fixer's preview; issuing stores it).

Goods: the producer's lines of delivered orders in the period, at the quantity actually delivered after
weighing and shortages (invoicing.services.delivered, the same rule customer invoices use) and at the
producer price snapshot of the order line. Lines are grouped per delivery date, product and price; a line's
amount is round(quantity x price) (coop.money).

Fees are agreed price deductions: a percentage of the goods and/or an amount per delivered sell unit, computed
per VAT (or compensation) rate on the sum of that rate's goods and rounded once, so they reduce the taxable
amount at the goods' own rate. Then, by the producer's regime (policy.regime_for):
- self-billing invoice, or a statement for a producer without agreement: VAT per rate on the net, rounded once;
- purchase slip (flat-rate farmer): no VAT; the flat-rate compensation per rate (2 % wood, 6 % everything else,
  vat.md section 6a) on the price excluding compensation, i.e. the net after fees, rounded once per rate;
- statement for an exempt small business: no VAT.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from coop import money
from coop.numbers import display
from invoicing.services.delivered import delivered, with_delivered
from members.models import Producer
from orders.models import Order, OrderLine

from .models import Settlement, SettlementLine
from .policy import Fees, Period, Regime, fees_for, policy_for, producer_language, regime_for, terms_for

# Category slugs (a product's or its parent's) that are wood: the 2 % compensation (forestry supplies).
WOOD_CATEGORY_SLUGS = {"hout", "brandhout", "bois", "wood", "firewood"}


@dataclass(frozen=True)
class LinePlan:
    kind: str
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    line_net: Decimal
    vat_percent: Decimal
    compensation_percent: Decimal = money.ZERO
    sell_units: Decimal = Decimal("0")
    product_id: int | None = None
    delivery_date: date | None = None
    corrected_line_id: int | None = None


@dataclass(frozen=True)
class RateRow:
    percent: Decimal
    base: Decimal
    amount: Decimal


@dataclass
class SettlementPlan:
    producer: Producer
    period: Period
    regime: Regime
    language: str
    fees: Fees
    lines: list[LinePlan]
    goods_net: Decimal
    fee_total: Decimal
    net: Decimal
    vat: Decimal
    compensation: Decimal
    total: Decimal
    vat_rows: list[RateRow] = field(default_factory=list)
    compensation_rows: list[RateRow] = field(default_factory=list)
    crates: list[dict] = field(default_factory=list)

    @property
    def document(self) -> str:
        return self.regime.document

    @property
    def is_empty(self) -> bool:
        return not any(line.kind == SettlementLine.Kind.GOODS for line in self.lines)


def _is_wood(product) -> bool:
    category = product.category
    slugs = {category.slug, category.parent.slug if category.parent_id else ""}
    return bool(slugs & WOOD_CATEGORY_SLUGS)


def _delivered_lines(producer: Producer, period: Period):
    lines = with_delivered(OrderLine.objects.filter(product__producer=producer, order__status=Order.Status.DELIVERED)
                           .select_related("order__cycle", "product__category__parent"))
    if period.cycle_id:
        return lines.filter(order__cycle_id=period.cycle_id)
    return lines.filter(order__cycle__delivery_date__range=(period.start, period.end))


def goods_lines(producer: Producer, period: Period, regime: Regime, on: date) -> list[LinePlan]:
    """One line per delivery date, product and producer price: the delivered quantity summed, then priced."""
    flat_rate = regime.document == Settlement.Document.PURCHASE_SLIP
    vat_free = flat_rate or regime.reason == Settlement.Reason.SMALL_BUSINESS
    groups: dict[tuple, dict] = {}
    for line in _delivered_lines(producer, period):
        done = delivered(line)
        if done.quantity <= 0:
            continue
        delivery = line.order.cycle.delivery_date
        key = (delivery, line.product_id, line.producer_price, line.vat_percent, line.price_unit)
        group = groups.setdefault(key, {"name": line.product_name, "product": line.product,
                                        "quantity": Decimal("0"), "sell_units": Decimal("0")})
        group["quantity"] += done.quantity
        group["sell_units"] += done.sell_units
    plans = []
    for (delivery, product_id, price, vat_percent, unit), group in sorted(
            groups.items(), key=lambda kv: (kv[0][0], kv[1]["name"], kv[0][2])):
        compensation = money.ZERO
        if flat_rate:
            kind = money.CompensationClass.WOOD if _is_wood(group["product"]) else money.CompensationClass.OTHER
            compensation = money.compensation_percent(kind, on)
        plans.append(LinePlan(
            kind=SettlementLine.Kind.GOODS, description=group["name"], quantity=group["quantity"], unit=unit,
            unit_price=price, line_net=money.round_amount(group["quantity"] * price),
            vat_percent=money.ZERO if vat_free else vat_percent, compensation_percent=compensation,
            sell_units=group["sell_units"], product_id=product_id, delivery_date=delivery))
    return plans


def _rate_key(line: LinePlan) -> tuple[Decimal, Decimal]:
    return line.vat_percent, line.compensation_percent


def fee_lines(goods: list[LinePlan], fees: Fees, language: str) -> list[LinePlan]:
    """Per (VAT, compensation) rate: percent of the goods' sum and amount per delivered unit, each rounded once.
    Fee lines are negative: quantity x unit price = amount."""
    from django.utils import translation

    by_rate: dict[tuple, list[LinePlan]] = defaultdict(list)
    for line in goods:
        by_rate[_rate_key(line)].append(line)
    plans = []
    with translation.override(language):
        for (vat_percent, compensation), lines in sorted(by_rate.items()):
            base = sum((li.line_net for li in lines), money.ZERO)
            units = sum((li.sell_units for li in lines), Decimal("0"))
            if fees.percent and base:
                amount = money.round_amount(base * fees.percent / 100)
                # a correction's base can be negative: the fee is then given back (unit prices stay >= 0)
                plans.append(LinePlan(
                    kind=SettlementLine.Kind.FEE, quantity=Decimal("-1") if amount > 0 else Decimal("1"), unit="",
                    unit_price=abs(amount), line_net=-amount, vat_percent=vat_percent,
                    compensation_percent=compensation,
                    description=_("Coop fee %(percent)s %% of € %(base)s") % {
                        "percent": display(fees.percent), "base": number_format(base, 2)}))
            if fees.per_unit and units:
                amount = money.round_amount(units * fees.per_unit)
                plans.append(LinePlan(
                    kind=SettlementLine.Kind.FEE, quantity=-units, unit="", unit_price=fees.per_unit,
                    line_net=-amount, vat_percent=vat_percent, compensation_percent=compensation,
                    description=_("Coop fee € %(fee)s per delivered unit") % {"fee": display(fees.per_unit)}))
    return plans


def totals(lines: list[LinePlan], regime: Regime) -> dict:
    """Goods, fees, net; VAT per VAT rate or compensation per compensation rate, each rounded once."""
    goods = sum((li.line_net for li in lines if li.kind == SettlementLine.Kind.GOODS), money.ZERO)
    fees = -sum((li.line_net for li in lines if li.kind == SettlementLine.Kind.FEE), money.ZERO)
    vat_base: dict[Decimal, Decimal] = defaultdict(lambda: money.ZERO)
    compensation_base: dict[Decimal, Decimal] = defaultdict(lambda: money.ZERO)
    for line in lines:
        if line.compensation_percent:
            compensation_base[line.compensation_percent] += line.line_net
        elif line.vat_percent:
            vat_base[line.vat_percent] += line.line_net
    vat_rows = [RateRow(p, base, money.vat_of(base, p)) for p, base in sorted(vat_base.items())]
    compensation_rows = [RateRow(p, base, money.compensation_of(base, p))
                         for p, base in sorted(compensation_base.items())]
    vat = sum((r.amount for r in vat_rows), money.ZERO)
    compensation = sum((r.amount for r in compensation_rows), money.ZERO)
    net = goods - fees
    return {"goods_net": goods, "fee_total": fees, "net": net, "vat": vat, "compensation": compensation,
            "total": net + vat + compensation, "vat_rows": vat_rows, "compensation_rows": compensation_rows}


def crates_balance(producer: Producer, period: Period) -> list[dict]:
    """Per deposit item: what went out to the producer and came back in the period, and the balance at its end
    (shown on the settlement, not deducted). Reads the logistics crate ledger."""
    from logistics.models import DepositMovement

    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(period.start, time.min), tz)
    end = timezone.make_aware(datetime.combine(period.end + timedelta(days=1), time.min), tz)
    rows: dict[int, dict] = {}
    movements = (DepositMovement.objects.filter(producer=producer, created_at__lt=end).select_related("item")
                 .order_by("item__code"))
    for movement in movements:
        item = movement.item
        row = rows.setdefault(item.pk, {"code": item.code, "name": item.name_nl, "value": str(item.value),
                                        "out": 0, "back": 0, "balance": 0})
        sign = 1 if movement.direction == DepositMovement.Direction.OUT else -1
        row["balance"] += sign * movement.quantity
        if movement.created_at >= start:
            row["out" if sign > 0 else "back"] += movement.quantity
    for row in rows.values():
        row["balance_value"] = str(money.round_amount(row["balance"] * Decimal(row["value"])))
    return [rows[k] for k in sorted(rows, key=lambda k: rows[k]["code"])]


def settlement_compute(*, producer: Producer, period: Period, on: date | None = None) -> SettlementPlan:
    on = on or timezone.localdate()
    policy = policy_for(producer.coop)
    terms = terms_for(producer)
    regime = regime_for(producer, terms, on)
    fees = fees_for(policy, terms)
    language = producer_language(producer)
    goods = goods_lines(producer, period, regime, on)
    lines = goods + fee_lines(goods, fees, language)
    return SettlementPlan(producer=producer, period=period, regime=regime, language=language, fees=fees,
                          lines=lines, crates=crates_balance(producer, period), **totals(lines, regime))


def producers_with_deliveries(period: Period):
    """Producers with a delivered line in the period (the ones to settle)."""
    lines = OrderLine.objects.filter(order__status=Order.Status.DELIVERED)
    if period.cycle_id:
        lines = lines.filter(order__cycle_id=period.cycle_id)
    else:
        lines = lines.filter(order__cycle__delivery_date__range=(period.start, period.end))
    ids = lines.filter(~Q(product__producer_id=None)).values("product__producer_id")
    return Producer.objects.filter(pk__in=ids).select_related("membership__user", "coop").order_by("farm_name")
