"""Real concurrency on PostgreSQL: 50 buyers order the last 10 units at the same moment."""

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django_scopes import scope, scopes_disabled

from orders.models import Offer, Order
from orders.services.ordering import Destination, OfferShortage, order_place
from tests import factories

BUYERS = 50


@pytest.mark.django_db(transaction=True)
def test_fifty_buyers_for_the_last_ten_units():
    with scopes_disabled():
        coop = factories.CooperativeFactory(slug="race", name="Race")
        product = factories.ProductFactory(coop=coop)
        cycle = factories.open_cycle(coop)
        offer = factories.offer_for(cycle, product, cap=10)
        slot = cycle.pickup_points.get()
        buyers = [factories.MembershipFactory(coop=coop) for _ in range(BUYERS)]

    start = threading.Barrier(BUYERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def buy(membership):
        try:
            with scope(coop=coop):
                start.wait()
                order_place(customer=membership, cycle_id=cycle.pk, lines=[{"offer": offer.pk, "quantity": 1}],
                            destination=Destination("pickup", pickup_id=slot.pk))
            result = "sold"
        except OfferShortage as exc:
            result = "short" if exc.shortages[0].remaining == 0 else f"odd shortage {exc.shortages}"
        except Exception as exc:
            result = f"error {type(exc).__name__}: {exc}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=buy, args=(m,)) for m in buyers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert sorted(set(outcomes)) == ["short", "sold"], outcomes
    assert outcomes.count("sold") == 10 and outcomes.count("short") == BUYERS - 10
    with scopes_disabled():
        offer.refresh_from_db()
        assert (offer.remaining, offer.ordered) == (Decimal("0"), Decimal("10"))
        assert Order.objects.filter(cycle=cycle).count() == 10
        assert Offer.objects.filter(remaining__lt=0).count() == 0
