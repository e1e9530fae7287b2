"""Demo week for every coop: a schedule, pickup points and a home-delivery zone from coop/data/regions.json,
an open cycle for this week with offers from every producer, and past closed cycles with orders and payments.
A past week is a real cooperative's week: some forty-five households (of klant1..klant60) and the four
kitchens' standing orders, about what the demo fleet carries on a Friday (a 60-crate cooled van, a 40-crate
van and a cargo bike, one trip each), so its rounds are planned full rather than a third empty.

Deterministic (random.Random seeded per coop and delivery day) and idempotent: everything is keyed on stable
values (schedule name, pickup point key, zone name, the schedule's delivery day), and a cycle's offers, orders
and payments are only made when the cycle itself is created. Orders go through order_place while the cycle
is open, exactly as customers place them; a past cycle is then moved to closed by a conditional update.
"""

import random
from contextlib import suppress
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from catalog.models import Product
from catalog.pricing import with_producer_price
from catalog.services import product_is_sellable
from coop import money
from coop.bank import StatementEntry
from coop.models import Cooperative
from invoicing.services.matching import statement_import
from members.models import Membership, Role
from orders.models import CyclePickupPoint, CycleSchedule, DeliveryZone, Order, OrderCycle, Payment, PickupPoint
from orders.services.cycles import WEEKDAYS, local_datetime, schedule_dates
from orders.services.offers import offer_post
from orders.services.ordering import Destination, OfferShortage, order_place
from orders.services.payments import payment_record

SCHEDULE_NAME = "Wekelijkse levering"
PAST_WEEKS = 3
MIN_OPEN = timedelta(days=2)  # the demo's open cycle stays open at least this long after seeding
ORDERS_PER_PAST_CYCLE = 45  # households drawn; a few drop out when a capped offer runs short
OPEN_CYCLE_CUSTOMERS = range(23, 31)  # klant23..klant30 already ordered this week; klant1..22 have not
DAY_NAMES = {"mon": "ma", "tue": "di", "wed": "wo", "thu": "do", "fri": "vr", "sat": "za", "sun": "zo"}


def _hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def schedule_ensure(coop: Cooperative) -> CycleSchedule:
    schedule, _ = CycleSchedule.objects.get_or_create(
        coop=coop, name=SCHEDULE_NAME,
        defaults={"opens_weekday": "mon", "opens_time": time(8, 0), "cutoff_weekday": "wed",
                  "cutoff_time": time(20, 0), "delivery_weekday": "fri", "weeks_ahead": 2})
    return schedule


def pickup_points_ensure(coop: Cooperative, spec: dict) -> list[PickupPoint]:
    points = []
    for row in spec["pickup_points"]:
        hours = ", ".join(f"{DAY_NAMES[h['day']]} {h['from']}–{h['to']}" for h in row.get("pickup_hours", []))
        point, _ = PickupPoint.objects.get_or_create(coop=coop, key=row["key"], defaults={
            "name": row["name"], "kind": row["kind"], "postcode": row["postcode"], "city": row["municipality"],
            "street": row.get("street", ""), "latitude": Decimal(str(row["latitude"])).quantize(Decimal("0.00001")),
            "longitude": Decimal(str(row["longitude"])).quantize(Decimal("0.00001")),
            "is_cooled": bool(row.get("cooled_storage")), "capacity_orders": row.get("capacity_orders", 40),
            "pickup_hours": hours[:200], "service_minutes": row.get("service_minutes", 10)})
        point.demo = row
        points.append(point)
    return points


def delivery_zone_ensure(coop: Cooperative, spec: dict) -> DeliveryZone | None:
    zone_spec = spec.get("home_delivery_zone")
    if not zone_spec:
        return None
    window = (zone_spec.get("delivery_windows") or [{"day": "fri", "from": "16:00", "to": "20:00"}])[0]
    zone, _ = DeliveryZone.objects.get_or_create(coop=coop, name="Thuislevering", defaults={
        "postcodes": list(zone_spec["postcodes"]), "fee": Decimal(zone_spec.get("fee_eur", "0")),
        "free_from": Decimal(zone_spec["free_from_eur"]) if zone_spec.get("free_from_eur") else None,
        "minimum_order": Decimal("25.00"), "delivery_weekday": window["day"],
        "window_from": _hhmm(window["from"]), "window_until": _hhmm(window["to"])})
    return zone


def current_delivery(schedule: CycleSchedule, now: datetime) -> date:
    """The first delivery day whose cut-off is at least MIN_OPEN away, so the demo always has a shop."""
    today = timezone.localtime(now).date()
    day = today + timedelta(days=(WEEKDAYS.index(schedule.delivery_weekday) - today.weekday()) % 7)
    while schedule_dates(schedule, day)[1] < now + MIN_OPEN:
        day += timedelta(weeks=1)
    return day


def _slots(cycle: OrderCycle, points: list[PickupPoint]) -> list[CyclePickupPoint]:
    """Serve every point on the delivery day in its own pickup hours (farm shops stock themselves)."""
    weekday = WEEKDAYS[cycle.delivery_date.weekday()]
    slots = []
    for point in points:
        hours = [h for h in point.demo.get("pickup_hours", []) if h["day"] == weekday] or [
            {"from": "16:00", "to": "19:00"}]
        served_by = (CyclePickupPoint.ServedBy.PRODUCER if point.demo.get("host_farm_key")
                     else CyclePickupPoint.ServedBy.DELIVERY_ROUND)
        slot, _ = CyclePickupPoint.objects.get_or_create(cycle=cycle, pickup_point=point, defaults={
            "coop": cycle.coop, "capacity": point.capacity_orders, "served_by": served_by,
            "pickup_from": local_datetime(cycle.delivery_date, _hhmm(hours[0]["from"])),
            "pickup_until": local_datetime(cycle.delivery_date, _hhmm(hours[0]["to"]))})
        slots.append(slot)
    return slots


def _offer_all(cycle: OrderCycle, rng: random.Random) -> list:
    """Every producer offers their in-season products (all of them out of season): some with a small cap."""
    month = cycle.delivery_date.month
    products = with_producer_price(Product.objects.filter(coop=cycle.coop, producer__is_active=True)
                                   .select_related("producer").order_by("producer__key", "sku"), at=cycle.opens_at)
    by_producer: dict[int, list[Product]] = {}
    for product in products:
        if product_is_sellable(product)[0] and product.producer_price_at is not None:
            by_producer.setdefault(product.producer_id, []).append(product)
    offers = []
    for _producer_id, items in sorted(by_producer.items()):
        in_season = [p for p in items if not p.season_months or month in p.season_months] or items
        for product in in_season:
            draw = rng.random()
            cap = rng.randint(3, 8) if draw < 0.25 else rng.choice([15, 20, 30, 40, 60]) if draw < 0.6 else None
            price = money.round_amount(product.producer_price_at * Decimal("0.9")) if rng.random() < 0.08 else None
            offers.append(offer_post(cycle=cycle, product=product, quantity_cap=cap, price=price))
    return offers


def _consumers(coop: Cooperative) -> dict[int, Membership]:
    found = {}
    for membership in Membership.objects.filter(coop=coop, roles__contains=[Role.CONSUMER]).select_related("user"):
        local = membership.user.email.split("@")[0]
        if local.startswith("klant") and local[5:].isdigit():
            found[int(local[5:])] = membership
    return found


def _place(cycle: OrderCycle, customer: Membership, offers: list, slots, zone, points, rng: random.Random,
           *, key: str, limited_ok: bool) -> Order | None:
    choices = [o for o in offers if limited_ok or o.quantity_cap is None]
    lines = []
    for offer in rng.sample(choices, min(len(choices), rng.randint(2, 6))):
        product = offer.product
        quantity = product.min_quantity + product.order_step * rng.choice([0, 0, 1, 2])
        lines.append({"offer": offer.pk, "quantity": str(quantity)})
    home = [p for p in points if zone is not None and p.postcode in zone.postcodes]
    if home and rng.random() < 0.25:
        where = rng.choice(home)
        destination = Destination(Order.Fulfilment.DELIVERY, street=f"Dorpsstraat {rng.randint(1, 120)}",
                                  postcode=where.postcode, city=where.city)
    else:
        destination = Destination(Order.Fulfilment.PICKUP, pickup_id=rng.choice(slots).pk)
    method = Order.PaymentMethod.AT_PICKUP if (destination.fulfilment == Order.Fulfilment.PICKUP
                                                and rng.random() < 0.15) else Order.PaymentMethod.TRANSFER
    for attempt in (destination, Destination(Order.Fulfilment.PICKUP, pickup_id=slots[0].pk)):
        try:
            return order_place(customer=customer, cycle_id=cycle.pk, lines=lines, destination=attempt,
                               payment_method=method, idempotency_key=key)
        except OfferShortage:
            return None  # a small cap ran out: this customer simply did not order
        except ValidationError:
            continue  # e.g. under the home-delivery minimum: collect at a pickup point instead
    return None


def _pay(order: Order, rng: random.Random) -> None:
    """Most past orders are paid (by transfer, through the statement import as a real one would be: the entry
    is on the Payments page), a few partly or not yet."""
    draw = rng.random()
    if draw < 0.2 or order.total_to_pay <= 0:
        return
    amount = order.total_to_pay if draw < 0.9 else money.round_amount(order.total_to_pay / 2)
    received_on = order.cycle.delivery_date - timedelta(days=1)
    if order.payment_method == Order.PaymentMethod.AT_PICKUP:
        payment_record(order_id=order.pk, amount=amount, received_on=received_on, source=Payment.Source.AT_PICKUP,
                       payer_name=order.customer.user.get_full_name())
        return
    statement_import(coop=order.coop, source=Payment.Source.CAMT, entries=[StatementEntry(
        reference=f"DEMO-{order.number}", amount=amount, is_credit=True, booking_date=received_on,
        structured=order.payment_reference, counterparty_name=order.customer.user.get_full_name())])


def cycle_ensure(*, coop: Cooperative, schedule: CycleSchedule, delivery: date, points, zone, now: datetime,
                 past: bool) -> OrderCycle:
    opens_at, cutoff_at = schedule_dates(schedule, delivery)
    # Open now when the week's opening is still ahead; a past cycle is created open and closed afterwards.
    opens_at = min(opens_at, now - timedelta(hours=1))
    name = f"Week {delivery.isocalendar().week} — levering {delivery:%d/%m/%Y}"
    cycle, created = OrderCycle.objects.get_or_create(schedule=schedule, delivery_date=delivery, defaults={
        "coop": coop, "name": name, "opens_at": opens_at, "status": OrderCycle.Status.OPEN,
        "cutoff_at": now + timedelta(hours=1) if past else cutoff_at})
    if not created:
        return cycle
    rng = random.Random(f"{coop.slug}:{delivery.isoformat()}")
    slots = _slots(cycle, points)
    offers = _offer_all(cycle, rng)
    consumers = _consumers(coop)
    if past:
        numbers = rng.sample(sorted(consumers), min(len(consumers), ORDERS_PER_PAST_CYCLE))
    else:
        numbers = [n for n in OPEN_CYCLE_CUSTOMERS if n in consumers]
    for number in numbers:
        order = _place(cycle, consumers[number], offers, slots, zone, points, rng,
                       key=f"demo-{delivery.isoformat()}-{number}", limited_ok=past)
        if order is not None and past:
            _pay(order, rng)
    standing_orders_place(cycle)
    if past:
        # The cut-off came: closed by a conditional update on the state (as the cut-off task does).
        OrderCycle.objects.filter(pk=cycle.pk, status=OrderCycle.Status.OPEN).update(
            status=OrderCycle.Status.CLOSED, cutoff_at=min(cutoff_at, now - timedelta(minutes=1)))
        cycle.refresh_from_db()
    return cycle


def standing_orders_place(cycle: OrderCycle) -> None:
    """The kitchens' standing orders (orders.demo_b2b makes them, and runs first) go into every week, past ones
    included, as the beat tick places them when a cycle opens: a coop's week is the kitchens' volume too."""
    from orders.services.standing import StandingPlacementError, standing_orders_place_for_cycle

    with suppress(StandingPlacementError):  # left claimed: the beat tick retries it
        standing_orders_place_for_cycle(cycle=cycle, notify=False)


@scopes_disabled()
def seed(region: dict) -> None:
    now = timezone.now()
    for spec in region["coops"]:
        coop = Cooperative.objects.get(slug=spec["slug"])
        with scope(coop=coop):
            schedule = schedule_ensure(coop)
            points = pickup_points_ensure(coop, spec)
            zone = delivery_zone_ensure(coop, spec)
            current = current_delivery(schedule, now)
            for weeks_back in range(PAST_WEEKS, 0, -1):
                cycle_ensure(coop=coop, schedule=schedule, delivery=current - timedelta(weeks=weeks_back),
                             points=points, zone=zone, now=now, past=True)
            cycle_ensure(coop=coop, schedule=schedule, delivery=current, points=points, zone=zone, now=now,
                         past=False)
