"""The demo week (orders.demo): what `seed_demo` promises beyond idempotency (tests/coop/test_seed_demo.py)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from catalog.models import Product
from coop.demo import data
from coop.models import Cooperative
from orders.models import CycleSchedule, DeliveryZone, Offer, Order, OrderCycle, PickupPoint
from orders.services.cycles import cycle_accepts_orders


@pytest.mark.django_db
def test_every_coop_gets_an_open_week_with_offers_and_past_weeks_with_orders():
    from coop.management.commands.seed_demo import _load

    region = data.regions()
    for dotted in ["coop.demo.people.seed", "coop.demo.producers.seed", "catalog.demo.seed", "orders.demo.seed"]:
        _load(dotted)(region)
    with scopes_disabled():
        coops = list(Cooperative.objects.all())
    assert len(coops) == 2
    for coop in coops:
        with scope(coop=coop):
            assert CycleSchedule.objects.get().cutoff_weekday == "wed"
            assert PickupPoint.objects.filter(is_active=True).count() >= 5
            assert DeliveryZone.objects.get().postcodes
            (current,) = OrderCycle.objects.filter(status=OrderCycle.Status.OPEN)
            assert cycle_accepts_orders(current)
            assert current.cutoff_at >= timezone.now() + timedelta(days=1, hours=23)
            assert current.pickup_points.count() == PickupPoint.objects.count()
            offers = Offer.objects.filter(cycle=current)
            producers = set(Product.objects.filter(is_active=True).values_list("producer_id", flat=True))
            assert set(offers.values_list("producer_id", flat=True)) == producers
            assert offers.filter(quantity_cap__gte=3, quantity_cap__lte=8).count() >= 5
            assert offers.filter(quantity_cap__isnull=True).exists()
            past = OrderCycle.objects.filter(status=OrderCycle.Status.CLOSED)
            assert past.count() == 3 and all(c.cutoff_at < timezone.now() for c in past)
            for cycle in past:
                orders = Order.objects.filter(cycle=cycle)
                assert orders.count() >= 30 and orders.values("customer").distinct().count() == orders.count()
            assert Order.objects.filter(cycle__in=past, payment_status=Order.PaymentStatus.PAID).exists()
            assert Order.objects.filter(cycle__in=past, payment_status=Order.PaymentStatus.UNPAID).exists()
            # Customers klant1..22 have not ordered this week, so any of them can try the shop.
            assert not Order.objects.filter(cycle=current, customer__user__email__startswith="klant1").exists()
