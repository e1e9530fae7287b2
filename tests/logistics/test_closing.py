"""Closing a cycle at the cut-off: purchase orders, packing data, crates, documents; exactly once."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django_scopes import scope, scopes_disabled
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from logistics.models import CycleDocument, DepositMovement, OrderPacking, PurchaseOrder, PurchaseOrderLine
from logistics.services.closing import cycle_close, cycles_due_for_closing
from orders.models import OrderCycle, OrderLine
from orders.services.ordering import Destination, order_change_lines, order_place
from tests import factories


@pytest.fixture(autouse=True)
def _english_messages(settings):
    """These tests check the wording of error and status messages, written in English in the code; the platform's
    default language is Dutch, so they run in English (tests/test_translations.py covers the Dutch and French)."""
    settings.LANGUAGE_CODE = "en"


def _snapshot(cycle_id):
    return {
        "po": sorted(PurchaseOrder.objects.filter(cycle_id=cycle_id).values_list("producer_id", "number")),
        "lines": sorted(PurchaseOrderLine.objects.filter(purchase_order__cycle_id=cycle_id)
                        .values_list("purchase_order__producer_id", "product_id", "quantity")),
        "packing": sorted(OrderPacking.objects.filter(cycle_id=cycle_id).values_list("order_id", "destination_key")),
        "docs": sorted(CycleDocument.objects.filter(cycle_id=cycle_id).values_list("kind", "subject")),
        "deposits": sorted(DepositMovement.objects.filter(cycle_id=cycle_id).values_list("order_id", "item_id",
                                                                                          "quantity")),
    }


def test_close_builds_everything_once(world_a):
    cycle = world_a.extra["cycle"]
    with scope(coop=world_a.coop):
        result = cycle_close(cycle_id=cycle.pk)
        assert not result.already_closed and result.purchase_orders == 1 and result.orders == 1
        first = _snapshot(cycle.pk)
        again = cycle_close(cycle_id=cycle.pk)
        assert again.already_closed and _snapshot(cycle.pk) == first
        assert OrderCycle.objects.get(pk=cycle.pk).status == OrderCycle.Status.CLOSED
        (line,) = first["lines"]
        assert line[1:] == (world_a.extra["product"].pk, Decimal("2"))
        kinds = {kind for kind, _ in first["docs"]}
        assert kinds == {"purchase_order", "goods_in", "packing_list", "destination_list", "hub_summary",
                         "crate_labels"}
        with pytest.raises(ValidationError, match="not open"):
            order_change_lines(order_id=world_a.extra["order"].pk,
                               lines=[{"offer": world_a.extra["offer"].pk, "quantity": 3}])


def test_only_open_cycles_close(world_a):
    with scope(coop=world_a.coop):
        OrderCycle.objects.filter(pk=world_a.extra["cycle"].pk).update(status=OrderCycle.Status.DRAFT)
        with pytest.raises(ValidationError, match="Only an open cycle"):
            cycle_close(cycle_id=world_a.extra["cycle"].pk)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_closes_give_one_set():
    from tests.conftest import make_world

    world = make_world("sluit", "Sluiting")
    cycle = world.extra["cycle"]
    barrier = threading.Barrier(2)
    results, errors = [], []

    def close():
        try:
            with scope(coop=world.coop):
                barrier.wait()
                results.append(cycle_close(cycle_id=cycle.pk))
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=close) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    assert sorted(r.already_closed for r in results) == [False, True]
    with scopes_disabled():
        assert PurchaseOrder.objects.filter(cycle=cycle).count() == 1
        assert OrderPacking.objects.filter(cycle=cycle).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_beat_scan_picks_up_a_close_left_half_way_but_not_one_in_progress():
    """A worker died after "closing" and its queue message is gone: the every-minute scan queues the close
    again (also for an early close, before the cut-off), but not while a live worker holds the cycle."""
    from tests.conftest import make_world

    world = make_world("hapert", "Hapert")
    cycle = world.extra["cycle"]
    with scopes_disabled():
        OrderCycle.objects.filter(pk=cycle.pk).update(status=OrderCycle.Status.CLOSING,
                                                      cutoff_at=cycle.cutoff_at + timedelta(days=1))
    locked, release = threading.Event(), threading.Event()

    def live_close():  # phase 2 of a close in progress holds the cycle row
        try:
            with scopes_disabled(), transaction.atomic():
                OrderCycle.objects.select_for_update().get(pk=cycle.pk)
                locked.set()
                release.wait(30)
        finally:
            connection.close()

    holder = threading.Thread(target=live_close)
    holder.start()
    try:
        assert locked.wait(10)
        with scope(coop=world.coop):
            assert cycle.pk not in cycles_due_for_closing()
    finally:
        release.set()
        holder.join(30)
    with scope(coop=world.coop):
        assert cycle.pk in cycles_due_for_closing()
        for cycle_id in cycles_due_for_closing():
            cycle_close(cycle_id=cycle_id)
        assert OrderCycle.objects.get(pk=cycle.pk).status == OrderCycle.Status.CLOSED
        assert cycle.pk not in cycles_due_for_closing()
        assert PurchaseOrder.objects.filter(cycle=cycle).count() == 1
        assert OrderPacking.objects.filter(cycle=cycle).count() == 1


quantities = st.lists(st.tuples(st.integers(0, 2), st.integers(1, 6)), min_size=1, max_size=12)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(orders=quantities)
def test_purchase_orders_are_the_sum_of_ordered_lines(world_a, orders):
    """Property: per producer and product, what a producer must bring equals what customers ordered."""
    coop = world_a.coop
    with scope(coop=coop):
        cycle = factories.open_cycle(coop, name="Eigenschap")
        producers = [factories.ProducerFactory(coop=coop) for _ in range(2)]
        products = [factories.ProductFactory(coop=coop, producer=producers[i % 2], category=world_a.extra["category"])
                    for i in range(3)]
        offers = [factories.offer_for(cycle, p) for p in products]
        slot = cycle.pickup_points.get()
        for product_index, quantity in orders:
            buyer = factories.MembershipFactory(coop=coop)
            order_place(customer=buyer, cycle_id=cycle.pk,
                        lines=[{"offer": offers[product_index].pk, "quantity": quantity}],
                        destination=Destination("pickup", pickup_id=slot.pk))
        cycle_close(cycle_id=cycle.pk)
        expected: dict = {}
        for line in OrderLine.objects.filter(order__cycle=cycle).select_related("offer"):
            key = (line.offer.producer_id, line.product_id)
            expected[key] = expected.get(key, 0) + line.quantity
        po_lines = PurchaseOrderLine.objects.filter(purchase_order__cycle=cycle).select_related("purchase_order")
        got = {(pol.purchase_order.producer_id, pol.product_id): pol.quantity for pol in po_lines}
        assert got == expected
        assert sum(got.values()) == sum(q for _, q in orders)
