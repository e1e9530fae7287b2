"""Cost sharing (issue 11 item 7): who carries which of the month's costs.

Every CostEntry is shared over the month's delivered orders by its allocation key:
- per order: every order the same;
- per kg: by the kg delivered (weighings where there are, else units x weight per unit);
- per crate: by the crates packed for the order (else the crates its kg fill, at least one);
- per km: by the order's km share of the planned routes that carried it (route_figures.py); an entry for one
  vehicle is shared by that vehicle's routes only (all routes when it drove none that month).
A key with nothing to go by (no plan that month, no kg) falls back to the next one: km -> kg -> order, and the
allocation says so (`used_key`). The order's part of each key is then split over the producers whose goods
were on the order: physical keys (kg, crate, km) by the producers' kg, the per-order key by the value of their
goods at producer prices. Per customer group it is the sum over the group's orders.

Exactness: every split is in whole cents and adds up to what is split (`allocate`, largest remainder), so the
orders' costs add up to the month's costs and each order's producers' parts add up to the order's cost.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from coop import money
from invoicing.models import AllocationKey, CostEntry
from members.models import Producer

from .csvfile import write_csv
from .economics import OrderFigures, delivered_orders, month_add
from .route_figures import km_shares

FALLBACK = {AllocationKey.KM: AllocationKey.KG, AllocationKey.KG: AllocationKey.ORDER,
            AllocationKey.CRATE: AllocationKey.ORDER}


def allocate(total: Decimal, weights: Mapping[Hashable, Decimal] | Iterable[tuple[Hashable, Decimal]]
             ) -> dict:
    """Split `total` (whole cents) over keys in proportion to non-negative `weights`, in whole cents.

    Largest remainder: everyone gets the exact share rounded down to a cent, and the cents left over go to the
    largest remainders; equal remainders go to the smaller key. The parts add up to `total` exactly, each is
    within one cent of the exact share, and the result depends only on the weights (not their order).
    Raises ValueError when a weight is negative or all weights are zero.
    """
    items = sorted(dict(weights).items(), key=lambda kv: kv[0])
    exact_total = Decimal(total) * 100
    if exact_total != exact_total.to_integral_value():
        raise ValueError(f"{total} is not a whole number of cents")
    decimals = [Decimal(w) for _key, w in items]
    if any(w < 0 for w in decimals):
        raise ValueError("weights cannot be negative")
    # Whole numbers with the same scale: integer arithmetic is exact and fast (no float, no Fraction).
    places = max([0, *(-w.as_tuple().exponent for w in decimals)])
    units = [_scaled(w, places) for w in decimals]
    whole = sum(units)
    if whole == 0:
        raise ValueError("nothing to share by: all weights are zero")
    cents = int(exact_total)
    sign, cents = (-1 if cents < 0 else 1), abs(cents)
    shares = [divmod(cents * unit, whole) for unit in units]  # (whole cents, remainder over `whole`)
    left = cents - sum(part for part, _rest in shares)
    ranked = sorted(range(len(items)), key=lambda i: (-shares[i][1], i))
    parts = [part for part, _rest in shares]
    for i in ranked[:left]:
        parts[i] += 1
    return {key: Decimal(sign * part) / 100 for (key, _w), part in zip(items, parts, strict=True)}


def _scaled(value: Decimal, places: int) -> int:
    """value x 10**places as an int, exactly (no context rounding)."""
    _sign, digits, exponent = value.as_tuple()
    return int("".join(map(str, digits)) or "0") * 10 ** (exponent + places)


@dataclass
class KeyTotal:
    key: str
    vehicle_id: int | None
    amount: Decimal
    used_key: str | None  # None: nothing was delivered that month, so it stays unallocated

    @property
    def label(self) -> str:
        return str(AllocationKey(self.key).label)

    @property
    def used_label(self) -> str:
        return str(AllocationKey(self.used_key).label) if self.used_key else _("not shared: no deliveries")


@dataclass
class OrderCost:
    figures: OrderFigures
    km: Decimal
    cost: Decimal = money.ZERO
    by_key: dict[str, Decimal] = field(default_factory=dict)


@dataclass
class GroupCost:
    key: str
    label: str
    orders: int = 0
    turnover: Decimal = money.ZERO
    margin: Decimal = money.ZERO
    cost: Decimal = money.ZERO

    @property
    def cost_per_order(self) -> Decimal | None:
        return money.round_amount(self.cost / self.orders) if self.orders else None

    @property
    def cost_percent(self) -> Decimal | None:
        """The group's cost as a share of its turnover: how much of what it pays goes to running the coop."""
        return money.round_amount(self.cost * 100 / self.turnover) if self.turnover else None


@dataclass
class ProducerCost:
    producer_id: int
    name: str
    kg: Decimal = Decimal("0")
    purchase: Decimal = money.ZERO
    cost: Decimal = money.ZERO

    @property
    def cost_percent(self) -> Decimal | None:
        return money.round_amount(self.cost * 100 / self.purchase) if self.purchase else None


@dataclass
class MonthAllocation:
    month: date
    total: Decimal
    keys: list[KeyTotal]
    orders: list[OrderCost]
    groups: list[GroupCost]
    producers: list[ProducerCost]
    without_producer: Decimal  # the part of orders that had no goods (only a delivery fee)

    @property
    def allocated(self) -> Decimal:
        return sum((o.cost for o in self.orders), money.ZERO)

    @property
    def unallocated(self) -> Decimal:
        return self.total - self.allocated

    @property
    def cost_per_order(self) -> Decimal | None:
        return money.round_amount(self.allocated / len(self.orders)) if self.orders else None


def _weights(key: str, orders: list[OrderCost], km: dict[int, Decimal]) -> dict[int, Decimal]:
    if key == AllocationKey.ORDER:
        return {o.figures.order_id: Decimal(1) for o in orders}
    if key == AllocationKey.KG:
        return {o.figures.order_id: o.figures.kg for o in orders}
    if key == AllocationKey.CRATE:
        return {o.figures.order_id: Decimal(o.figures.crates) for o in orders}
    return {o.figures.order_id: km.get(o.figures.order_id, Decimal(0)) for o in orders}


def _producer_weights(key: str, order: OrderFigures) -> dict[int, Decimal]:
    """How an order's part of a key is split over its producers (see the module docstring)."""
    parts = order.producers
    candidates = ([{p: part.purchase for p, part in parts.items()}] if key == AllocationKey.ORDER
                  else [{p: part.kg for p, part in parts.items()}, {p: part.purchase for p, part in parts.items()}])
    for weights in candidates:
        if sum(weights.values(), Decimal(0)) > 0:
            return weights
    return dict.fromkeys(parts, Decimal(1))


def _cost_groups(month: date) -> dict[tuple[str, int | None], Decimal]:
    totals: dict[tuple[str, int | None], Decimal] = defaultdict(lambda: money.ZERO)
    for key, vehicle_id, amount in CostEntry.objects.filter(month=month).values_list(
            "allocation_key", "vehicle_id", "amount"):
        # Only km follows a vehicle: the other keys do not depend on which van drove.
        totals[(key, vehicle_id if key == AllocationKey.KM else None)] += amount
    return totals


def month_allocation(*, month: date) -> MonthAllocation:
    """Share the month's costs over its delivered orders, customer groups and producers."""
    following = month_add(month, 1)
    figures = delivered_orders(month, following)
    shares = km_shares(month, following, figures) if figures else {}
    orders = [OrderCost(figures=f, km=shares.get(None, {}).get(f.order_id, Decimal(0)))
              for f in sorted(figures.values(), key=lambda f: f.order_id)]
    by_id = {o.figures.order_id: o for o in orders}
    keys = []
    producer_costs: dict[int, Decimal] = defaultdict(lambda: money.ZERO)
    without_producer = money.ZERO
    for (key, vehicle_id), amount in sorted(_cost_groups(month).items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)):
        used, split = None, None
        km = shares.get(vehicle_id) or shares.get(None, {})
        candidate = key if orders else None
        while candidate is not None and split is None:
            try:
                split = allocate(amount, _weights(candidate, orders, km))
                used = candidate
            except ValueError:
                candidate = FALLBACK.get(candidate)
        keys.append(KeyTotal(key=key, vehicle_id=vehicle_id, amount=amount, used_key=used))
        for order_id, part in (split or {}).items():
            order = by_id[order_id]
            order.cost += part
            order.by_key[key] = order.by_key.get(key, money.ZERO) + part
            if not order.figures.producers:
                without_producer += part
                continue
            for producer_id, share in allocate(part, _producer_weights(used, order.figures)).items():
                producer_costs[producer_id] += share
    total = sum((k.amount for k in keys), money.ZERO)
    return MonthAllocation(month=month, total=total, keys=keys, orders=orders, groups=_groups(orders),
                           producers=_producers(orders, producer_costs), without_producer=without_producer)


def _groups(orders: list[OrderCost]) -> list[GroupCost]:
    groups: dict[str, GroupCost] = {}
    for order in orders:
        f = order.figures
        group = groups.setdefault(f.group, GroupCost(key=f.group, label=f.group_label))
        group.orders += 1
        group.turnover += f.turnover
        group.margin += f.margin
        group.cost += order.cost
    # consumers first, then the business groups by name
    return sorted(groups.values(), key=lambda g: (g.key != "consumers", g.label))


def _producers(orders: list[OrderCost], costs: dict[int, Decimal]) -> list[ProducerCost]:
    names = dict(Producer.objects.filter(pk__in={p for o in orders for p in o.figures.producers})
                 .values_list("pk", "farm_name"))
    producers: dict[int, ProducerCost] = {}
    for order in orders:
        for producer_id, part in order.figures.producers.items():
            row = producers.setdefault(producer_id, ProducerCost(producer_id, names.get(producer_id, "?")))
            row.kg += part.kg
            row.purchase += part.purchase
    for producer_id, cost in costs.items():
        producers[producer_id].cost = cost
    return sorted(producers.values(), key=lambda p: (p.name, p.producer_id))


ALLOCATION_HEADER = ["level", "id", "name", "group", "orders", "turnover", "purchase_value", "kg", "crates",
                     "km_share", "cost", "cost_percent"]


def allocation_csv(*, month: date) -> str:
    """The month's shares as one CSV: a row per order, per customer group and per producer (`level`)."""
    result = month_allocation(month=month)
    rows = [["order", o.figures.number, o.figures.customer, o.figures.group_label, 1, o.figures.turnover,
             o.figures.purchase, money.round_quantity(o.figures.kg), o.figures.crates, money.round_amount(o.km),
             o.cost, money.round_amount(o.cost * 100 / o.figures.turnover) if o.figures.turnover else None]
            for o in result.orders]
    rows += [["group", g.key, g.label, g.label, g.orders, g.turnover, None, None, None, None, g.cost, g.cost_percent]
             for g in result.groups]
    rows += [["producer", p.producer_id, p.name, None, None, None, p.purchase, money.round_quantity(p.kg), None,
              None, p.cost, p.cost_percent] for p in result.producers]
    return write_csv(ALLOCATION_HEADER, rows)
