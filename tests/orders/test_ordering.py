"""Placing, changing and cancelling orders: prices as shown, reservations, cut-off, destinations."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django_scopes import scope

from catalog.pricing import PricingContext
from orders.models import Offer, Order, OrderCycle
from orders.services.ordering import Destination, OfferShortage, order_cancel, order_change_lines, order_place
from tests import factories


@pytest.fixture(autouse=True)
def _english_messages(settings):
    """These tests check the wording of error and status messages, written in English in the code; the platform's
    default language is Dutch, so they run in English (tests/test_translations.py covers the Dutch and French)."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def shop(world_a):
    coop = world_a.coop
    with scope(coop=coop):
        cycle = factories.open_cycle(coop, name="Week shop")
        product = factories.ProductFactory(coop=coop, producer=world_a.extra["producer"], price="2.40",
                                           category=world_a.extra["category"])
        offer = factories.offer_for(cycle, product, cap=10)
        slot = cycle.pickup_points.get()
        buyer = factories.MembershipFactory(coop=coop)
        yield {"coop": coop, "cycle": cycle, "product": product, "offer": offer, "slot": slot, "buyer": buyer}


def place(shop, quantity, **kwargs):
    return order_place(customer=shop["buyer"], cycle_id=shop["cycle"].pk,
                       lines=[{"offer": shop["offer"].pk, "quantity": quantity}],
                       destination=Destination("pickup", pickup_id=shop["slot"].pk), **kwargs)


def test_price_shown_is_price_charged(shop):
    shown = PricingContext(coop=shop["coop"]).price(shop["product"])
    order = place(shop, "3")
    line = order.lines.get()
    # 2.40 + 25 % margin = 3.00 excl. VAT; incl. 6 % = 3.18 per piece, three pieces = 9.54
    assert (shown.unit_net, shown.unit_gross) == (Decimal("3.00"), Decimal("3.18"))
    assert line.unit_gross == shown.unit_gross and line.line_amount == Decimal("9.54")
    assert order.total_gross == Decimal("9.54") and order.total_to_pay == Decimal("9.54")
    assert order.total_net + order.total_vat == order.total_gross
    assert order.total_net == Decimal("9.00")


def test_placing_reserves_and_cancelling_releases(shop):
    order = place(shop, "4")
    assert Offer.objects.get(pk=shop["offer"].pk).remaining == Decimal("6")
    order_change_lines(order_id=order.pk, lines=[{"offer": shop["offer"].pk, "quantity": "7"}])
    offer = Offer.objects.get(pk=shop["offer"].pk)
    assert (offer.remaining, offer.ordered) == (Decimal("3"), Decimal("7"))
    order_cancel(order_id=order.pk)
    offer.refresh_from_db()
    shop["slot"].refresh_from_db()
    assert (offer.remaining, offer.ordered, shop["slot"].orders_count) == (Decimal("10"), Decimal("0"), 0)
    assert Order.objects.get(pk=order.pk).status == Order.Status.CANCELLED


def test_shortage_names_the_line_and_saves_nothing(shop):
    other = factories.ProductFactory(coop=shop["coop"], producer=shop["product"].producer,
                                     category=shop["product"].category)
    other_offer = factories.offer_for(shop["cycle"], other, cap=100)
    with pytest.raises(OfferShortage) as excinfo:
        order_place(customer=shop["buyer"], cycle_id=shop["cycle"].pk,
                    lines=[{"offer": other_offer.pk, "quantity": 5}, {"offer": shop["offer"].pk, "quantity": 11}],
                    destination=Destination("pickup", pickup_id=shop["slot"].pk))
    (shortage,) = excinfo.value.shortages
    assert shortage.offer_id == shop["offer"].pk and shortage.remaining == Decimal("10")
    assert Order.objects.filter(customer=shop["buyer"]).count() == 0
    assert Offer.objects.get(pk=other_offer.pk).remaining == Decimal("100")  # rolled back
    shop["slot"].refresh_from_db()
    assert shop["slot"].orders_count == 0


def test_shortage_message_reads_plain_quantities_in_the_language(shop):
    """10.000 left reads "10" (Decimal.normalize() wrote "1E+1"); Dutch gets a decimal comma."""
    with pytest.raises(OfferShortage) as excinfo:
        place(shop, "11")
    assert str(excinfo.value) == f"Only 10 left of {shop['product'].name_nl} (you asked 11)."
    Offer.objects.filter(pk=shop["offer"].pk).update(quantity_cap=Decimal("2.500"), remaining=Decimal("2.500"))
    with pytest.raises(OfferShortage) as excinfo:
        place(shop, "3")
    with translation.override("nl"):
        message = excinfo.value.message
    assert "2,5" in message and "2.5" not in message


@pytest.mark.parametrize(("quantity", "message"), [("0", "more than zero"), ("1.5", "multiple"), ("abc", "quantity")])
def test_bad_quantities_are_refused(shop, quantity, message):
    with pytest.raises(ValidationError, match=message):
        place(shop, quantity)


def test_no_changes_after_the_cutoff(shop):
    order = place(shop, "2")
    OrderCycle.objects.filter(pk=shop["cycle"].pk).update(cutoff_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(ValidationError, match="cut-off"):
        order_change_lines(order_id=order.pk, lines=[{"offer": shop["offer"].pk, "quantity": "3"}])
    with pytest.raises(ValidationError, match="cut-off"):
        order_cancel(order_id=order.pk)
    other = factories.MembershipFactory(coop=shop["coop"])
    with pytest.raises(ValidationError, match="cut-off"):
        order_place(customer=other, cycle_id=shop["cycle"].pk, lines=[{"offer": shop["offer"].pk, "quantity": 1}],
                    destination=Destination("pickup", pickup_id=shop["slot"].pk))
    assert Offer.objects.get(pk=shop["offer"].pk).remaining == Decimal("8")


def test_a_double_submit_returns_the_first_order(shop):
    first = place(shop, "2", idempotency_key="abc")
    second = place(shop, "2", idempotency_key="abc")
    assert first.pk == second.pk
    assert Offer.objects.get(pk=shop["offer"].pk).remaining == Decimal("8")


def test_undeclared_allergens_cannot_be_ordered(shop):
    shop["product"].allergens.all().delete()
    type(shop["product"]).objects.filter(pk=shop["product"].pk).update(allergens_declared_at=None)
    with pytest.raises(ValidationError, match="allergens"):
        place(shop, "1")


def test_full_pickup_point_is_refused(shop):
    type(shop["slot"]).objects.filter(pk=shop["slot"].pk).update(capacity=0)
    with pytest.raises(ValidationError, match="full"):
        place(shop, "1")


def test_home_delivery_fee_minimum_and_free_from(shop):
    from orders.models import DeliveryZone

    DeliveryZone.objects.create(coop=shop["coop"], name="Leuven", postcodes=["3000", "3010"], fee="4.50",
                                free_from="20.00", minimum_order="5.00", window_from="16:00", window_until="20:00")
    address = Destination("delivery", street="Tiensesteenweg 1", postcode="3010", city="Kessel-Lo")
    with pytest.raises(ValidationError, match="at least"):
        order_place(customer=shop["buyer"], cycle_id=shop["cycle"].pk,
                    lines=[{"offer": shop["offer"].pk, "quantity": 1}], destination=address)
    order = order_place(customer=shop["buyer"], cycle_id=shop["cycle"].pk,
                        lines=[{"offer": shop["offer"].pk, "quantity": 2}], destination=address)
    assert order.delivery_fee == Decimal("4.50") and order.total_to_pay == Decimal("6.36") + Decimal("4.50")
    order = order_change_lines(order_id=order.pk, lines=[{"offer": shop["offer"].pk, "quantity": 7}])
    assert order.delivery_fee == Decimal("0.00")  # 7 x 3.18 = 22.26 >= 20.00
    with pytest.raises(ValidationError, match="do not deliver"):
        order_place(customer=factories.MembershipFactory(coop=shop["coop"]), cycle_id=shop["cycle"].pk,
                    lines=[{"offer": shop["offer"].pk, "quantity": 2}],
                    destination=Destination("delivery", street="x 1", postcode="9000", city="Gent"))


def test_business_customer_pays_excl_vat_with_price_group(shop, world_a):
    account = world_a.extra["business_account"]  # price group with 10 % margin
    chef = factories.MembershipFactory(coop=shop["coop"], roles=["business"], business_account=account)
    order = order_place(customer=chef, cycle_id=shop["cycle"].pk, lines=[{"offer": shop["offer"].pk, "quantity": 5}],
                        destination=Destination("business"))
    line = order.lines.get()
    assert line.unit_net == Decimal("2.64") and line.line_amount == Decimal("13.20")  # 2.40 x 1.10
    assert order.total_vat == Decimal("0.79") and order.total_gross == Decimal("13.99")  # 13.20 x 6 %


def test_weekly_offer_price_and_weighed_goods(shop):
    cheese = factories.ProductFactory(coop=shop["coop"], producer=shop["product"].producer, price="16.00",
                                      category=shop["product"].category, sell_unit="piece", price_unit="kg",
                                      is_weighed=True, est_weight_kg="0.450")
    offer = factories.offer_for(shop["cycle"], cheese, price="18.00")
    order = order_place(customer=shop["buyer"], cycle_id=shop["cycle"].pk, lines=[{"offer": offer.pk, "quantity": 2}],
                        destination=Destination("pickup", pickup_id=shop["slot"].pk))
    line = order.lines.get()
    # 18.00 x 1.25 = 22.50/kg excl., 23.85 incl.; 2 pieces x 0.450 kg = 0.900 kg -> 21.47
    assert (line.billed_quantity, line.unit_gross, line.line_amount) == (Decimal("0.900"), Decimal("23.85"),
                                                                         Decimal("21.47"))
