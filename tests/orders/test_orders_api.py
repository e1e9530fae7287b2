"""The orders API: cycles, offers priced per member, pickup points, placing/changing/cancelling orders."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scope

from catalog.pricing import PricingContext
from coop.payments import ogm_is_valid
from orders.models import Offer, Order, OrderCycle
from tests import factories


@pytest.fixture(autouse=True)
def _english_messages(settings):
    """These tests check the wording of error and status messages, written in English in the code; the platform's
    default language is Dutch, so they run in English (tests/test_translations.py covers the Dutch and French)."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def a(world_a):
    with scope(coop=world_a.coop):
        yield world_a


@pytest.fixture(autouse=True)
def english(client, settings):
    """The assertions read English (the source language), whatever catalogues are compiled."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def api(world, path: str) -> str:
    return f"/api/v1/{world.coop.slug}/{path}"


def new_buyer(world, **kwargs):
    return factories.MembershipFactory(coop=world.coop, **kwargs)


def order_body(world, quantity="2", offer=None, **extra):
    offer = offer or world.extra["offer"]
    return {"cycle": offer.cycle_id, "pickup_point": world.extra["pickup_point"].pk,
            "lines": [{"offer": offer.pk, "quantity": quantity}], **extra}


def close_cycle(cycle):
    OrderCycle.objects.filter(pk=cycle.pk).update(cutoff_at=timezone.now() - timedelta(minutes=1))


# --- cycles, pickup points ------------------------------------------------------------------------------

def test_open_cycles_and_bad_status(client, a):
    draft = OrderCycle.objects.create(coop=a.coop, name="Later", opens_at=timezone.now() + timedelta(days=5),
                                      cutoff_at=timezone.now() + timedelta(days=7),
                                      delivery_date=(timezone.now() + timedelta(days=9)).date())
    client.force_login(a.member.user)
    data = client.get(api(a, "cycles/?status=open")).json()
    rows = {c["id"]: c for c in data["results"]}
    assert a.extra["cycle"].pk in rows and rows[a.extra["cycle"].pk]["accepts_orders"] is True
    assert {c["status"] for c in data["results"]} == {"open"}
    assert draft.pk not in [c["id"] for c in client.get(api(a, "cycles/")).json()["results"]]
    response = client.get(api(a, "cycles/?status=nonsense"))
    assert response.status_code == 400 and "nonsense" in response.json()["detail"]
    client.force_login(a.admin)  # managers see drafts
    assert draft.pk in [c["id"] for c in client.get(api(a, "cycles/?status=draft")).json()["results"]]


def test_pickup_points_of_a_cycle_with_room_left(client, a):
    client.force_login(a.member.user)
    data = client.get(api(a, f"pickup-points/?cycle={a.extra['cycle'].pk}")).json()
    (point,) = data["results"]
    assert point["id"] == a.extra["pickup_point"].pk
    assert point["places_left"] == 99 and point["pickup_from"]  # the world's order took one place
    assert client.get(api(a, "pickup-points/")).json()["results"][0]["places_left"] is None


# --- offers ---------------------------------------------------------------------------------------------

def test_offer_price_is_what_the_customer_pays(client, a):
    cycle, offer, product = a.extra["cycle"], a.extra["offer"], a.extra["product"]
    unlimited = factories.offer_for(cycle, factories.ProductFactory(
        coop=a.coop, producer=a.extra["producer"], category=a.extra["category"], price="4.00"), price="5.00")
    client.force_login(a.member.user)
    data = client.get(api(a, f"offers/?cycle={cycle.pk}")).json()
    rows = {row["id"]: row for row in data["results"]}
    expected = PricingContext(coop=a.coop, at=cycle.opens_at).price(product)
    row = rows[offer.pk]
    assert {k: row[k] for k in ("product", "producer", "unit", "step", "remaining")} == {
        "product": product.pk, "producer": a.extra["producer"].pk, "unit": "piece", "step": "1.000",
        "remaining": "48.000"}
    assert Decimal(row["price"]) == expected.unit_gross and row["vat_included"] is True
    # The weekly price replaces the product's: 5.00 + 25 % margin = 6.25, + 6 % VAT = 6.63
    assert rows[unlimited.pk]["remaining"] is None and rows[unlimited.pk]["price"] == "6.63"

    response = client.post(api(a, "orders/"), order_body(a, offer=unlimited, quantity="1"),
                           content_type="application/json")
    assert response.status_code == 400  # the member already has an order in this cycle
    buyer = new_buyer(a)
    client.force_login(buyer.user)
    placed = client.post(api(a, "orders/"), order_body(a, offer=unlimited, quantity="3"),
                         content_type="application/json").json()
    assert placed["lines"][0]["unit_price"] == "6.63" and placed["total"] == "19.89"


def test_business_customers_see_prices_excluding_vat(client, a):
    account, cycle = a.extra["business_account"], a.extra["cycle"]
    product = factories.ProductFactory(coop=a.coop, producer=a.extra["producer"], category=a.extra["category"])
    offer = factories.offer_for(cycle, product)
    buyer = new_buyer(a, roles=["business"], business_account=account)
    client.force_login(buyer.user)
    rows = {r["id"]: r for r in client.get(api(a, f"offers/?cycle={cycle.pk}")).json()["results"]}
    # 2.00 + 10 % (the account's price group) = 2.20 excl. VAT
    assert rows[offer.pk]["price"] == "2.20" and rows[offer.pk]["vat_included"] is False
    expected = PricingContext(coop=a.coop, account=account, at=cycle.opens_at).price(a.extra["product"])
    assert rows[a.extra["offer"].pk]["price"] == f"{expected.unit_net:.2f}"  # a contract price, if any, too


def test_offer_list_has_a_constant_number_of_queries(client, a):
    cycle = factories.open_cycle(a.coop, name="Queries")
    products = [factories.ProductFactory(coop=a.coop, producer=a.extra["producer"], category=a.extra["category"])
                for _ in range(40)]
    item = factories.deposit_item(a.coop)
    from catalog.models import ProductDeposit

    for product in products[:40:3]:
        ProductDeposit.objects.create(coop=a.coop, product=product, item=item, count=2)
    for product in products[:5]:
        factories.offer_for(cycle, product, cap=10)
    client.force_login(a.member.user)
    url = api(a, f"offers/?cycle={cycle.pk}")
    client.get(url)  # the user and membership are read once, then kept (members/request_cache.py)
    with CaptureQueriesContext(connection) as five:
        assert len(client.get(url).json()["results"]) == 5
    for index, product in enumerate(products[5:]):
        factories.offer_for(cycle, product, cap=10 if index % 2 else None, price="3.10" if index % 3 else None)
    with CaptureQueriesContext(connection) as forty:
        data = client.get(url).json()
    assert len(data["results"]) == 40 and all(row["price"] for row in data["results"])
    assert len(forty) == len(five), [q["sql"][:120] for q in forty.captured_queries]


def test_producer_posts_offers_for_own_products_only(client, a):
    cycle = factories.open_cycle(a.coop, name="Producers")
    own = factories.ProductFactory(coop=a.coop, producer=a.extra["producer"], category=a.extra["category"])
    others = factories.ProductFactory(coop=a.coop, category=a.extra["category"])  # another farm
    client.force_login(a.extra["producer"].membership.user)
    response = client.post(api(a, "offers/"), {"cycle": cycle.pk, "product": own.pk, "quantity_cap": "12"},
                           content_type="application/json")
    assert response.status_code == 201, response.json()
    assert response.json()["remaining"] == "12.000" and response.json()["producer"] == a.extra["producer"].pk
    response = client.post(api(a, "offers/"), {"cycle": cycle.pk, "product": others.pk},
                           content_type="application/json")
    assert response.status_code == 403 and response.json()["detail"]
    assert not Offer.objects.filter(product=others).exists()

    client.force_login(a.member.user)  # a consumer
    response = client.post(api(a, "offers/"), {"cycle": cycle.pk, "product": own.pk},
                           content_type="application/json")
    assert response.status_code == 403

    client.force_login(a.admin)  # a fixer posts for any producer, unlimited
    response = client.post(api(a, "offers/"), {"cycle": cycle.pk, "product": others.pk, "weekly_price": "2.50"},
                           content_type="application/json")
    assert response.status_code == 201
    assert response.json()["remaining"] is None and response.json()["weekly_price"] == "2.50"


def test_offer_patch_reduces_only_down_to_what_is_ordered_and_withdraws(client, a):
    offer = a.extra["offer"]  # cap 50, the world's order holds 2
    client.force_login(a.extra["producer"].membership.user)
    url = api(a, f"offers/{offer.pk}/")
    response = client.patch(url, {"quantity_cap": "1"}, content_type="application/json")
    assert response.status_code == 400 and "already ordered 2" in response.json()["detail"]
    response = client.patch(url, {"quantity_cap": "5"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["remaining"] == "3.000"
    response = client.patch(url, {"is_withdrawn": True}, content_type="application/json")
    assert response.json()["is_withdrawn"] is True and response.json()["remaining"] == "0.000"
    assert Offer.objects.get(pk=offer.pk).ordered == Decimal("2")


def test_offer_post_in_a_closed_cycle_is_a_400(client, a):
    OrderCycle.objects.filter(pk=a.extra["cycle"].pk).update(status=OrderCycle.Status.CLOSED)
    client.force_login(a.admin)
    response = client.post(api(a, "offers/"), {"cycle": a.extra["cycle"].pk, "product": a.extra["product"].pk},
                           content_type="application/json")
    assert response.status_code == 400 and "draft or open" in response.json()["detail"]


# --- orders ---------------------------------------------------------------------------------------------

def test_place_order_answers_201_with_the_order(client, a):
    buyer = new_buyer(a)
    client.force_login(buyer.user)
    response = client.post(api(a, "orders/"), order_body(a, "3"), content_type="application/json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert {"id", "status", "lines", "total", "payment_reference"} <= set(data)
    assert data["status"] == "placed" and data["pickup_point"] == a.extra["pickup_point"].pk
    assert ogm_is_valid(data["payment_reference"]) and data["payment_reference_display"].startswith("+++")
    (line,) = data["lines"]
    assert (line["offer"], line["quantity"]) == (a.extra["offer"].pk, "3.000")
    assert Decimal(data["total"]) == Order.objects.get(pk=data["id"]).total_to_pay > 0
    assert Offer.objects.get(pk=a.extra["offer"].pk).remaining == Decimal("45")


def test_home_delivery_order(client, a):
    client.force_login(new_buyer(a).user)
    body = order_body(a, "4", delivery={"street": "Bondgenotenlaan 1", "postcode": "3000", "city": "Leuven"})
    del body["pickup_point"]
    data = client.post(api(a, "orders/"), body, content_type="application/json").json()
    assert data["fulfilment"] == "delivery" and data["delivery"]["postcode"] == "3000"
    assert data["delivery_fee"] == "4.50" and data["pickup_point"] is None


def test_shortage_answers_409_with_the_short_line_and_saves_nothing(client, a):
    cycle = a.extra["cycle"]
    scarce = factories.offer_for(cycle, factories.ProductFactory(coop=a.coop, producer=a.extra["producer"],
                                                                 category=a.extra["category"]), cap=3)
    buyer = new_buyer(a)
    client.force_login(buyer.user)
    body = order_body(a, "1")
    body["lines"].append({"offer": scarce.pk, "quantity": "5"})
    response = client.post(api(a, "orders/"), body, content_type="application/json")
    assert response.status_code == 409
    data = response.json()
    assert data["offer"] == scarce.pk and data["remaining"] == "3.000" and "Only 3 left" in data["detail"]
    assert not Order.objects.filter(customer=buyer).exists()
    assert Offer.objects.get(pk=a.extra["offer"].pk).remaining == Decimal("48")


@pytest.mark.parametrize(("change", "message"), [
    (lambda a, body: body["lines"][0].update(offer=999999), "Unknown offer"),
    (lambda a, body: body["lines"][0].update(quantity="1.5"), "multiple of 1"),
    (lambda a, body: body["lines"][0].update(quantity="-1"), "more than zero"),
    (lambda a, body: body.update(lines=[]), "no lines"),
    (lambda a, body: body.update(lines=[{"offer": "x", "quantity": "1"}]), ""),  # DRF's own (translated) message
    (lambda a, body: body.pop("pickup_point"), "pickup point"),
    (lambda a, body: body.update(pickup_point=999999), "pickup point"),
    (lambda a, body: body.update(cycle=999999), "does not exist"),
    (lambda a, body: close_cycle(a.extra["cycle"]), "cut-off"),
])
def test_bad_input_answers_400_with_detail(client, a, change, message):
    buyer = new_buyer(a)
    client.force_login(buyer.user)
    body = order_body(a)
    change(a, body)
    response = client.post(api(a, "orders/"), body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert message in response.json()["detail"]
    assert not Order.objects.filter(customer=buyer).exists()


def test_customers_see_their_own_orders_and_managers_all(client, a):
    other = new_buyer(a)
    client.force_login(other.user)
    mine = client.post(api(a, "orders/"), order_body(a, "1"), content_type="application/json").json()
    assert [o["id"] for o in client.get(api(a, "orders/")).json()["results"]] == [mine["id"]]
    world_order = a.extra["order"]
    assert client.get(api(a, f"orders/{world_order.pk}/")).status_code == 404
    assert client.patch(api(a, f"orders/{world_order.pk}/"), {"lines": []},
                        content_type="application/json").status_code == 404
    client.force_login(a.admin)
    ids = {o["id"] for o in client.get(api(a, f"orders/?cycle={a.extra['cycle'].pk}")).json()["results"]}
    assert ids == {mine["id"], world_order.pk}


def test_change_and_cancel_before_the_cutoff_and_not_after(client, a):
    order, offer = a.extra["order"], a.extra["offer"]
    client.force_login(a.member.user)
    url = api(a, f"orders/{order.pk}/")
    response = client.patch(url, {"lines": [{"offer": offer.pk, "quantity": "5"}]}, content_type="application/json")
    assert response.status_code == 200 and response.json()["lines"][0]["quantity"] == "5.000"
    assert Offer.objects.get(pk=offer.pk).remaining == Decimal("45")
    response = client.patch(url, {"lines": [{"offer": offer.pk, "quantity": "60"}]}, content_type="application/json")
    assert response.status_code == 409 and response.json()["remaining"] == "45.000"

    close_cycle(a.extra["cycle"])
    response = client.patch(url, {"lines": [{"offer": offer.pk, "quantity": "1"}]}, content_type="application/json")
    assert response.status_code == 400 and "cut-off" in response.json()["detail"]
    response = client.post(url + "cancel/")
    assert response.status_code == 400 and "cut-off" in response.json()["detail"]
    assert client.get(url).json()["can_change"] is False
    assert Order.objects.get(pk=order.pk).status == Order.Status.PLACED
    assert Offer.objects.get(pk=offer.pk).remaining == Decimal("45")


def test_cancel_releases_the_reservation(client, a):
    order, offer = a.extra["order"], a.extra["offer"]
    client.force_login(a.member.user)
    response = client.post(api(a, f"orders/{order.pk}/cancel/"))
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert Offer.objects.get(pk=offer.pk).remaining == Decimal("50")


def test_idempotency_key_returns_the_first_order(client, a):
    client.force_login(new_buyer(a).user)
    first = client.post(api(a, "orders/"), order_body(a, "1"), content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="k-1").json()
    second = client.post(api(a, "orders/"), order_body(a, "1"), content_type="application/json",
                         HTTP_IDEMPOTENCY_KEY="k-1").json()
    assert first["id"] == second["id"]
    assert Offer.objects.get(pk=a.extra["offer"].pk).remaining == Decimal("47")


def test_order_list_has_a_constant_number_of_queries(client, a):
    client.force_login(a.admin)
    url = api(a, "orders/")
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for _ in range(6):
        buyer = new_buyer(a)
        client.force_login(buyer.user)
        client.post(api(a, "orders/"), order_body(a, "1"), content_type="application/json")
    client.force_login(a.admin)
    with CaptureQueriesContext(connection) as after:
        results = client.get(url).json()["results"]
    assert len(results) == Order.objects.count() >= 7
    assert len(after) == len(before)
