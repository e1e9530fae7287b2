"""Demo costs: what running each demo coop costs in the months it delivered, so the economics dashboard, the
cost shares and the break-even turnover have something to show (issue 11 item 7).

Per month with delivered orders (the last twelve): hub rent, a part-time coordinator, software, packaging per
order, and the rounds: km, vehicle-days and driver hours from the month's planned routes where there is a plan,
else an estimate per delivery day. Figures are plausible for a small Flemish coop, not anyone's real books.
Idempotent: a month that has costs is left alone.
"""

from datetime import date
from decimal import Decimal

from django.utils import timezone
from django_scopes import scope

from coop.models import Cooperative
from invoicing.models import CostEntry
from invoicing.services.costs import cost_entry_create, planned_quantity
from invoicing.services.economics import month_add, month_start
from orders.models import Order

FIXED = [("hub_rent", "650.00", "Huur koelcel en loods"), ("staff", "1850.00", "Coördinator (halftijds)"),
         ("software", "79.00", "Platform en boekhouding")]
PER_UNIT = [("vehicle_km", "0.32", "Bestelwagen: verbruik en onderhoud", Decimal(85)),
            ("vehicle_day", "38.00", "Bestelwagen: leasing per dag", Decimal(1)),
            ("driver_hours", "24.50", "Chauffeur", Decimal("5.5"))]
PACKAGING_PER_ORDER = Decimal("0.40")


def _delivered_months(today: date) -> list[tuple[date, int, int]]:
    """(month, delivered orders, delivery days) for the last twelve months that had deliveries."""
    first = month_add(month_start(today), -11)
    found = []
    for n in range(12):
        month = month_add(first, n)
        orders = Order.objects.filter(status=Order.Status.DELIVERED, cycle__delivery_date__gte=month,
                                      cycle__delivery_date__lt=month_add(month, 1))
        count = orders.count()
        if count:
            found.append((month, count, orders.values("cycle__delivery_date").distinct().count()))
    return found


def seed(region: dict) -> None:
    today = timezone.localdate()
    for spec in region["coops"]:
        coop = Cooperative.objects.get(slug=spec["slug"])
        with scope(coop=coop):
            for month, orders, days in _delivered_months(today):
                if CostEntry.objects.filter(month=month).exists():
                    continue
                for category, amount, description in FIXED:
                    cost_entry_create(coop=coop, month=month, category=category, amount=amount,
                                      description=description)
                cost_entry_create(coop=coop, month=month, category="packaging", description="Zakken en etiketten",
                                  amount=(PACKAGING_PER_ORDER * orders).quantize(Decimal("0.01")))
                for category, unit_cost, description, per_day in PER_UNIT:
                    planned = planned_quantity(month=month, category=category) > 0
                    cost_entry_create(coop=coop, month=month, category=category, unit_cost=unit_cost,
                                      description=description, quantity_from_planning=planned,
                                      quantity=None if planned else per_day * days)
