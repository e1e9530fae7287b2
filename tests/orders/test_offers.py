"""Producers' offers: caps, reductions only down to what is ordered, withdrawal, copy last week."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from django_scopes import scope

from orders.models import Offer, OrderCycle
from orders.services.offers import offer_post, offer_set_cap, offer_withdraw, offers_copy_last_week
from tests import factories


@pytest.fixture(autouse=True)
def _english_messages(settings):
    """These tests check the wording of error and status messages, written in English in the code; the platform's
    default language is Dutch, so they run in English (tests/test_translations.py covers the Dutch and French)."""
    settings.LANGUAGE_CODE = "en"


def test_cap_can_shrink_only_to_what_is_ordered(world_a):
    offer = world_a.extra["offer"]  # cap 50, the world's order took 2
    with scope(coop=world_a.coop):
        assert offer_set_cap(offer_id=offer.pk, quantity_cap="5").remaining == Decimal("3")
        with pytest.raises(ValidationError, match="already ordered 2"):
            offer_set_cap(offer_id=offer.pk, quantity_cap="1")
        assert offer_set_cap(offer_id=offer.pk, quantity_cap=None).remaining is None
        withdrawn = offer_withdraw(offer_id=offer.pk)
        assert (withdrawn.quantity_cap, withdrawn.remaining, withdrawn.is_withdrawn) == (Decimal("2"), 0, True)


def test_offer_post_refuses_undeclared_products_and_closed_cycles(world_a):
    coop = world_a.coop
    with scope(coop=coop):
        cycle = world_a.extra["cycle"]
        product = factories.ProductFactory(coop=coop, producer=world_a.extra["producer"],
                                           category=world_a.extra["category"])
        offer = offer_post(cycle=cycle, product=product, quantity_cap="12", price="3,10")
        assert (offer.remaining, offer.price) == (Decimal("12"), Decimal("3.10"))
        type(product).objects.filter(pk=product.pk).update(allergens_declared_at=None)
        product.refresh_from_db()
        with pytest.raises(ValidationError, match="allergens"):
            offer_post(cycle=cycle, product=product, quantity_cap="1")
        OrderCycle.objects.filter(pk=cycle.pk).update(status=OrderCycle.Status.CLOSED)
        cycle.refresh_from_db()
        with pytest.raises(ValidationError, match="draft or open"):
            offer_post(cycle=cycle, product=world_a.extra["product"], quantity_cap="1")


def test_copy_last_week(world_a):
    coop, producer = world_a.coop, world_a.extra["producer"]
    with scope(coop=coop):
        last = world_a.extra["cycle"]
        nxt = OrderCycle.objects.create(coop=coop, name="Next", opens_at=last.opens_at + timedelta(days=7),
                                        cutoff_at=last.cutoff_at + timedelta(days=7),
                                        delivery_date=last.delivery_date + timedelta(days=7))
        copied = offers_copy_last_week(producer=producer, cycle=nxt)
        assert [(o.product_id, o.quantity_cap, o.remaining) for o in copied] == [
            (world_a.extra["product"].pk, Decimal("50"), Decimal("50"))]
        assert offers_copy_last_week(producer=producer, cycle=nxt) == []  # nothing twice
        assert Offer.objects.filter(cycle=nxt).count() == 1


def test_reduce_below_ordered_names_the_quantity_without_exponent_or_trailing_zeros(world_a):
    offer = world_a.extra["offer"]
    with scope(coop=world_a.coop):
        Offer.objects.filter(pk=offer.pk).update(quantity_cap=Decimal("50"), ordered=Decimal("10.000"),
                                                   remaining=Decimal("40"))
        with pytest.raises(ValidationError) as excinfo:
            offer_set_cap(offer_id=offer.pk, quantity_cap="5")
        assert excinfo.value.message_dict["quantity_cap"] == ["Customers already ordered 10; you cannot offer less."]
        Offer.objects.filter(pk=offer.pk).update(ordered=Decimal("2.500"), remaining=Decimal("47.5"))
        with translation.override("nl"), pytest.raises(ValidationError) as excinfo:
            offer_set_cap(offer_id=offer.pk, quantity_cap="1")
        (message,) = excinfo.value.message_dict["quantity_cap"]
        assert "2,5" in message and "2.5" not in message  # a Dutch decimal comma
