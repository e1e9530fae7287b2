"""The webshop: shop front, cart (htmx and plain posts), checkout, confirmation page and e-mail, change/cancel."""

import re
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scope

from catalog.models import CategoryMargin, PriceGroup, PriceGroupMember, ProductDeposit
from coop import versions
from coop.payments import ogm_display
from orders.models import CyclePickupPoint, DeliveryZone, Offer, Order, OrderCycle
from orders.services.offers import offer_post, offer_withdraw, offers_version
from orders.services.ordering import Destination, order_cancel, order_change_lines, order_place
from orders.shop.listing import CSRF_PLACEHOLDER
from tests import factories


@pytest.fixture(autouse=True)
def english(client, settings):
    """The assertions read English (the source language), whatever catalogues are compiled."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def shop(world_a):
    """world_a's open cycle with carrots (cap 10, 2.40 -> 3.18 incl. VAT) and a buyer without an order."""
    coop = world_a.coop
    with scope(coop=coop):
        cycle = world_a.extra["cycle"]
        carrots = factories.ProductFactory(coop=coop, producer=world_a.extra["producer"], name_nl="Wortelen",
                                           category=world_a.extra["category"], price="2.40")
        offer = factories.offer_for(cycle, carrots, cap=10)
        buyer = factories.MembershipFactory(coop=coop, user__email="koper@alfa.example")
        yield SimpleNamespace(coop=coop, cycle=cycle, carrots=carrots, offer=offer, buyer=buyer,
                              slot=world_a.extra["pickup_slot"], world=world_a, base=f"/{coop.slug}")


def add(client, shop, offer, quantity, *, htmx=False, path="cart/add/"):
    headers = {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": f"http://testserver{shop.base}/shop/"} if htmx else {}
    return client.post(f"{shop.base}/shop/{path}", {"offer": offer.pk, "quantity": quantity,
                                                    "next": f"{shop.base}/shop/"}, **headers)


def cart_quantity(page, offer):
    """The quantity of `offer` in the cart as the page shows it (None when not in the cart)."""
    found = re.search(rf'id="cart-qty-{offer.pk}"[^>]*value="([^"]*)"', page)
    return found.group(1) if found else None


def checkout_data(shop, **overrides):
    data = {"fulfilment": "pickup", "pickup": shop.slot.pk, "payment_method": "transfer",
            "idempotency_key": "6f1b2c3d-0000-4000-8000-000000000001"}
    data.update(overrides)
    return data


def buyer_orders(shop):
    return Order.objects.filter(customer=shop.buyer).exclude(status=Order.Status.CANCELLED)


# --- shop front -----------------------------------------------------------------------------------------

def test_shop_price_incl_vat_is_what_the_order_charges(client, shop):
    Offer.objects.filter(pk=shop.offer.pk).update(price="2.00")  # a price for this week only
    client.force_login(shop.buyer.user)
    page = client.get(f"{shop.base}/shop/").content.decode()
    # 2.00 + 25 % margin = 2.50 excl. VAT; + 6 % = 2.65 incl. VAT (not the product's usual 3.18)
    card = page[page.index(f'id="offer-{shop.offer.pk}"'):]
    card = card[:card.index("</li>")]
    assert "2.65" in card and "incl. VAT" in card and "3.18" not in card
    add(client, shop, shop.offer, "3")
    client.post(f"{shop.base}/shop/checkout/", checkout_data(shop))
    line = buyer_orders(shop).get().lines.get()
    assert line.unit_gross == Decimal("2.65") and line.line_amount == Decimal("7.95")


def test_business_member_sees_and_pays_prices_excl_vat(client, shop):
    account = shop.world.extra["business_account"]  # in the price group "keukens" with a 10 % margin
    kitchen = factories.MembershipFactory(coop=shop.coop, roles=["business"], business_account=account)
    client.force_login(kitchen.user)
    page = client.get(f"{shop.base}/shop/").content.decode()
    card = page[page.index(f'id="offer-{shop.offer.pk}"'):]
    assert "2.64" in card[:card.index("</li>")] and "excl. VAT" in card[:card.index("</li>")]  # 2.40 x 1.10
    add(client, shop, shop.offer, "1")
    response = client.post(f"{shop.base}/shop/checkout/", checkout_data(shop, fulfilment="business", pickup=""))
    assert response.status_code == 302
    order = Order.objects.get(customer=kitchen)
    assert order.fulfilment == "business" and not order.prices_include_vat
    assert order.lines.get().line_amount == Decimal("2.64") and order.total_gross == Decimal("2.80")


def test_shop_shows_deposit_unit_price_low_stock_allergens_and_labels(client, shop):
    with scope(coop=shop.coop):
        juice = factories.ProductFactory(coop=shop.coop, producer=shop.carrots.producer, name_nl="Appelsap",
                                         category=shop.carrots.category, sell_unit="bottle", price_unit="bottle",
                                         net_content="0.750", net_content_unit="l", labels=["organic"])
        factories.declare_allergens(juice, contains=["sulphites"])
        bottle = factories.deposit_item(shop.coop, value="0.20")
        ProductDeposit.objects.create(coop=shop.coop, product=juice, item=bottle, count=1)
        factories.offer_for(shop.cycle, juice, cap=20)
        Offer.objects.filter(cycle=shop.cycle, product=juice).update(remaining=3, ordered=17)
    page = client.get(f"{shop.base}/shop/").content.decode()  # anonymous: a listed coop's shop is public
    card = page[page.index("Appelsap"):]
    card = card[:card.index("</li>")]
    assert "0.20" in card and "deposit" in card  # the deposit, apart from the price
    assert "/ l" in card  # the unit price per litre
    assert "Only 3 left" in card
    assert "Sulphites" in card or "sulphites" in card.lower()
    assert "organic" in card.lower()
    assert "Order until" in page
    assert "/accounts/login/?next=" in page


def test_shop_search_and_filters_work_like_the_catalogue(client, shop):
    page = client.get(f"{shop.base}/shop/", {"q": "geheime"}).content.decode()
    assert "Geheime wortel" in page and "Wortelen" not in page
    page = client.get(f"{shop.base}/shop/", {"producer": shop.carrots.producer_id}).content.decode()
    assert "Wortelen" in page
    assert client.get(f"{shop.base}/shop/", {"label": "nonsense"}).status_code == 400


def test_withdrawn_offers_are_not_shown(client, shop):
    Offer.objects.filter(pk=shop.offer.pk).update(is_withdrawn=True)
    assert "Wortelen" not in client.get(f"{shop.base}/shop/").content.decode()


def test_without_an_open_cycle_the_shop_says_when_the_next_opens(client, shop):
    now = timezone.now()
    OrderCycle.objects.filter(status=OrderCycle.Status.OPEN).update(status=OrderCycle.Status.CLOSED)
    OrderCycle.objects.create(coop=shop.coop, name="Volgende week", opens_at=now + timedelta(days=3),
                              cutoff_at=now + timedelta(days=5), delivery_date=(now + timedelta(days=7)).date())
    page = client.get(f"{shop.base}/shop/").content.decode()
    assert "no open order round" in page and "The next round opens on" in page


def test_an_unlisted_coop_shop_is_for_members_only(client, shop):
    type(shop.coop).objects.filter(pk=shop.coop.pk).update(is_listed=False)
    assert client.get(f"{shop.base}/shop/").status_code == 404
    client.force_login(shop.buyer.user)
    assert client.get(f"{shop.base}/shop/").status_code == 200


def test_shop_page_uses_a_constant_number_of_queries(client, shop):
    """Rendered (listing not in the cache) and from the cache: each a fixed number of queries, whatever the
    number of offers; the cached page needs fewer."""
    def fill(n):
        with scope(coop=shop.coop):
            bottle = factories.deposit_item(shop.coop, code=f"bottle{n}")
            for i in range(n):
                product = factories.ProductFactory(coop=shop.coop, producer=shop.carrots.producer,
                                                   category=shop.carrots.category, name_nl=f"Extra {n}-{i}")
                ProductDeposit.objects.create(coop=shop.coop, product=product, item=bottle, count=1)
                factories.offer_for(shop.cycle, product, cap=10 if i % 2 else None, price="1.50" if i % 3 else None)

    def queries(*, cached):
        if not cached:
            versions.bump(offers_version(shop.cycle.pk))
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"{shop.base}/shop/")
        assert response.status_code == 200
        return response, [q["sql"][:120] for q in captured.captured_queries]

    client.force_login(shop.buyer.user)
    add(client, shop, shop.offer, "2")
    fill(5)
    client.get(f"{shop.base}/shop/")
    _, few_rendered = queries(cached=False)
    _, few_cached = queries(cached=True)
    fill(35)
    response, many_rendered = queries(cached=False)
    assert response.content.decode().count('class="card product-card shop-item"') == 42  # 40 + carrots + world's
    _, many_cached = queries(cached=True)
    assert len(many_rendered) == len(few_rendered), many_rendered
    assert len(many_cached) == len(few_cached) < len(few_rendered), many_cached


# --- cart -----------------------------------------------------------------------------------------------

def test_cart_add_without_javascript_redirects_back_with_a_message(client, shop):
    response = add(client, shop, shop.offer, "2")
    assert response.status_code == 302 and response["Location"] == f"{shop.base}/shop/"
    page = client.get(f"{shop.base}/shop/").content.decode()
    assert "Wortelen: 2 in your cart" in page
    assert cart_quantity(page, shop.offer) == "2"


def test_cart_add_with_htmx_returns_the_cart_fragment(client, shop):
    response = add(client, shop, shop.offer, "2", htmx=True)
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert body.lstrip().startswith('<section id="cart"') and "Wortelen" in body and "6.36" in body  # 2 x 3.18
    assert f'id="offer-note-{shop.offer.pk}"' in body and 'hx-swap-oob="true"' in body
    add(client, shop, shop.offer, "1", htmx=True, path="cart/update/")
    body = add(client, shop, shop.offer, "", htmx=True, path="cart/remove/").content.decode()
    assert "Your cart is empty" in body


@pytest.mark.parametrize(("quantity", "message"), [("0.5", "at least 1"), ("1.5", "multiple of 1"),
                                                   ("abc", "Give a quantity"), ("11", "Only 10 left")])
def test_cart_add_checks_step_minimum_and_what_is_left(client, shop, quantity, message):
    response = add(client, shop, shop.offer, quantity, htmx=True)
    body = response.content.decode()
    assert message in body and "Your cart is empty" in body
    add(client, shop, shop.offer, quantity)  # without JavaScript: the same message, on the page it came from
    assert message in client.get(f"{shop.base}/shop/").content.decode()


# --- checkout -------------------------------------------------------------------------------------------

def test_checkout_needs_a_login(client, shop):
    add(client, shop, shop.offer, "1")
    response = client.get(f"{shop.base}/shop/checkout/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_checkout_posted_twice_with_the_same_key_makes_one_order(client, shop, django_capture_on_commit_callbacks):
    client.force_login(shop.buyer.user)
    add(client, shop, shop.offer, "2")
    page = client.get(f"{shop.base}/shop/checkout/").content.decode()
    assert "Afhaalpunt alfa" in page and 'name="idempotency_key"' in page
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(f"{shop.base}/shop/checkout/", checkout_data(shop))
        second = client.post(f"{shop.base}/shop/checkout/", checkout_data(shop))
    order = buyer_orders(shop).get()
    assert first["Location"] == second["Location"] == f"{shop.base}/orders/{order.pk}/"
    assert Offer.objects.get(pk=shop.offer.pk).remaining == Decimal("8")
    assert len(mail.outbox) == 1
    # From now on the cart shows that order, and checking out changes it.
    cart = client.get(f"{shop.base}/shop/cart/").content.decode()
    assert "Your order (being changed)" in cart and cart_quantity(cart, shop.offer) == "2"


def test_shortage_at_checkout_names_the_product_and_what_is_left(client, shop):
    client.force_login(shop.buyer.user)
    add(client, shop, shop.offer, "6")
    with scope(coop=shop.coop):  # meanwhile someone else buys 7 of the 10
        other = factories.MembershipFactory(coop=shop.coop)
        order_place(customer=other, cycle_id=shop.cycle.pk, lines=[{"offer": shop.offer.pk, "quantity": 7}],
                    destination=Destination("pickup", pickup_id=shop.slot.pk))
    response = client.post(f"{shop.base}/shop/checkout/", checkout_data(shop))
    body = response.content.decode()
    assert response.status_code == 409
    assert "Wortelen: only 3 left" in body and "Nothing has been ordered" in body
    assert not buyer_orders(shop).exists()
    assert Offer.objects.get(pk=shop.offer.pk).remaining == Decimal("3")
    assert cart_quantity(body, shop.offer) == "6"  # the cart is kept


def test_bad_checkout_input_is_a_400_with_a_message(client, shop):
    client.force_login(shop.buyer.user)
    add(client, shop, shop.offer, "1")
    response = client.post(f"{shop.base}/shop/checkout/", checkout_data(shop, pickup=""))
    assert response.status_code == 400 and "Choose a pickup point" in response.content.decode()
    response = client.post(f"{shop.base}/shop/checkout/",
                           checkout_data(shop, fulfilment="delivery", street="Naamsestraat 1", postcode="9999",
                                         city="Nergens"))
    assert response.status_code == 400 and "We do not deliver to postcode 9999" in response.content.decode()
    assert not buyer_orders(shop).exists()


def test_home_delivery_with_zone_fee_and_minimum(client, shop):
    DeliveryZone.objects.filter(coop=shop.coop).update(minimum_order="5.00")
    client.force_login(shop.buyer.user)
    add(client, shop, shop.offer, "1")
    page = client.get(f"{shop.base}/shop/checkout/").content.decode()
    assert "Zone alfa" in page and "4.50" in page and "5.00" in page
    data = checkout_data(shop, fulfilment="delivery", pickup="", street="Naamsestraat 1", postcode="3000",
                         city="Leuven")
    response = client.post(f"{shop.base}/shop/checkout/", data)
    assert response.status_code == 400 and "at least" in response.content.decode()  # 3.18 < 5.00
    add(client, shop, shop.offer, "1")
    assert client.post(f"{shop.base}/shop/checkout/", data).status_code == 302
    order = buyer_orders(shop).get()
    assert order.delivery_fee == Decimal("4.50") and order.total_to_pay == Decimal("10.86")


def test_a_full_pickup_point_is_disabled(client, shop):
    CyclePickupPoint.objects.filter(pk=shop.slot.pk).update(capacity=1, orders_count=1)
    client.force_login(shop.buyer.user)
    add(client, shop, shop.offer, "1")
    page = client.get(f"{shop.base}/shop/checkout/").content.decode()
    assert re.search(rf'value="{shop.slot.pk}"\s+disabled', page) and "Full this week" in page
    response = client.post(f"{shop.base}/shop/checkout/", checkout_data(shop))
    assert response.status_code == 400 and "full" in response.content.decode()


def test_an_existing_order_is_changed_not_doubled(client, shop):
    client.force_login(shop.buyer.user)
    add(client, shop, shop.offer, "2")
    client.post(f"{shop.base}/shop/checkout/", checkout_data(shop))
    order = buyer_orders(shop).get()
    client.post(f"{shop.base}/orders/{order.pk}/change/")
    add(client, shop, shop.offer, "3", path="cart/update/")
    assert "Save the changes" in client.get(f"{shop.base}/shop/checkout/").content.decode()
    response = client.post(f"{shop.base}/shop/checkout/", {})
    assert response["Location"] == f"{shop.base}/orders/{order.pk}/"
    assert buyer_orders(shop).count() == 1
    assert order.lines.get().quantity == Decimal("3")
    assert Offer.objects.get(pk=shop.offer.pk).remaining == Decimal("7")


def test_a_member_with_an_order_who_shops_again_edits_it(client, shop):
    with scope(coop=shop.coop):
        order = order_place(customer=shop.buyer, cycle_id=shop.cycle.pk,
                            lines=[{"offer": shop.offer.pk, "quantity": 1}],
                            destination=Destination("pickup", pickup_id=shop.slot.pk))
    client.force_login(shop.buyer.user)
    add(client, shop, shop.offer, "2")  # added to the order's 1
    assert "checking out changes it" in client.get(f"{shop.base}/shop/").content.decode()
    client.post(f"{shop.base}/shop/checkout/", {})
    assert buyer_orders(shop).get().pk == order.pk
    assert order.lines.get().quantity == Decimal("3")


# --- orders: confirmation, list, change and cancel ------------------------------------------------------

@pytest.fixture
def placed(client, shop, django_capture_on_commit_callbacks):
    client.force_login(shop.buyer.user)
    add(client, shop, shop.offer, "2")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{shop.base}/shop/checkout/", checkout_data(shop))
    return buyer_orders(shop).get()


def test_confirmation_page_shows_totals_ogm_and_qr_code(client, shop, placed):
    body = client.get(f"{shop.base}/orders/{placed.pk}/").content.decode()
    assert re.fullmatch(r"\+\+\+\d{3}/\d{4}/\d{5}\+\+\+", ogm_display(placed.payment_reference))
    assert ogm_display(placed.payment_reference) in body
    assert "<svg" in body and "EPC QR" in body
    assert "6.36" in body and "VAT 6 %" in body  # 2 x 3.18 and the VAT per rate
    assert "Change order" in body and "Cancel order" in body
    assert placed.number in client.get(f"{shop.base}/orders/").content.decode()


def test_confirmation_email_in_the_customers_language(client, shop, placed, django_capture_on_commit_callbacks):
    (message,) = mail.outbox
    assert message.to == [shop.buyer.user.email]
    assert ogm_display(placed.payment_reference) in message.body
    html = message.alternatives[0][0]
    assert ogm_display(placed.payment_reference) in html and "IBAN" in html
    assert shop.coop.iban[:4] in message.body
    # A French-speaking customer gets it in French.
    type(shop.buyer.user).objects.filter(pk=shop.buyer.user.pk).update(language="fr")
    Order.objects.filter(pk=placed.pk).update(language="fr")
    from orders.emails import order_confirmation_send

    order_confirmation_send(order=placed)
    assert mail.outbox[1].body != message.body


def test_another_member_cannot_see_my_order_but_a_fixer_can(client, shop, placed):
    other = factories.MembershipFactory(coop=shop.coop)
    client.force_login(other.user)
    assert client.get(f"{shop.base}/orders/{placed.pk}/").status_code == 404
    assert client.post(f"{shop.base}/orders/{placed.pk}/cancel/").status_code == 404
    assert placed.number not in client.get(f"{shop.base}/orders/").content.decode()
    fixer = factories.MembershipFactory(coop=shop.coop, roles=["fixer"])
    client.force_login(fixer.user)
    body = client.get(f"{shop.base}/orders/{placed.pk}/").content.decode()
    assert placed.number in body and "Cancel order" not in body


def test_change_and_cancel_before_the_cutoff(client, shop, placed):
    response = client.post(f"{shop.base}/orders/{placed.pk}/change/")
    assert response["Location"] in (f"{shop.base}/shop/", f"{shop.base}/shop/?cycle={shop.cycle.pk}")
    assert cart_quantity(client.get(f"{shop.base}/shop/").content.decode(), shop.offer) == "2"
    assert "Yes, cancel" in client.get(f"{shop.base}/orders/{placed.pk}/cancel/").content.decode()
    response = client.post(f"{shop.base}/orders/{placed.pk}/cancel/")
    assert response.status_code == 302
    assert Order.objects.get(pk=placed.pk).status == Order.Status.CANCELLED
    assert Offer.objects.get(pk=shop.offer.pk).remaining == Decimal("10")
    assert "Your cart is empty" in client.get(f"{shop.base}/shop/cart/").content.decode()


def test_change_and_cancel_are_refused_after_the_cutoff(client, shop, placed):
    OrderCycle.objects.filter(pk=shop.cycle.pk).update(cutoff_at=timezone.now() - timedelta(minutes=1))
    page = client.get(f"{shop.base}/orders/{placed.pk}/").content.decode()
    assert "Change order" not in page and "Cancel order" not in page and "can no longer be changed" in page
    for action in ("change", "cancel"):
        response = client.post(f"{shop.base}/orders/{placed.pk}/{action}/")
        assert response.status_code == 400 and "cut-off has passed" in response.content.decode()
    assert Order.objects.get(pk=placed.pk).status == Order.Status.PLACED
    assert Offer.objects.get(pk=shop.offer.pk).remaining == Decimal("8")


def test_with_two_open_cycles_each_has_its_own_cart_and_order(client, shop):
    with scope(coop=shop.coop):
        later = factories.open_cycle(shop.coop, days_to_cutoff=5, name="Week later")
        later_offer = factories.offer_for(later, shop.carrots, cap=5)
    client.force_login(shop.buyer.user)
    page = client.get(f"{shop.base}/shop/").content.decode()
    assert "Week later" in page and f"?cycle={later.pk}" in page
    add(client, shop, shop.offer, "1")
    client.post(f"{shop.base}/shop/cart/add/", {"offer": later_offer.pk, "quantity": "2", "cycle": later.pk})
    later_page = client.get(f"{shop.base}/shop/", {"cycle": later.pk}).content.decode()
    assert cart_quantity(later_page, later_offer) == "2" and cart_quantity(later_page, shop.offer) is None
    slot = later.pickup_points.get()
    response = client.post(f"{shop.base}/shop/checkout/?cycle={later.pk}", checkout_data(shop, pickup=slot.pk))
    order = Order.objects.get(customer=shop.buyer)
    assert response["Location"] == f"{shop.base}/orders/{order.pk}/" and order.cycle_id == later.pk
    assert cart_quantity(client.get(f"{shop.base}/shop/").content.decode(), shop.offer) == "1"  # still there


# --- the cached listing: what changes shows at once, nothing personal is shared ---------------------------

def card_of(client, shop, offer=None):
    page = client.get(f"{shop.base}/shop/").content.decode()
    found = page[page.index(f'id="offer-{(offer or shop.offer).pk}"'):]
    return found[:found.index("</li>")]


def place(shop, customer, quantity):
    with scope(coop=shop.coop):
        return order_place(customer=customer, cycle_id=shop.cycle.pk,
                           lines=[{"offer": shop.offer.pk, "quantity": quantity}],
                           destination=Destination("pickup", pickup_id=shop.slot.pk))


def test_what_is_left_shows_at_once_after_orders_are_placed_changed_and_cancelled(
        client, shop, django_capture_on_commit_callbacks):
    assert "left" not in card_of(client, shop)  # 10 of 10: plenty, and now in the cache
    with django_capture_on_commit_callbacks(execute=True):
        order = place(shop, shop.buyer, 7)
    assert "Only 3 left" in card_of(client, shop)
    with scope(coop=shop.coop):
        order_change_lines(order_id=order.pk, lines=[{"offer": shop.offer.pk, "quantity": 9}])
    assert "Only 1 left" in card_of(client, shop)
    other = factories.MembershipFactory(coop=shop.coop)
    place(shop, other, 1)
    assert "Sold out" in card_of(client, shop) and "Add to cart" not in card_of(client, shop)
    with scope(coop=shop.coop):
        order_cancel(order_id=order.pk)
    assert "left" not in card_of(client, shop) and "Add to cart" in card_of(client, shop)


def test_price_changes_show_at_once(client, shop, settings):
    assert "3.18" in card_of(client, shop)  # 2.40 + 25 % margin + 6 % VAT
    with scope(coop=shop.coop):
        offer_post(cycle=shop.cycle, product=shop.carrots, quantity_cap=10, price="2.00")  # this week's price
    assert "2.65" in card_of(client, shop)
    with scope(coop=shop.coop):
        CategoryMargin.objects.create(coop=shop.coop, category=shop.carrots.category, margin_percent=50)
    assert "3.18" in card_of(client, shop)  # 2.00 + 50 % + 6 %
    with scope(coop=shop.coop):
        offer_withdraw(offer_id=shop.offer.pk)
    assert f'id="offer-{shop.offer.pk}"' not in client.get(f"{shop.base}/shop/").content.decode()


def test_each_price_group_sees_its_own_prices_and_each_language_its_own_page(client, shop, settings):
    kitchens = shop.world.extra["business_account"]  # price group "keukens": 10 % margin
    with scope(coop=shop.coop):
        caterers = factories.BusinessAccountFactory(coop=shop.coop)
        group = PriceGroup.objects.create(coop=shop.coop, code="cateraars", name="Cateraars", margin_percent=20)
        PriceGroupMember.objects.create(coop=shop.coop, price_group=group, account=caterers)
    chef = factories.MembershipFactory(coop=shop.coop, roles=["business"], business_account=kitchens)
    caterer = factories.MembershipFactory(coop=shop.coop, roles=["business"], business_account=caterers)
    for _round in range(2):  # the second round comes from the cache
        client.logout()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # logging out drops every cookie
        assert "3.18" in card_of(client, shop)  # a visitor: consumer price incl. VAT
        client.force_login(chef.user)
        assert "2.64" in card_of(client, shop) and "excl. VAT" in card_of(client, shop)  # 2.40 x 1.10
        client.force_login(caterer.user)
        assert "2.88" in card_of(client, shop)  # 2.40 x 1.20
        client.force_login(shop.buyer.user)
        assert "3.18" in card_of(client, shop)
    with scope(coop=shop.coop):
        group.margin_percent = 30
        group.save()
    client.force_login(caterer.user)
    assert "3.12" in card_of(client, shop)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    assert "3,12" in card_of(client, shop) and "excl. btw" in card_of(client, shop).lower()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert "3,12" in card_of(client, shop) and "Ajouter" in card_of(client, shop)


def test_nothing_personal_is_shared_through_the_cached_listing(client, shop, settings):
    client.force_login(shop.buyer.user)
    add(client, shop, shop.offer, "2")
    assert "In your cart: 2" in card_of(client, shop)
    visitor = Client(enforce_csrf_checks=True)  # the listing is in the cache now: it gets the same HTML
    visitor.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = visitor.get(f"{shop.base}/shop/").content.decode()
    card = page[page.index(f'id="offer-{shop.offer.pk}"'):]
    assert "In your cart" not in card[:card.index("</li>")] and CSRF_PLACEHOLDER not in page
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', card).group(1)
    response = visitor.post(f"{shop.base}/shop/cart/add/", {"offer": shop.offer.pk, "quantity": "1",
                                                            "csrfmiddlewaretoken": token})
    assert response.status_code == 302  # the form's token is the visitor's own (403 otherwise)
    assert "In your cart: 1" in card_of(visitor, shop)
    assert "In your cart: 2" in card_of(client, shop)


def test_no_template_source_leaks_into_the_pages(client, shop, placed):
    for path in ("shop/", "shop/cart/", "shop/checkout/", f"orders/{placed.pk}/", "orders/"):
        body = client.get(f"{shop.base}/{path}").content.decode()
        assert "{#" not in body and "{%" not in body and "{{" not in body, path
