"""Demo invoices: last month's deliveries of every coop, invoiced as the monthly run would (issue 11 item 10).

For each delivery day of last month the demo week is made the way orders.demo makes its past weeks (consumers'
orders, the kitchens' standing orders), then delivered: weighed goods at a weight close to the estimate, one
line in twenty short. The billing run then issues the kitchens' monthly invoices (dated the first working day
of this month), consumers klant1..klant6 "ask" for theirs, and the first kitchen's invoice is paid through a
statement entry. Deterministic (random.Random seeded per coop and day) and idempotent: weeks that exist are
left alone, and the run and the requests only pick up orders that were never invoiced.
"""

import random
from contextlib import suppress
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from coop import money
from coop.bank import StatementEntry
from coop.models import Cooperative
from invoicing.models import Invoice
from invoicing.services.calendar import first_working_day, month_end, previous_month
from invoicing.services.matching import statement_import
from invoicing.services.runs import billing_run, invoice_on_request
from orders.models import Order, OrderCycle, OrderLine
from orders.services.cycles import WEEKDAYS

REQUESTING_CONSUMERS = range(1, 7)


def _delivery_days(schedule, period: date) -> list[date]:
    weekday = WEEKDAYS.index(schedule.delivery_weekday)
    day = period + timedelta(days=(weekday - period.weekday()) % 7)
    days = []
    while day <= month_end(period):
        days.append(day)
        day += timedelta(weeks=1)
    return days


def _place_standing_orders(cycle: OrderCycle, now: datetime) -> None:
    """The kitchens' weekly orders, placed while the week is open (reopened for a moment if orders.demo closed
    it already), exactly as the beat tick places them."""
    from orders.services.standing import StandingPlacementError, standing_orders_place_for_cycle

    if Order.objects.filter(cycle=cycle, business_account__isnull=False).exists():
        return
    closed_at = cycle.cutoff_at
    OrderCycle.objects.filter(pk=cycle.pk, status=OrderCycle.Status.CLOSED).update(
        status=OrderCycle.Status.OPEN, cutoff_at=now + timedelta(hours=1))
    cycle.refresh_from_db()
    with suppress(StandingPlacementError):
        standing_orders_place_for_cycle(cycle=cycle, notify=False)
    OrderCycle.objects.filter(pk=cycle.pk, status=OrderCycle.Status.OPEN).update(status=OrderCycle.Status.CLOSED,
                                                                                 cutoff_at=closed_at)


def _deliver(cycle: OrderCycle) -> None:
    """Weigh, mark a few shortages, and deliver: the cycle and its placed orders become delivered."""
    rng = random.Random(f"{cycle.coop.slug}:delivered:{cycle.delivery_date.isoformat()}")
    for line in OrderLine.objects.filter(order__cycle=cycle, order__status=Order.Status.PLACED).order_by("pk"):
        changes = {}
        if line.is_weighed:
            changes["weighed_quantity"] = money.round_quantity(line.billed_quantity
                                                               * Decimal(str(rng.uniform(0.92, 1.08))))
        elif rng.random() < 0.05 and line.quantity >= 2:
            changes["short_quantity"] = Decimal("1")
        if changes:
            OrderLine.objects.filter(pk=line.pk).update(**changes)
    Order.objects.filter(cycle=cycle, status=Order.Status.PLACED).update(status=Order.Status.DELIVERED)
    OrderCycle.objects.filter(pk=cycle.pk).update(status=OrderCycle.Status.DELIVERED)


def month_ensure_delivered(coop: Cooperative, spec: dict, period: date, now: datetime) -> list[OrderCycle]:
    from orders import demo as orders_demo

    schedule = orders_demo.schedule_ensure(coop)
    points = orders_demo.pickup_points_ensure(coop, spec)
    zone = orders_demo.delivery_zone_ensure(coop, spec)
    cycles = []
    for day in _delivery_days(schedule, period):
        if OrderCycle.objects.filter(schedule=schedule, delivery_date=day).exists():
            continue  # made before (by this seeder or another): left as it is
        cycle = orders_demo.cycle_ensure(coop=coop, schedule=schedule, delivery=day, points=points, zone=zone,
                                         now=now, past=True)
        _place_standing_orders(cycle, now)
        _deliver(cycle)
        cycles.append(cycle)
    return cycles


def invoices_ensure(coop: Cooperative, period: date) -> None:
    today = timezone.localdate()
    issue_date = min(first_working_day(today.year, today.month), today)
    billing_run(coop=coop, period=period, issue_date=issue_date, dispatch=False)
    for order in (Order.objects.filter(status=Order.Status.DELIVERED, business_account__isnull=True,
                                       cycle__delivery_date__range=(period, month_end(period)),
                                       customer__user__email__in=[f"klant{n}@{coop.slug}.example"
                                                                  for n in REQUESTING_CONSUMERS])
                  .exclude(invoice_links__invoice__kind=Invoice.Kind.INVOICE).select_related("customer")):
        with suppress(ValidationError):
            invoice_on_request(membership=order.customer, order_id=order.pk)
    first = (Invoice.objects.filter(kind=Invoice.Kind.INVOICE, status=Invoice.Status.ISSUED,
                                    business_account__isnull=False, supply_until__lte=month_end(period))
             .order_by("business_account__name", "pk").first())
    if first is not None:  # the first kitchen paid already; the others are still open
        statement_import(coop=coop, source="manual", entries=[StatementEntry(
            reference=f"DEMO-{first.number}", amount=first.payable_amount, is_credit=True,
            booking_date=max(issue_date, today - timedelta(days=1)), structured=first.payment_reference,
            counterparty_name=first.buyer.get("name", ""), counterparty_iban="BE68539007547034")])


@scopes_disabled()
def seed(region: dict) -> None:
    now = timezone.now()
    period = previous_month(timezone.localdate())
    for spec in region["coops"]:
        coop = Cooperative.objects.get(slug=spec["slug"])
        with scope(coop=coop):
            month_ensure_delivered(coop, spec, period, now)
            invoices_ensure(coop, period)
