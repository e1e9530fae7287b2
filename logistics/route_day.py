"""A driver's day: their routes and, per stop, what to hand over or take, in the order they drive.

Reads only, shared by the driver's page (views/driver.py) and the route sheet PDF (services/route_sheets.py), so
the phone and the paper always say the same. A fixed number of queries per route, whatever its length.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from urllib.parse import quote

from django.db.models import Exists, F, OuterRef, Q, Subquery, Sum
from django.utils import timezone

from catalog.models import DepositItem
from catalog.selectors import localized

from .models import DepositMovement, Hub, PlanningRun, Route, RouteChange, Stop

STORAGE_FIRST = ("frozen", "chilled", "ambient")  # cooled goods first: loaded last, handed over first
COOLED = {"frozen", "chilled"}


def navigation_url(latitude, longitude, label: str = "") -> str:
    """A geo: URI that opens the phone's navigation app at the place, with its name as the pin's label."""
    if latitude is None or longitude is None:
        return ""
    where = f"{latitude},{longitude}"
    label = label.replace("(", " ").replace(")", " ").strip()
    return f"geo:{where}?q={where}" + (f"({quote(label, safe='')})" if label else "")


def _newest_published():
    """The newest published plan of the row's cycle (an older published plan of the same cycle was replaced, not
    added to)."""
    return Subquery(PlanningRun.objects.filter(cycle=OuterRef("run__cycle"), published_at__isnull=False)
                    .exclude(status=PlanningRun.Status.FAILED).order_by("-published_at", "-pk").values("pk")[:1])


def _own_routes(membership):
    """The member's own routes of the newest published plan of each cycle."""
    return (Route.objects.select_related("vehicle", "run__cycle", "driver__user")
            .filter(driver=membership, run__published_at__isnull=False, run_id=_newest_published())
            .exclude(run__status=PlanningRun.Status.FAILED))


def route_changes_unseen(membership, day: date) -> list[RouteChange]:
    """What the fixer changed in the member's routes since they last looked (services/route_changes.py), newest
    plan only: on `day` and on the days to come (a cancelled day is no longer among the days to switch to).
    `cancelled`: nothing left to drive that day."""
    if membership is None:
        return []
    stops = Stop.objects.filter(route__run=OuterRef("run"), route__driver=OuterRef("driver"),
                                route__day=OuterRef("day"))
    changes = (RouteChange.objects.filter(Q(day=day) | Q(day__gte=timezone.localdate()), driver=membership,
                                          seen_revision__lt=F("revision"), run_id=_newest_published())
               .annotate(has_stops=Exists(stops)).order_by("day", "changed_at", "pk"))
    for change in changes:
        change.cancelled = not change.has_stops
    return list(changes)


def visible_routes(membership):
    """Routes this member may open: managers every route, a driver their own of published plans."""
    if membership is None:
        return Route.objects.none()
    if membership.is_manager:
        return Route.objects.select_related("vehicle", "run__cycle", "driver__user")
    return _own_routes(membership)


def driver_routes(membership, day: date) -> list[Route]:
    """The member's own routes on `day` (a manager who also drives sees here only what they drive)."""
    if membership is None:
        return []
    return list(_own_routes(membership).filter(day=day).order_by("start_at", "pk"))


def driver_day_links(membership, day: date) -> tuple[date | None, date | None]:
    """The member's previous and next day with a route, for the day switch."""
    if membership is None:
        return None, None
    days = _own_routes(membership).values_list("day", flat=True)
    return (days.filter(day__lt=day).order_by("-day").first(), days.filter(day__gt=day).order_by("day").first())


def _short(name: str) -> str:
    return name.split(" (", 1)[0]


@dataclass
class DepositLabel:
    code: str
    name: str
    kind: str


def deposit_items() -> list[DepositLabel]:
    """The coop's deposit items, crates first, with a short name in the active language."""
    items = DepositItem.objects.order_by("kind", "code")
    labels = [DepositLabel(item.code, _short(localized(item, "name")), item.kind) for item in items]
    return sorted(labels, key=lambda item: (item.kind != DepositItem.Kind.CRATE, item.code))


@dataclass
class OrderToHand:
    id: int
    number: str
    customer: str
    crates: list[tuple[str, int]]  # (storage, count), cooled first, only counts above zero
    kg: Decimal
    stop_sequence: int | None = None

    @property
    def cooled(self) -> bool:
        return any(storage in COOLED for storage, _count in self.crates)

    def count(self, storage: str) -> int:
        return dict(self.crates).get(storage, 0)


@dataclass
class StopCard:
    stop: Stop
    navigation_url: str
    orders: list[OrderToHand] = field(default_factory=list)
    crates: list[tuple[str, int]] = field(default_factory=list)  # per storage class, cooled first
    deposits_out: list[tuple[DepositLabel, int]] = field(default_factory=list)  # leaving with the orders
    take_back: list[tuple[DepositLabel, int]] = field(default_factory=list)  # empties the customers still hold
    goods: list[dict] = field(default_factory=list)  # a farm's goods to collect or unload, cooled first
    purchase_order: str = ""
    collected_from: str = ""

    @property
    def is_open(self) -> bool:
        return self.stop.status in (Stop.Status.PLANNED, Stop.Status.ARRIVED)

    @property
    def takes_proof(self) -> bool:
        return self.stop.kind != Stop.Kind.DEPOT

    @property
    def customers(self) -> int:
        return len({order.customer for order in self.orders})


@dataclass
class RouteDay:
    route: Route
    cards: list[StopCard]
    hub: Hub | None
    start: tuple[float, float] | None
    load: list[OrderToHand]  # what to load at the start, cooled first
    load_crates: list[tuple[str, int]]
    load_deposits: list[tuple[DepositLabel, int]]
    items: list[DepositLabel]

    @property
    def done(self) -> int:
        return sum(1 for card in self.cards if not card.is_open)

    @property
    def kg(self) -> Decimal:
        return sum((order.kg for order in self.load), Decimal("0"))


def _storage_counts(counts: dict) -> list[tuple[str, int]]:
    counts = counts or {}
    return [(storage, int(counts.get(storage) or 0)) for storage in STORAGE_FIRST if int(counts.get(storage) or 0)]


def _goods(rows) -> list[dict]:
    rank = {storage: n for n, storage in enumerate(STORAGE_FIRST)}
    return sorted(rows or [], key=lambda row: (rank.get(row.get("storage"), len(rank)), row.get("product", "")))


def _deposits_out(order_ids, run) -> dict[int, dict[str, int]]:
    """Deposit items booked out with each order at the cut-off (crates, bottles): order id -> {code: count}."""
    out: dict[int, dict[str, int]] = defaultdict(dict)
    rows = (DepositMovement.objects.filter(order_id__in=order_ids, cycle_id=run.cycle_id,
                                           direction=DepositMovement.Direction.OUT)
            .values_list("order_id", "item__code").annotate(total=Sum("quantity")))
    for order_id, code, total in rows:
        out[order_id][code] = total
    return out


def _labelled(counts: dict[str, int], labels: dict[str, DepositLabel]) -> list[tuple[DepositLabel, int]]:
    rows = [(labels.get(code) or DepositLabel(code, code, ""), count) for code, count in counts.items() if count > 0]
    return sorted(rows, key=lambda row: (row[0].kind != DepositItem.Kind.CRATE, row[0].code))


def _start_of(route: Route, hub: Hub | None) -> tuple[float, float] | None:
    vehicle = route.vehicle
    if vehicle.home_latitude is not None and vehicle.home_longitude is not None:
        return float(vehicle.home_latitude), float(vehicle.home_longitude)
    if hub is not None and hub.latitude is not None and hub.longitude is not None:
        return float(hub.latitude), float(hub.longitude)
    return None


def route_day(route: Route, stops=None) -> RouteDay:
    """Everything the driver needs for one route: stops in order with what happens there, and the load list."""
    stops = list(stops if stops is not None else Stop.objects.filter(route=route).order_by("sequence"))
    items = deposit_items()
    labels = {item.code: item for item in items}
    order_ids = [entry["id"] for stop in stops if stop.kind == Stop.Kind.DELIVER
                 for entry in (stop.load or {}).get("orders", [])]
    out = _deposits_out(order_ids, route.run) if order_ids else {}
    hub = Hub.objects.first()
    cards, load = [], []
    load_deposits: dict[str, int] = defaultdict(int)
    load_crates: dict[str, int] = defaultdict(int)
    for stop in stops:
        data = stop.load or {}
        card = StopCard(stop=stop, navigation_url=navigation_url(stop.latitude, stop.longitude, stop.name),
                        crates=_storage_counts(data.get("crates")))
        if stop.kind == Stop.Kind.DELIVER:
            handed: dict[str, int] = defaultdict(int)
            for entry in data.get("orders", []):
                order = OrderToHand(id=entry["id"], number=entry.get("number", ""), customer=entry.get("customer", ""),
                                    crates=_storage_counts(entry.get("crates")), kg=Decimal(entry.get("kg") or "0"),
                                    stop_sequence=stop.sequence)
                card.orders.append(order)
                load.append(order)
                for code, count in out.get(order.id, {}).items():
                    handed[code] += count
                    load_deposits[code] += count
                for storage, count in order.crates:
                    load_crates[storage] += count
            card.orders.sort(key=lambda order: (not order.cooled, order.number))
            card.deposits_out = _labelled(handed, labels)
            card.take_back = _labelled(data.get("crates_to_collect") or {}, labels)
        elif stop.kind == Stop.Kind.COLLECT:
            card.goods = _goods(data.get("goods"))
            card.purchase_order = (data.get("purchase_order") or {}).get("number", "")
        else:
            card.goods = _goods(data.get("goods"))
            card.collected_from = data.get("from", "")
        cards.append(card)
    load.sort(key=lambda order: (not order.cooled, order.stop_sequence or 0, order.number))
    return RouteDay(route=route, cards=cards, hub=hub, start=_start_of(route, hub), load=load,
                    load_crates=_storage_counts(load_crates), load_deposits=_labelled(load_deposits, labels),
                    items=items)
