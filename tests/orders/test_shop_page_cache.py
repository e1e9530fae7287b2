"""The shop page kept per visitor (orders/shop/page_cache.py): served again without a query, and never stale:
the cart, what is left, the customer's order, roles, login, the open rounds and the cut-off show at once."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scope

from orders.models import OrderCycle
from orders.services.cycles import cycle_open_due, cycle_transition
from orders.services.ordering import Destination, order_cancel, order_place
from orders.shop import listing as shop_listing
from orders.shop import page_cache
from tests import factories
from tests.orders import test_shop
from tests.orders.test_shop import add, cart_quantity

english, shop = test_shop.english, test_shop.shop  # the shop's fixtures (English pages, world_a's open cycle)


def get(client, shop, **params):
    return client.get(f"{shop.base}/shop/", params).content.decode()


def served_from_cache(client, shop, **params) -> tuple[bool, str]:
    with CaptureQueriesContext(connection) as captured:
        page = get(client, shop, **params)
    return len(captured) == 0, page


def without_token(page: str) -> str:
    return re.sub(r'(csrfmiddlewaretoken" value=|X-CSRFToken": )"[^"]+"', r"\1-", page)


def place(shop, customer, offer, quantity):
    with scope(coop=shop.coop):
        return order_place(customer=customer, cycle_id=shop.cycle.pk, lines=[{"offer": offer.pk, "quantity": quantity}],
                           destination=Destination("pickup", pickup_id=shop.slot.pk))


def test_a_page_seen_before_is_served_without_a_query_with_a_working_csrf_token(shop, settings):
    buyer = Client(enforce_csrf_checks=True)
    buyer.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    buyer.force_login(shop.buyer.user)
    first = get(buyer, shop)
    cached, again = served_from_cache(buyer, shop)
    assert cached and without_token(again) == without_token(first)
    assert page_cache.CSRF_PLACEHOLDER not in again and "shop-listing-" not in again
    assert "koper@alfa.example" in again and f'id="offer-{shop.offer.pk}"' in again
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', again).group(1)
    response = buyer.post(f"{shop.base}/shop/cart/add/", {"offer": shop.offer.pk, "quantity": "1",
                                                          "csrfmiddlewaretoken": token})
    assert response.status_code == 302  # the token filled into the kept page is accepted


def test_the_cart_shows_at_once_and_a_message_is_shown_once(client, shop):
    client.force_login(shop.buyer.user)
    get(client, shop)
    add(client, shop, shop.offer, "2")  # without JavaScript: a message for the next page
    page = get(client, shop)
    assert "Wortelen: 2 in your cart" in page and cart_quantity(page, shop.offer) == "2"
    assert "In your cart: 2" in page
    cached, page = served_from_cache(client, shop)
    assert not cached  # the page after the message is not kept: the next one is rendered without it
    cached, page = served_from_cache(client, shop)
    assert cached and "Wortelen: 2 in your cart" not in page and cart_quantity(page, shop.offer) == "2"
    add(client, shop, shop.offer, "1", htmx=True)
    assert cart_quantity(get(client, shop), shop.offer) == "3"


def test_each_visitor_sees_their_own_page(client, shop, settings):
    other = factories.MembershipFactory(coop=shop.coop, user__email="buur@alfa.example")
    client.force_login(shop.buyer.user)
    add(client, shop, shop.offer, "2")
    get(client, shop)
    assert cart_quantity(get(client, shop), shop.offer) == "2"
    neighbour = Client()
    neighbour.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    neighbour.force_login(other.user)
    page = get(neighbour, shop)
    assert "buur@alfa.example" in page and "koper@alfa.example" not in page
    assert cart_quantity(page, shop.offer) is None and "In your cart" not in page
    visitor = Client()
    visitor.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for _ in range(2):
        page = get(visitor, shop)
        assert "@alfa.example" not in page and "Log in" in page and cart_quantity(page, shop.offer) is None
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    assert "Winkel" in get(client, shop)  # each language its own page


def test_orders_of_others_change_what_is_left_and_the_cart_problem_at_once(client, shop):
    client.force_login(shop.buyer.user)
    add(client, shop, shop.offer, "3", htmx=True)
    get(client, shop)
    assert served_from_cache(client, shop)[0]
    other = factories.MembershipFactory(coop=shop.coop)
    order = place(shop, other, shop.offer, 8)  # 10 - 8 = 2 left, the cart holds 3
    page = get(client, shop)
    assert "Only 2 left" in page and "Only 2 left." in page  # the card, and the cart line's problem
    with scope(coop=shop.coop):
        order_cancel(order_id=order.pk)
    page = get(client, shop)
    assert "Only 2 left" not in page


def test_the_customers_own_order_placed_elsewhere_shows_at_once(client, shop):
    """An order of unlimited offers changes nothing that is left: the customer's orders token tells."""
    with scope(coop=shop.coop):
        unlimited = factories.offer_for(shop.cycle, factories.ProductFactory(
            coop=shop.coop, producer=shop.world.extra["producer"], category=shop.world.extra["category"],
            name_nl="Prei"))
    client.force_login(shop.buyer.user)
    get(client, shop)
    assert served_from_cache(client, shop)[0]
    order = place(shop, shop.buyer, unlimited, 2)  # e.g. through the API, on another device
    page = get(client, shop)
    assert "You already ordered in this round" in page and cart_quantity(page, unlimited) == "2"
    with scope(coop=shop.coop):
        order_cancel(order_id=order.pk)
    assert "You already ordered in this round" not in get(client, shop)


def test_roles_business_prices_and_logging_out_show_at_once(client, shop):
    client.force_login(shop.buyer.user)
    get(client, shop)
    assert "Manage the week" not in get(client, shop)
    shop.buyer.roles = ["consumer", "fixer"]
    shop.buyer.save()
    assert "Manage the week" in get(client, shop)
    shop.buyer.business_account = shop.world.extra["business_account"]
    shop.buyer.save()
    assert "excluding VAT" in get(client, shop)
    client.post("/accounts/logout/")
    page = get(client, shop)
    assert "koper@alfa.example" not in page and "Log in" in page and "Manage the week" not in page


def test_rounds_opening_or_ending_show_at_once(client, shop):
    client.force_login(shop.buyer.user)
    get(client, shop)
    assert served_from_cache(client, shop)[0]
    with scope(coop=shop.coop):
        later = factories.open_cycle(shop.coop, days_to_cutoff=5, name="Week later")  # saved: a signal
    assert "Week later" in get(client, shop)
    with scope(coop=shop.coop):
        cycle_transition(cycle_id=later.pk, to=OrderCycle.Status.CANCELLED)  # an update: bumps too
    assert "Week later" not in get(client, shop)
    with scope(coop=shop.coop):
        OrderCycle.objects.filter(pk=later.pk).update(status=OrderCycle.Status.DRAFT)  # not shown either way
    get(client, shop)
    assert served_from_cache(client, shop)[0]
    with scope(coop=shop.coop):
        assert later.pk in cycle_open_due()  # a conditional update: no signal, the queryset bumps
    assert "Week later" in get(client, shop)


def test_a_kept_page_is_not_served_after_the_cut_off(client, shop, monkeypatch):
    client.force_login(shop.buyer.user)
    get(client, shop)
    assert served_from_cache(client, shop)[0]
    after_cutoff = (shop.cycle.cutoff_at + timedelta(seconds=1)).timestamp()
    monkeypatch.setattr(page_cache, "_now", lambda: after_cutoff)
    assert not served_from_cache(client, shop)[0]  # rendered again (here the database still says open)


def test_a_round_open_but_not_yet_begun_ends_a_kept_page_at_its_opening(client, shop, monkeypatch):
    with scope(coop=shop.coop):
        soon = factories.open_cycle(shop.coop, days_to_cutoff=5, name="Week soon")
        soon.opens_at = timezone.now() + timedelta(hours=1)
        soon.save()
    client.force_login(shop.buyer.user)
    assert "Week soon" not in get(client, shop)
    assert served_from_cache(client, shop)[0]
    monkeypatch.setattr(page_cache, "_now", lambda: (soon.opens_at + timedelta(seconds=1)).timestamp())
    assert not served_from_cache(client, shop)[0]


@pytest.mark.parametrize("headers", [{"HTTP_HX_REQUEST": "true"}, {}])
def test_htmx_requests_and_odd_queries_are_rendered(client, shop, headers):
    client.force_login(shop.buyer.user)
    params = {} if headers else {"utm_source": "x"}
    for _ in range(2):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"{shop.base}/shop/", params, **headers).status_code == 200
        assert len(captured) > 0


def test_the_page_cache_can_be_switched_off(client, shop, settings):
    settings.SHOP_PAGE_CACHE = False
    client.force_login(shop.buyer.user)
    get(client, shop)
    assert not served_from_cache(client, shop)[0]


def test_a_listing_this_process_holds_is_used_while_current_and_not_after(client, shop):
    """Each process keeps a copy of the listings it served (orders/shop/listing.py): no 80 KiB read from Redis
    for a page served again, and the same rule as the shared entry: only while its tokens are current."""
    client.force_login(shop.buyer.user)
    get(client, shop)
    keys = list(shop_listing._copies)
    assert keys
    cache.delete_many(keys)  # the shared entries gone: the process's copies still serve the page
    cached, page = served_from_cache(client, shop)
    assert cached and f'id="offer-{shop.offer.pk}"' in page and "Only 2 left" not in page
    other = factories.MembershipFactory(coop=shop.coop)
    place(shop, other, shop.offer, 8)  # the offers' token changes: the copy is out of date
    cached, page = served_from_cache(client, shop)
    assert not cached and "Only 2 left" in page
