"""At the hub: weights, shortages per line and spread per product (exact in Decimal), crates, producer answers."""

from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django_scopes import scope
from hypothesis import given, settings
from hypothesis import strategies as st

from logistics.models import PurchaseOrder
from logistics.services.closing import cycle_close
from logistics.services.hub import (
    ShortageRule,
    deposit_balances,
    deposit_record_return,
    line_record_shortage,
    line_record_weight,
    product_record_shortage,
    purchase_order_respond,
    spread_shortage,
)
from orders.models import Order
from orders.services.ordering import Destination, order_place
from tests import factories


@given(ordered=st.lists(st.integers(1, 20), min_size=1, max_size=15), data=st.data(),
       rule=st.sampled_from([ShortageRule.FIRST_COME, ShortageRule.PRO_RATA]),
       step=st.sampled_from([Decimal("1"), Decimal("0.5"), Decimal("0.25")]))
@settings(max_examples=200, deadline=None)
def test_spreading_is_exact_and_never_exceeds_a_line(ordered, data, rule, step):
    lines = [(i, f"N{i}", q * step) for i, q in enumerate(ordered)]
    steps_total = sum(ordered)
    short = data.draw(st.integers(0, steps_total)) * step
    shares = spread_shortage(lines, short, step, rule)
    assert sum(s.short for s in shares) == short
    assert all(Decimal("0") <= s.short <= s.ordered and s.short % step == 0 for s in shares)
    if rule == ShortageRule.FIRST_COME and short:
        # the latest orders lose first: once a line loses something, every later line lost everything
        hit = [s for s in shares if s.short]
        first_hit = shares.index(hit[0])
        assert all(s.short == s.ordered for s in shares[first_hit + 1:])


def test_pro_rata_example_and_bad_input():
    shares = spread_shortage([(1, "A", Decimal("6")), (2, "B", Decimal("3")), (3, "C", Decimal("1"))],
                             Decimal("5"), Decimal("1"), ShortageRule.PRO_RATA)
    assert [s.short for s in shares] == [Decimal("3"), Decimal("1"), Decimal("1")] or \
        [s.short for s in shares] == [Decimal("3"), Decimal("2"), Decimal("0")]
    with pytest.raises(ValidationError, match=r"multiple|veelvoud"):
        spread_shortage([(1, "A", Decimal("6"))], Decimal("1.5"), Decimal("1"), ShortageRule.PRO_RATA)
    with pytest.raises(ValidationError, match=r"between|tussen"):
        spread_shortage([(1, "A", Decimal("6"))], Decimal("7"), Decimal("1"), ShortageRule.PRO_RATA)


@pytest.fixture
def closed(world_a):
    coop = world_a.coop
    with scope(coop=coop):
        cycle = world_a.extra["cycle"]
        cheese = factories.ProductFactory(coop=coop, producer=world_a.extra["producer"], price="16.00",
                                          category=world_a.extra["category"], price_unit="kg", is_weighed=True,
                                          est_weight_kg="0.500")
        offer = factories.offer_for(cycle, cheese)
        buyers = [factories.MembershipFactory(coop=coop) for _ in range(3)]
        slot = cycle.pickup_points.get()
        orders = [order_place(customer=b, cycle_id=cycle.pk, lines=[{"offer": offer.pk, "quantity": q}],
                              destination=Destination("pickup", pickup_id=slot.pk)) for b, q in zip(buyers, [2, 1, 1])]
        cycle_close(cycle_id=cycle.pk)
        yield {"coop": coop, "cycle": cycle, "cheese": cheese, "orders": orders}


def test_weighing_sets_the_amount_and_tells_the_customer(closed, django_capture_on_commit_callbacks, monkeypatch):
    from logistics.tasks import notify_order_changed

    queued = []
    monkeypatch.setattr(notify_order_changed, "apply_async", lambda args, kwargs: queued.append(args))
    order = closed["orders"][0]
    line = order.lines.get()
    assert line.line_amount == Decimal("21.20")  # 2 x 0.5 kg x 21.20 (16 x 1.25 x 1.06)
    with django_capture_on_commit_callbacks(execute=True):
        line_record_weight(line_id=line.pk, weighed_kg="1.130")
    assert queued == [(closed["coop"].pk, order.pk)]
    notify_order_changed.apply(args=queued[0])
    line.refresh_from_db()
    order.refresh_from_db()
    assert (line.billed_quantity, line.line_amount) == (Decimal("1.130"), Decimal("23.96"))
    assert order.total_to_pay == Decimal("23.96")
    body = mail.outbox[-1].body
    assert "1,13 kg" in body and "23,96" in body and order.number in mail.outbox[-1].subject  # Dutch numbers


def test_a_product_shortage_is_spread_first_come_first_served(closed):
    shares = product_record_shortage(cycle_id=closed["cycle"].pk, product_id=closed["cheese"].pk, short_quantity=2,
                                     rule=ShortageRule.FIRST_COME)
    assert [s.short for s in shares] == [Decimal("0"), Decimal("1"), Decimal("1")]
    first, second, _third = (Order.objects.get(pk=o.pk) for o in closed["orders"])
    assert first.total_to_pay == Decimal("21.20") and second.total_to_pay == Decimal("0.00")


def test_weights_only_after_the_cutoff(world_a):
    with scope(coop=world_a.coop), pytest.raises(ValidationError, match=r"after the cut-off|na de deadline"):
        line_record_shortage(line_id=world_a.extra["order"].lines.get().pk, short_quantity=1)


def test_crates_out_at_close_and_back(closed):
    from catalog.models import DepositItem

    customer = closed["orders"][0].customer
    DepositItem.objects.create(coop=closed["coop"], code="veg_crate", kind="crate", name_nl="Krat", value="3.00")
    assert deposit_balances(customer=customer) == {}  # the crate item did not exist at the close
    deposit_record_return(item_code="veg_crate", quantity=1, customer=customer)
    assert deposit_balances(customer=customer) == {"veg_crate": -1}
    with pytest.raises(ValidationError):
        deposit_record_return(item_code="veg_crate", quantity=0, customer=customer)


def test_producer_confirms_or_reports_a_shortage(closed, world_a):
    producer = world_a.extra["producer"]
    po = PurchaseOrder.objects.get(cycle=closed["cycle"], producer=producer)
    cheese_line = po.lines.get(product=closed["cheese"])
    answered = purchase_order_respond(purchase_order_id=po.pk, producer=producer,
                                      confirmed={cheese_line.pk: Decimal("3")}, note="hagel")
    assert answered.status == PurchaseOrder.Status.SHORTAGE
    with pytest.raises(ValidationError):
        purchase_order_respond(purchase_order_id=po.pk, producer=producer, confirmed={cheese_line.pk: 99})
    other = factories.ProducerFactory(coop=closed["coop"])
    with pytest.raises(PurchaseOrder.DoesNotExist):
        purchase_order_respond(purchase_order_id=po.pk, producer=other)
