"""Demo settlements: last month's producer settlements for every demo coop, issued (deterministic, idempotent).

Runs after invoicing.demo, which delivers last month's weeks (weights, shortages) and invoices them. Should no
week of last month be delivered (that seeder absent), this one makes the schedule's last two weeks of the month
through orders.demo.cycle_ensure (keyed on the delivery day) and marks them delivered. It records the coop's
settlement policy and the producers' self-billing agreements (all normal-VAT farms but one, so the demo shows the
statement for a producer without agreement too) and issues the month with the ordinary service, which returns
what exists on a rerun.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone
from django_scopes import scope, scopes_disabled

from coop.models import Cooperative
from members.models import Producer
from orders.models import Order, OrderCycle

from .issuing import settlements_issue_period
from .models import ProducerSettlementTerms, SettlementPolicy
from .policy import Period, previous_month

AGREED_ON = date(2026, 1, 15)
DEMO_WEEKS = 2


def _delivered_weeks(coop, period: Period, spec: dict, now) -> None:
    from orders import demo as orders_demo

    if Order.objects.filter(status=Order.Status.DELIVERED,
                            cycle__delivery_date__range=(period.start, period.end)).exists():
        return

    schedule = orders_demo.schedule_ensure(coop)
    points = orders_demo.pickup_points_ensure(coop, spec)
    zone = orders_demo.delivery_zone_ensure(coop, spec)
    day = orders_demo.current_delivery(schedule, now)
    while day > period.end:
        day -= timedelta(weeks=1)
    days = [day - timedelta(weeks=k) for k in range(DEMO_WEEKS) if day - timedelta(weeks=k) >= period.start]
    cycles = [orders_demo.cycle_ensure(coop=coop, schedule=schedule, delivery=d, points=points, zone=zone, now=now,
                                       past=True) for d in sorted(days)]
    for cycle in cycles:  # delivered: conditional updates on the state, as the delivery rounds leave them
        Order.objects.filter(cycle=cycle, status__in=[Order.Status.PLACED, Order.Status.PACKED]).update(
            status=Order.Status.DELIVERED)
        OrderCycle.objects.filter(pk=cycle.pk, status__in=[OrderCycle.Status.CLOSED, OrderCycle.Status.PACKED]
                                  ).update(status=OrderCycle.Status.DELIVERED)


def _terms(coop) -> None:
    SettlementPolicy.objects.get_or_create(coop=coop, defaults={"fee_percent": Decimal("3.00"), "contest_days": 7})
    normal = list(Producer.objects.filter(vat_status=Producer.VatStatus.NORMAL).order_by("key"))
    for producer in normal[:-1] if len(normal) > 1 else normal:
        ProducerSettlementTerms.objects.get_or_create(coop=coop, producer=producer,
                                                      defaults={"self_billing_agreed_on": AGREED_ON})


@scopes_disabled()
def seed(region: dict) -> None:
    now = timezone.now()
    period = previous_month(timezone.localdate())
    for spec in region["coops"]:
        coop = Cooperative.objects.get(slug=spec["slug"])
        with scope(coop=coop):
            _terms(coop)
            _delivered_weeks(coop, period, spec, now)
            settlements_issue_period(period=period)
