"""From a closed cycle to the route engine's `Instance` (DESIGN.md section 2: the engine knows no Django).

Two steps, so the benchmark and tests can feed the second one plain data:

1. `planning_input_for_cycle(cycle, vehicles)` reads what the cut-off produced (packing per order, purchase
   orders) and the fleet into a `PlanningInput` of plain dataclasses: one `PlanTask` per destination to deliver
   (pickup point, kitchen, home address) and per producer whose goods must be collected, one `PlanVehicle` per
   vehicle and day it is available.
2. `build_instance(data, objective, locked)` turns that into the engine's `Instance`:
   - a delivery is a standalone stop whose load leaves the hub (or a vehicle's own base) with the vehicle;
   - a collection is a shipment farm -> hub (the drop at the hub within its receiving windows), so a van that
     delivered in the morning can collect a farm on its way back instead of a second trip;
   - cooled goods need the skill `cooled`, stops in a low-emission zone `lez`, and a vehicle limited to some
     postcodes (cargo bike) lacks the skill `outside:<vehicle id>` that every stop outside them needs;
   - every task is optional at a high penalty, so an impossible stop is reported as unassigned with the
     engine's reason instead of failing the whole plan.

Times are seconds since local midnight of `reference` (six days before the delivery day), so Thursday's
collection and Friday's delivery live on one clock. Producers that bring their goods themselves are not visited.
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from coop.numbers import plain
from logistics.routing.model import CRATES, Instance, Location, LockedSequence, Shipment, Stop, TimeWindow, Vehicle

KG, VOLUME = "kg", "volume_l"
COOLED, LEZ = "cooled", "lez"
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAY = 86400.0
HUB = "hub"
# Left-out penalty per task in the objective's unit (EUR for cost, km for distance): far above what serving any
# stop could cost, so the engine only leaves a task out when it cannot be served. The fleet objective counts a
# vehicle as 50 times the longest arc, hence its larger penalty.
DROP_PENALTY = {"cost": 5000.0, "distance": 5000.0, "fleet": 1_000_000.0}
# Municipalities with a low-emission zone (Gent, Antwerpen); settings.PLANNING_LEZ_POSTCODES overrides.
LEZ_POSTCODES = frozenset({"9000", "9030", "9031", "9032", "9040", "9041", "9042", "9050", "9051", "9052",
                           "2000", "2018", "2020", "2030", "2040", "2050", "2060", "2100", "2140", "2170",
                           "2180", "2600", "2610", "2660"})  # fmt: skip
SPEED_FACTOR = {"cargo_bike": 1.5}  # travel time multiplier per vehicle kind (town streets by bike)


def setting(name: str, default):
    return getattr(settings, name, default)


@dataclass(frozen=True)
class PlanTask:
    key: str  # the engine's stop id (a shipment id for collections)
    kind: str  # "deliver" or "collect"
    name: str
    address: str
    postcode: str
    lat: float | None
    lon: float | None
    windows: tuple[tuple[float, float], ...]
    service_fixed: float  # seconds
    kg: float
    crates: int
    cooled: bool
    load: dict = field(default_factory=dict, hash=False, compare=False)
    producer_id: int | None = None


@dataclass(frozen=True)
class PlanVehicle:
    key: str  # "v<vehicle id>@<day>"
    vehicle_id: int
    name: str
    kind: str
    day: date
    start: tuple[float, float]
    end: tuple[float, float]
    start_label: str
    shift: tuple[float, float]
    max_duration: float | None
    capacity_kg: float
    capacity_crates: float
    capacity_volume: float | None
    cooled: bool
    lez: bool
    area: frozenset[str]  # postcodes it may serve; empty: anywhere
    fixed_cost: float
    cost_per_km: float
    cost_per_hour: float
    speed_factor: float = 1.0


@dataclass(frozen=True)
class Farm:
    """A producer of the cycle, for the baseline and the farms' own trips to the hub."""

    producer_id: int
    name: str
    lat: float | None
    lon: float | None
    brings_to_hub: bool
    destinations: tuple[str, ...]  # delivery task keys that receive its goods


@dataclass
class PlanningInput:
    name: str
    reference: date
    hub: tuple[float, float]
    hub_name: str
    hub_windows: tuple[tuple[float, float], ...]
    vehicles: list[PlanVehicle]
    tasks: list[PlanTask]
    unplaceable: list[tuple[PlanTask, str]] = field(default_factory=list)  # cannot enter the instance
    farms: list[Farm] = field(default_factory=list)
    seconds_per_crate: float = 20.0
    hub_unload_seconds: float = 120.0
    crate_volume_l: float = 50.0
    lez_postcodes: frozenset[str] = LEZ_POSTCODES
    _index: dict[str, PlanTask] | None = field(default=None, repr=False, compare=False)

    def task(self, key: str) -> PlanTask | None:
        """The task of an engine stop id (a collection's drop at the hub belongs to its collection)."""
        return {task.key: task for task in self.tasks}.get(key.removesuffix(":hub")) if self._index is None \
            else self._index.get(key.removesuffix(":hub"))

    def freeze(self) -> None:
        """Index the tasks by key; call again after changing `tasks`."""
        self._index = {task.key: task for task in self.tasks}

    def vehicle(self, key: str) -> PlanVehicle | None:
        return next((vehicle for vehicle in self.vehicles if vehicle.key == key), None)

    def seconds_at(self, moment: datetime) -> float:
        local = timezone.localtime(moment)
        return (local.date() - self.reference).days * DAY + local.hour * 3600 + local.minute * 60 + local.second

    def datetime_at(self, seconds: float) -> datetime:
        day = self.reference + timedelta(days=int(seconds // DAY))
        rest = seconds - (day - self.reference).days * DAY
        midnight = timezone.make_aware(datetime.combine(day, time(0)))
        return midnight + timedelta(seconds=round(rest))


# --- 2. plain data -> engine instance ---------------------------------------------------------------------------

def hub_drop_key(task_key: str) -> str:
    return f"{task_key}:hub"


def _location_of(vehicle: PlanVehicle, point: tuple[float, float], hub: tuple[float, float], role: str) -> str:
    return HUB if point == hub else f"{vehicle.key}:{role}"


def build_instance(data: PlanningInput, objective: str = "cost", locked: list[LockedSequence] = ()) -> Instance:
    penalty = DROP_PENALTY.get(objective, DROP_PENALTY["cost"])
    locations = [Location(HUB, lat=data.hub[0], lon=data.hub[1])]
    restricted = [v for v in data.vehicles if v.area]
    vehicles = []
    for vehicle in data.vehicles:
        start = _location_of(vehicle, vehicle.start, data.hub, "start")
        end = _location_of(vehicle, vehicle.end, data.hub, "end")
        for location, point in ((start, vehicle.start), (end, vehicle.end)):
            if location != HUB and all(loc.id != location for loc in locations):
                locations.append(Location(location, lat=point[0], lon=point[1]))
        skills = {f"outside:{other.vehicle_id}" for other in restricted if other.vehicle_id != vehicle.vehicle_id}
        if not vehicle.area:
            skills |= {f"outside:{other.vehicle_id}" for other in restricted}
        if vehicle.cooled:
            skills.add(COOLED)
        if vehicle.lez:
            skills.add(LEZ)
        capacity = {KG: vehicle.capacity_kg, CRATES: vehicle.capacity_crates}
        if vehicle.capacity_volume:
            capacity[VOLUME] = vehicle.capacity_volume
        vehicles.append(Vehicle(
            id=vehicle.key, start=start, end=end, shift=TimeWindow(*vehicle.shift), max_duration=vehicle.max_duration,
            capacity=capacity, skills=frozenset(skills), fixed_cost=vehicle.fixed_cost,
            cost_per_km=vehicle.cost_per_km, cost_per_hour=vehicle.cost_per_hour, speed_factor=vehicle.speed_factor,
        ))
    stops, shipments = [], []
    hub_windows = tuple(TimeWindow(*w) for w in data.hub_windows)
    for task in data.tasks:
        locations.append(Location(task.key, lat=task.lat, lon=task.lon))
        demand = {KG: round(task.kg, 3), CRATES: float(task.crates)}
        if any(v.capacity_volume for v in data.vehicles):
            demand[VOLUME] = task.crates * data.crate_volume_l
        skills = set()
        if task.cooled:
            skills.add(COOLED)
        if task.postcode in data.lez_postcodes:
            skills.add(LEZ)
        skills |= {f"outside:{v.vehicle_id}" for v in restricted if task.postcode not in v.area}
        windows = tuple(TimeWindow(*w) for w in task.windows)
        if task.kind == "deliver":
            stops.append(Stop(task.key, task.key, task.service_fixed, data.seconds_per_crate, windows, demand,
                              frozenset(skills), penalty))
        else:
            per_crate, needs = data.seconds_per_crate, frozenset(skills)
            pickup = Stop(task.key, task.key, task.service_fixed, per_crate, windows, {}, needs)
            drop = Stop(hub_drop_key(task.key), HUB, data.hub_unload_seconds, per_crate, hub_windows, {}, needs)
            shipments.append(Shipment(task.key, pickup, drop, demand, penalty))
    known = {stop.id for stop in stops} | {s.pickup.id for s in shipments} | {s.delivery.id for s in shipments}
    vehicle_keys = {vehicle.id for vehicle in vehicles}
    locks = []
    for lock in locked:
        kept = tuple(stop_id for stop_id in lock.stops if stop_id in known)
        if lock.vehicle in vehicle_keys and kept:
            locks.append(LockedSequence(lock.vehicle, kept, lock.contiguous))
    return Instance(data.name, locations, vehicles, stops=stops, shipments=shipments, locked=locks)


# --- 1. the cycle -> plain data ---------------------------------------------------------------------------------

def _float(value) -> float | None:
    return None if value is None else float(value)


def _clock(text: str) -> time:
    hours, minutes = str(text).split(":")[:2]
    return time(int(hours), int(minutes))


def _day_on_or_before(delivery: date, weekday: str) -> date:
    return delivery - timedelta(days=(delivery.weekday() - WEEKDAYS.index(weekday)) % 7)


def _window(data: PlanningInput, start: datetime | None, end: datetime | None) -> tuple[tuple[float, float], ...]:
    if start is None or end is None:
        return ()
    a, b = data.seconds_at(start), data.seconds_at(end)
    return ((max(0.0, a), b),) if b > a and b > 0 else ()


def _merge(windows: list[tuple[float, float]]) -> tuple[tuple[float, float], ...]:
    merged: list[list[float]] = []
    for start, end in sorted(windows):
        if merged and start <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple((a, b) for a, b in merged)


def _crates_of(packings) -> dict[str, int]:
    return {"ambient": sum(p.crates_ambient for p in packings), "chilled": sum(p.crates_chilled for p in packings),
            "frozen": sum(p.crates_frozen for p in packings)}


def planning_input_for_cycle(cycle, vehicles=None) -> PlanningInput:
    """Read a closed cycle and the fleet (`vehicles`: Vehicle rows; default every active one) into plain data."""
    from logistics.models import Hub
    from logistics.models import Vehicle as VehicleRow
    from orders.models import OrderCycle

    hub = Hub.objects.first()
    if hub is None or hub.latitude is None or hub.longitude is None:
        raise ValueError(_("Give the hub its coordinates first: rounds start and end there."))
    if cycle.status not in (OrderCycle.Status.CLOSED, OrderCycle.Status.PACKED):
        raise ValueError(_("Rounds are planned once the cycle is closed."))
    delivery = cycle.delivery_date
    data = PlanningInput(
        name=f"{cycle.coop.slug}-{delivery:%Y%m%d}", reference=delivery - timedelta(days=6),
        hub=(float(hub.latitude), float(hub.longitude)), hub_name=hub.name, hub_windows=(), vehicles=[], tasks=[],
        seconds_per_crate=float(setting("PLANNING_SECONDS_PER_CRATE", 20)),
        hub_unload_seconds=float(setting("PLANNING_HUB_UNLOAD_SECONDS", 120)),
        crate_volume_l=float(setting("PLANNING_CRATE_VOLUME_L", 50)),
        lez_postcodes=frozenset(setting("PLANNING_LEZ_POSTCODES", LEZ_POSTCODES)),
    )
    hub_windows = []
    for window in hub.receiving_windows or []:
        day = _day_on_or_before(delivery, window["day"])
        start = timezone.make_aware(datetime.combine(day, _clock(window["from"])))
        end = timezone.make_aware(datetime.combine(day, _clock(window["to"])))
        hub_windows += _window(data, start, end)
    data.hub_windows = _merge(hub_windows)
    destination_of_order = _deliveries(cycle, data)
    _collections(cycle, data, destination_of_order)
    if vehicles is None:
        vehicles = VehicleRow.objects.filter(is_active=True).select_related("home_hub")
    days = {delivery} | {data.reference + timedelta(days=int(w[0] // DAY)) for t in data.tasks for w in t.windows}
    data.vehicles = [pv for vehicle in vehicles for pv in _plan_vehicles(vehicle, data, delivery, days)]
    return data


def _deliveries(cycle, data: PlanningInput) -> dict[int, str]:
    """One delivery task per destination; returns order id -> task key (for the baseline)."""
    from coop.geo import postcode_location
    from logistics.models import OrderPacking
    from orders.models import CyclePickupPoint, Order

    packings = list(
        OrderPacking.objects.filter(cycle=cycle, order__status__in=[Order.Status.PLACED, Order.Status.PACKED])
        .select_related("order__customer__user", "order__pickup__pickup_point", "order__delivery_zone",
                        "order__business_account").order_by("order__number"))
    delivery = cycle.delivery_date
    day_start = timezone.make_aware(datetime.combine(delivery, time(0)))
    day_end = timezone.make_aware(datetime.combine(delivery, time(23, 59)))
    groups: dict[str, list] = defaultdict(list)
    for packing in packings:
        order = packing.order
        if order.fulfilment == Order.Fulfilment.PICKUP:
            if order.pickup.served_by != CyclePickupPoint.ServedBy.DELIVERY_ROUND:
                continue  # collected at the hub, or stocked by a producer: no round goes there
            key = f"deliver:pickup:{order.pickup.pickup_point_id}"
        elif order.fulfilment == Order.Fulfilment.BUSINESS:
            key = f"deliver:business:{order.business_account_id}"
        else:
            address = f"{order.delivery_postcode}|{order.delivery_street.strip().lower()}"
            key = "deliver:home:" + hashlib.sha1(address.encode(), usedforsecurity=False).hexdigest()[:12]
        groups[key].append(packing)
    customers = {p.order.customer_id for p in packings}
    balances = _crates_out(customers, cycle)
    home_minutes = float(setting("PLANNING_HOME_SERVICE_MINUTES", 3))
    destination_of_order = {}
    for key, rows in groups.items():
        order = rows[0].order
        if order.fulfilment == Order.Fulfilment.PICKUP:
            point = order.pickup.pickup_point
            name, postcode, city, street = point.name, point.postcode, point.city, point.street
            lat, lon = _float(point.latitude), _float(point.longitude)
            # The goods must be there before customers come to collect.
            opens = order.pickup.pickup_from
            windows = _window(data, min(day_start, opens - timedelta(hours=12)), opens)
            service, cooled_required = point.service_minutes * 60.0, False
        elif order.fulfilment == Order.Fulfilment.BUSINESS:
            account = order.business_account
            name, postcode, city = account.name, getattr(account, "postcode", ""), getattr(account, "city", "")
            street = getattr(account, "street", "")
            lat, lon = _float(getattr(account, "latitude", None)), _float(getattr(account, "longitude", None))
            start, until = getattr(account, "delivery_from", None), getattr(account, "delivery_until", None)
            windows = (_window(data, timezone.make_aware(datetime.combine(delivery, start)),
                               timezone.make_aware(datetime.combine(delivery, until)))
                       if start and until else _window(data, day_start, day_end))
            service = float(getattr(account, "service_minutes", 15) or 15) * 60
            cooled_required = bool(getattr(account, "cooled_delivery_required", False))
        else:
            user = order.customer.user
            name = user.get_full_name() or user.email
            postcode, city, street = order.delivery_postcode, order.delivery_city, order.delivery_street
            lat = lon = None
            zone = order.delivery_zone
            windows = (_window(data, timezone.make_aware(datetime.combine(delivery, zone.window_from)),
                               timezone.make_aware(datetime.combine(delivery, zone.window_until)))
                       if zone else _window(data, day_start, day_end))
            service, cooled_required = home_minutes * 60, False
        if lat is None or lon is None:
            found = postcode_location(postcode, city)
            lat, lon = (float(found[0]), float(found[1])) if found else (None, None)
        crates = _crates_of(rows)
        to_collect: dict[str, int] = defaultdict(int)
        for customer_id in {p.order.customer_id for p in rows}:
            for code, count in balances.get(customer_id, {}).items():
                to_collect[code] += count
        load = {
            "orders": [{"id": p.order_id, "number": p.order.number, "customer_id": p.order.customer_id,
                        "customer": p.order.customer.user.get_full_name() or p.order.customer.user.email,
                        "fulfilment": p.order.fulfilment, "kg": str(p.weight_kg),
                        "crates": {"ambient": p.crates_ambient, "chilled": p.crates_chilled,
                                   "frozen": p.crates_frozen}} for p in rows],
            "crates": crates, "crates_to_collect": {c: n for c, n in to_collect.items() if n > 0},
            "destination_key": rows[0].destination_key,
        }
        task = PlanTask(
            key=key, kind="deliver", name=name[:200], address=", ".join(filter(None, [street, f"{postcode} {city}"])),
            postcode=postcode, lat=lat, lon=lon, windows=windows or _window(data, day_start, day_end),
            service_fixed=service, kg=float(sum((p.weight_kg for p in rows), Decimal("0"))),
            crates=sum(crates.values()), cooled=cooled_required or crates["chilled"] + crates["frozen"] > 0, load=load,
        )
        if lat is None:
            data.unplaceable.append((task, _("no coordinates for this address")))
        else:
            data.tasks.append(task)
        for p in rows:
            destination_of_order[p.order_id] = key
    return destination_of_order


def _crates_out(customers, cycle) -> dict[int, dict[str, int]]:
    """Deposit items customers still hold from earlier cycles: empties to bring back (information only; nested
    empty crates take little room, so they are not a capacity constraint)."""
    from logistics.models import DepositMovement

    balances: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    rows = (DepositMovement.objects.filter(customer_id__in=customers).exclude(cycle=cycle)
            .values_list("customer_id", "item__code", "direction").annotate(total=Sum("quantity")))
    for customer_id, code, direction, total in rows:
        balances[customer_id][code] += total if direction == DepositMovement.Direction.OUT else -total
    return balances


def _collections(cycle, data: PlanningInput, destination_of_order: dict[int, str]) -> None:
    """A collection task per producer that must be collected; every producer of the cycle as a `Farm`."""
    from coop.geo import postcode_location
    from logistics.models import PurchaseOrder
    from logistics.services.closing import CRATE_KG
    from members.models import Producer
    from orders.models import Order, OrderLine

    served: dict[int, set[str]] = defaultdict(set)
    for producer_id, order_id in (OrderLine.objects.filter(
            order__cycle=cycle, order__status__in=[Order.Status.PLACED, Order.Status.PACKED])
            .values_list("offer__producer_id", "order_id").distinct()):
        if order_id in destination_of_order:
            served[producer_id].add(destination_of_order[order_id])
    for po in PurchaseOrder.objects.filter(cycle=cycle).select_related("producer").prefetch_related("lines"):
        producer = po.producer
        lat, lon = _float(producer.latitude), _float(producer.longitude)
        if lat is None or lon is None:
            found = postcode_location(producer.postcode, producer.city)
            lat, lon = (float(found[0]), float(found[1])) if found else (None, None)
        brings = po.delivery_mode != Producer.DeliveryMode.COLLECTED
        data.farms.append(Farm(producer.pk, producer.farm_name, lat, lon, brings, tuple(sorted(served[producer.pk]))))
        if brings:
            continue
        kg_per_storage: dict[str, Decimal] = defaultdict(Decimal)
        goods = []
        for line in po.lines.all():
            quantity = line.quantity if line.confirmed_quantity is None else line.confirmed_quantity
            share = quantity / line.quantity if line.quantity else Decimal("0")
            kg_per_storage[line.storage] += line.estimated_kg * share
            if quantity > 0:
                goods.append({"product": line.product_name, "quantity": plain(quantity),
                              "unit": line.sell_unit, "storage": line.storage})
        kg = sum(kg_per_storage.values(), Decimal("0"))
        if kg <= 0:
            continue
        crates = {storage: math.ceil(amount / CRATE_KG) for storage, amount in kg_per_storage.items() if amount > 0}
        task = PlanTask(
            key=f"collect:po:{po.pk}", kind="collect", name=producer.farm_name,
            address=", ".join(filter(None, [producer.street, f"{producer.postcode} {producer.city}"])),
            postcode=producer.postcode, lat=lat, lon=lon, windows=_window(data, po.slot_from, po.slot_until),
            service_fixed=producer.service_minutes * 60.0, kg=float(kg), crates=sum(crates.values()),
            cooled=bool(crates.get("chilled") or crates.get("frozen")),
            load={"purchase_order": {"id": po.pk, "number": po.number}, "goods": goods, "crates": crates},
            producer_id=producer.pk,
        )
        if lat is None:
            data.unplaceable.append((task, _("no coordinates for this farm")))
        else:
            data.tasks.append(task)


def vehicle_shifts(vehicle, delivery: date, days: set[date]) -> list[tuple[str, date, dict]]:
    """(engine key, day, shift) of each shift of `vehicle` on one of `days`, the shift's weekday taken in the week
    up to the delivery day. The key is "v<id>@<weekday>", with a number from the second shift of a day on."""
    result, count = [], defaultdict(int)
    for shift in vehicle.availability or []:
        if shift.get("day") not in WEEKDAYS:
            continue
        day = _day_on_or_before(delivery, shift["day"])
        if day not in days:
            continue
        count[day] += 1
        suffix = "" if count[day] == 1 else str(count[day])
        result.append((f"v{vehicle.pk}@{shift['day']}{suffix}", day, shift))
    return result


def _plan_vehicles(vehicle, data: PlanningInput, delivery: date, days: set[date]) -> list[PlanVehicle]:
    """One engine vehicle per shift on a day that has work (the delivery day, or a day a farm can be collected)."""
    if vehicle.home_latitude is not None and vehicle.home_longitude is not None:
        home = (float(vehicle.home_latitude), float(vehicle.home_longitude))
        label = vehicle.home_label or vehicle.name
    elif vehicle.home_hub is not None and vehicle.home_hub.latitude is not None:
        home = (float(vehicle.home_hub.latitude), float(vehicle.home_hub.longitude))
        label = vehicle.home_hub.name
    else:
        home, label = data.hub, data.hub_name
    result = []
    for key, day, shift in vehicle_shifts(vehicle, delivery, days):
        start = timezone.make_aware(datetime.combine(day, _clock(shift["from"])))
        end = timezone.make_aware(datetime.combine(day, _clock(shift["to"])))
        result.append(PlanVehicle(
            key=key, vehicle_id=vehicle.pk, name=vehicle.name, kind=vehicle.kind,
            day=day, start=home, end=home, start_label=label, shift=(data.seconds_at(start), data.seconds_at(end)),
            max_duration=float(vehicle.max_duration_hours) * 3600 if vehicle.max_duration_hours else None,
            capacity_kg=float(vehicle.capacity_kg), capacity_crates=float(vehicle.capacity_crates),
            capacity_volume=float(vehicle.capacity_volume_l) if vehicle.capacity_volume_l else None,
            cooled=vehicle.is_cooled, lez=vehicle.is_lez_compliant, area=frozenset(vehicle.service_postcodes or ()),
            fixed_cost=float(vehicle.fixed_cost_per_day), cost_per_km=float(vehicle.cost_per_km),
            cost_per_hour=float(vehicle.cost_per_hour), speed_factor=SPEED_FACTOR.get(vehicle.kind, 1.0),
        ))
    return result


def planning_instance_for_cycle(cycle, vehicles=None, *, objective: str = "cost",
                                locked: list[LockedSequence] = ()) -> tuple[Instance, PlanningInput]:
    """The engine instance for a closed cycle, and the plain data it was built from."""
    data = planning_input_for_cycle(cycle, vehicles)
    return build_instance(data, objective, locked), data
