"""Bulk writes send no signal, yet the shop's kept listing and page show them on the next request: the querysets
of the watched models bump the version tokens themselves (coop/versioned.py), no writer has to."""

from decimal import Decimal

from django_scopes import scope

from catalog.models import CategoryMargin, ProducerPrice, Product
from members.models import Membership
from orders.models import Offer, Order, OrderCycle
from tests.orders import test_shop
from tests.orders.test_shop import card_of
from tests.orders.test_shop_page_cache import get, place, served_from_cache

english, shop = test_shop.english, test_shop.shop  # the shop's fixtures (English pages, world_a's open cycle)


def kept(client, shop) -> None:
    client.force_login(shop.buyer.user)
    get(client, shop)
    assert served_from_cache(client, shop)[0]


def test_what_is_left_written_in_bulk_shows_at_once(client, shop):
    kept(client, shop)
    with scope(coop=shop.coop):
        Offer.objects.filter(pk=shop.offer.pk).update(quantity_cap=Decimal("2"), remaining=Decimal("2"))
    cached, page = served_from_cache(client, shop)
    assert not cached and "Only 2 left" in page
    with scope(coop=shop.coop):
        Offer.objects.bulk_update([Offer(pk=shop.offer.pk, quantity_cap=Decimal("10"), remaining=Decimal("10"))],
                                  ["quantity_cap", "remaining"])
    assert "Only 2 left" not in get(client, shop)


def test_prices_and_products_written_in_bulk_show_at_once(client, shop):
    assert "3.18" in card_of(client, shop)  # 2.40 + 25 % margin + 6 % VAT
    with scope(coop=shop.coop):
        ProducerPrice.objects.filter(product=shop.carrots).update(price=Decimal("2.00"))
    assert "2.65" in card_of(client, shop)
    with scope(coop=shop.coop):
        CategoryMargin.objects.bulk_create([CategoryMargin(coop=shop.coop, category=shop.carrots.category,
                                                           margin_percent=50)])
    assert "3.18" in card_of(client, shop)  # 2.00 + 50 % + 6 %
    with scope(coop=shop.coop):
        Product.objects.filter(pk=shop.carrots.pk).update(name_nl="Bulkwortel", name_en="Bulk carrots")
    assert "Bulk carrots" in get(client, shop)


def test_rounds_orders_and_business_accounts_written_in_bulk_show_at_once(client, shop):
    kept(client, shop)
    order = place(shop, shop.buyer, shop.offer, 2)
    assert "You already ordered in this round" in get(client, shop)
    with scope(coop=shop.coop):
        Order.objects.filter(pk=order.pk).update(status=Order.Status.CANCELLED)
    assert "You already ordered in this round" not in get(client, shop)
    with scope(coop=shop.coop):
        Membership.objects.filter(pk=shop.buyer.pk).update(business_account=shop.world.extra["business_account"])
    assert "excluding VAT" in get(client, shop)
    with scope(coop=shop.coop):
        OrderCycle.objects.filter(coop=shop.coop, status=OrderCycle.Status.OPEN).update(
            status=OrderCycle.Status.CANCELLED)
    assert "no open order round" in get(client, shop)
