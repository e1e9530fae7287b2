"""The fixer's pages under /<coop>/manage/ and the producers' offer pages."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_scopes import scope

from orders.models import CyclePickupPoint, DeliveryZone, Offer, Order, OrderCycle, Payment, PickupPoint
from orders.services.ordering import Destination, order_place
from tests import factories
from tests.orders.test_payments import camt, camt_entry, structured


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


def url(world, path: str) -> str:
    return f"/{world.coop.slug}/manage/{path}"


def local(dt) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


MANAGER_PAGES = ["", "cycles/", "cycles/{cycle}/", "cycles/{cycle}/pickup-points/", "cycles/{cycle}/orders/",
                 "schedules/", "schedules/{schedule}/", "pickup-points/", "pickup-points/{point}/",
                 "delivery-zones/", "delivery-zones/{zone}/", "offers/",
                 "offers/{cycle}/producers/{producer}/"]


def fill(world, path: str) -> str:
    extra = world.extra
    return url(world, path.format(cycle=extra["cycle"].pk, schedule=extra["cycle_schedule"].pk,
                                  point=extra["pickup_point"].pk, zone=extra["delivery_zone"].pk,
                                  producer=extra["producer"].pk))


@pytest.mark.parametrize("path", MANAGER_PAGES)
def test_pages_work_for_fixers_and_are_404_for_consumers(client, a, path):
    fixer = factories.MembershipFactory(coop=a.coop, roles=["fixer"])
    client.force_login(fixer.user)
    response = client.get(fill(a, path))
    assert response.status_code == 200
    client.force_login(a.member.user)
    assert client.get(fill(a, path)).status_code == 404


def test_navigation_links_for_managers_and_producers(client, a):
    client.force_login(a.admin)
    body = client.get(f"/{a.coop.slug}/").content.decode()
    assert url(a, "") in body and url(a, "offers/") in body
    client.force_login(a.extra["producer"].membership.user)
    body = client.get(f"/{a.coop.slug}/").content.decode()
    assert url(a, "offers/") in body and f'href="{url(a, "")}"' not in body


# --- cycles ---------------------------------------------------------------------------------------------

def test_create_a_cycle_then_open_it(client, a):
    client.force_login(a.admin)
    now = timezone.now()
    response = client.post(url(a, "cycles/"), {
        "new-name": "Extra week", "new-opens_at": local(now + timedelta(days=1)),
        "new-cutoff_at": local(now + timedelta(days=3)), "new-delivery_date": (now + timedelta(days=5)).date()})
    assert response.status_code == 302
    cycle = OrderCycle.objects.get(name="Extra week")
    assert cycle.status == OrderCycle.Status.DRAFT
    assert CyclePickupPoint.objects.filter(cycle=cycle).count() == PickupPoint.objects.filter(is_active=True).count()
    client.post(url(a, f"cycles/{cycle.pk}/open/"))
    cycle.refresh_from_db()
    assert cycle.status == OrderCycle.Status.OPEN and cycle.opens_at <= timezone.now()


def test_a_cycle_with_cutoff_before_opening_is_a_400(client, a):
    client.force_login(a.admin)
    now = timezone.now()
    response = client.post(url(a, "cycles/"), {
        "new-name": "Backwards", "new-opens_at": local(now + timedelta(days=3)),
        "new-cutoff_at": local(now + timedelta(days=1)), "new-delivery_date": (now + timedelta(days=5)).date()})
    assert response.status_code == 400 and "after the opening" in response.content.decode()
    assert not OrderCycle.objects.filter(name="Backwards").exists()


def test_extend_the_cutoff(client, a):
    cycle = a.extra["cycle"]
    new_cutoff = (cycle.cutoff_at + timedelta(days=1)).replace(second=0, microsecond=0)
    client.force_login(a.admin)
    response = client.post(url(a, f"cycles/{cycle.pk}/extend/"), {"extend-cutoff_at": local(new_cutoff)})
    assert response.status_code == 302
    cycle.refresh_from_db()
    assert cycle.cutoff_at == new_cutoff
    response = client.post(url(a, f"cycles/{cycle.pk}/extend/"),
                           {"extend-cutoff_at": local(timezone.now() - timedelta(hours=1))})
    assert response.status_code == 400 and "in the future" in response.content.decode()
    cycle.refresh_from_db()
    assert cycle.cutoff_at == new_cutoff


def test_edit_a_cycle(client, a):
    cycle = a.extra["cycle"]
    client.force_login(a.admin)
    later = cycle.delivery_date + timedelta(days=1)
    response = client.post(url(a, f"cycles/{cycle.pk}/"), {"edit-name": "Renamed", "edit-delivery_date": later})
    assert response.status_code == 302
    cycle.refresh_from_db()
    assert (cycle.name, cycle.delivery_date) == ("Renamed", later)


def test_cancel_a_cycle_cancels_its_orders(client, a):
    cycle, order, offer = a.extra["cycle"], a.extra["order"], a.extra["offer"]
    client.force_login(a.admin)
    client.post(url(a, f"cycles/{cycle.pk}/cancel/"))  # not confirmed: nothing happens
    assert OrderCycle.objects.get(pk=cycle.pk).status == OrderCycle.Status.OPEN
    client.post(url(a, f"cycles/{cycle.pk}/cancel/"), {"confirm": "yes"})
    assert OrderCycle.objects.get(pk=cycle.pk).status == OrderCycle.Status.CANCELLED
    assert Order.objects.get(pk=order.pk).status == Order.Status.CANCELLED
    assert Offer.objects.get(pk=offer.pk).remaining == Decimal("50")


def test_per_cycle_pickup_settings(client, a):
    cycle, used = a.extra["cycle"], a.extra["pickup_point"]
    extra = PickupPoint.objects.create(coop=a.coop, key="bib", name="Bibliotheek", postcode="3000", city="Leuven")
    client.force_login(a.admin)
    day = cycle.delivery_date
    form = {f"p{used.pk}-served": "on", f"p{used.pk}-pickup_from": f"{day}T15:00",
            f"p{used.pk}-pickup_until": f"{day}T18:00", f"p{used.pk}-capacity": "20",
            f"p{used.pk}-served_by": "hub", f"p{extra.pk}-served": "on", f"p{extra.pk}-pickup_from": f"{day}T16:00",
            f"p{extra.pk}-pickup_until": f"{day}T19:00", f"p{extra.pk}-capacity": "5",
            f"p{extra.pk}-served_by": "round"}
    for point in PickupPoint.objects.exclude(pk__in=[used.pk, extra.pk]):
        form[f"p{point.pk}-served_by"] = "round"
    response = client.post(url(a, f"cycles/{cycle.pk}/pickup-points/"), form)
    assert response.status_code == 302
    slots = {s.pickup_point_id: s for s in CyclePickupPoint.objects.filter(cycle=cycle)}
    assert set(slots) == {used.pk, extra.pk}
    assert (slots[used.pk].capacity, slots[used.pk].served_by) == (20, "hub")
    # The point with an order cannot stop serving this cycle.
    del form[f"p{used.pk}-served"]
    response = client.post(url(a, f"cycles/{cycle.pk}/pickup-points/"), form)
    assert response.status_code == 400 and "has orders" in response.content.decode()
    assert CyclePickupPoint.objects.filter(cycle=cycle, pickup_point=used).exists()


# --- schedules, pickup points, zones --------------------------------------------------------------------

def test_schedule_generate_now(client, a):
    schedule = a.extra["cycle_schedule"]  # two weeks ahead
    client.force_login(a.admin)
    client.post(url(a, f"schedules/{schedule.pk}/generate/"))
    assert OrderCycle.objects.filter(schedule=schedule).count() == 2
    client.post(url(a, f"schedules/{schedule.pk}/generate/"))
    assert OrderCycle.objects.filter(schedule=schedule).count() == 2


def test_new_pickup_point_gets_coordinates_from_the_postcode(client, a):
    client.force_login(a.admin)
    response = client.post(url(a, "pickup-points/"), {
        "name": "Buurthuis De Kring", "kind": "community_centre", "postcode": "3000", "city": "Leuven",
        "capacity_orders": "30", "service_minutes": "10", "is_active": "on"})
    assert response.status_code == 302
    point = PickupPoint.objects.get(name="Buurthuis De Kring")
    assert point.key == "buurthuis-de-kring" and point.latitude is not None and point.longitude is not None
    response = client.post(url(a, "pickup-points/"), {
        "name": "Buurthuis De Kring", "kind": "shop", "postcode": "3000", "city": "Leuven",
        "capacity_orders": "30", "service_minutes": "10"})
    assert response.status_code == 400 and "already has the code" in response.content.decode()


def test_removing_a_used_pickup_point_deactivates_it(client, a):
    used = a.extra["pickup_point"]
    unused = PickupPoint.objects.create(coop=a.coop, key="leeg", name="Leeg", postcode="3000", city="Leuven")
    client.force_login(a.admin)
    client.post(url(a, f"pickup-points/{unused.pk}/remove/"))
    client.post(url(a, f"pickup-points/{used.pk}/remove/"))
    assert not PickupPoint.objects.filter(pk=unused.pk).exists()
    assert PickupPoint.objects.get(pk=used.pk).is_active is False


def test_delivery_zone_crud(client, a):
    client.force_login(a.admin)
    data = {"name": "Tienen", "postcodes": "3300, 3320", "fee": "5.00", "minimum_order": "25.00",
            "delivery_weekday": "fri", "window_from": "16:00", "window_until": "20:00", "is_active": "on"}
    assert client.post(url(a, "delivery-zones/"), data).status_code == 302
    zone = DeliveryZone.objects.get(name="Tienen")
    assert zone.postcodes == ["3300", "3320"]
    clash = dict(data, name="Overlap", postcodes="3000")  # the world's zone delivers to 3000
    response = client.post(url(a, "delivery-zones/"), clash)
    assert response.status_code == 400 and "already in zone" in response.content.decode()
    client.post(url(a, f"delivery-zones/{zone.pk}/remove/"))
    assert not DeliveryZone.objects.filter(pk=zone.pk).exists()


# --- orders and payments --------------------------------------------------------------------------------

def test_cycle_orders_show_totals_and_mark_paid(client, a):
    cycle, order = a.extra["cycle"], a.extra["order"]
    client.force_login(a.admin)
    body = client.get(url(a, f"cycles/{cycle.pk}/orders/")).content.decode()
    assert order.number in body and f"{order.total_to_pay:.2f}" in body
    response = client.post(url(a, f"orders/{order.pk}/payment/"), {
        f"o{order.pk}-amount": f"{order.total_to_pay}", f"o{order.pk}-received_on": timezone.localdate()})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.PAID and order.paid_amount == order.total_to_pay
    assert Payment.objects.get(order=order).source == Payment.Source.MANUAL


def test_cycle_orders_page_links_the_one_statement_import(client, a):
    client.force_login(a.admin)
    body = client.get(url(a, f"cycles/{a.extra['cycle'].pk}/orders/")).content.decode()
    payments = f"/{a.coop.slug}/invoices/payments/"
    assert f'href="{payments}"' in body and 'href="{}"'.format(url(a, "payments/import/")) not in body
    response = client.get(url(a, "payments/import/"))  # the retired page's address sends there
    assert response.status_code == 302 and response["Location"] == payments
    client.force_login(a.member.user)
    assert client.get(url(a, "payments/import/")).status_code == 404


def test_statement_upload_matches_on_the_ogm_and_imports_once(client, a):
    """An upload to the old address of the webshop's import lands in the one import (307 keeps the file)."""
    order = a.extra["order"]
    other = order_place(customer=factories.MembershipFactory(coop=a.coop), cycle_id=a.extra["cycle"].pk,
                        lines=[{"offer": a.extra["offer"].pk, "quantity": 1}],
                        destination=Destination("pickup", pickup_id=a.extra["pickup_slot"].pk))
    statement = camt(camt_entry("REF-1", f"{order.total_to_pay}", structured(order.payment_reference))
                     + camt_entry("REF-2", "1.00", f"<Ustrd>betaling {other.payment_reference}</Ustrd>")
                     + camt_entry("REF-3", "9.99", "<Ustrd>iets anders</Ustrd>"))
    client.force_login(a.admin)

    def upload(path):
        return client.post(path, {"statement": SimpleUploadedFile("stmt.xml", statement, content_type="text/xml")})

    forwarded = upload(url(a, "payments/import/"))  # a browser sends the same form again to the new address
    assert forwarded.status_code == 307 and forwarded["Location"] == f"/{a.coop.slug}/invoices/payments/"
    response = upload(forwarded["Location"])
    body = response.content.decode()
    assert order.number in body and other.number in body and "iets anders" in body
    order.refresh_from_db()
    other.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.PAID
    assert other.payment_status == Order.PaymentStatus.PARTLY_PAID
    response = upload(f"/{a.coop.slug}/invoices/payments/")
    assert response.status_code == 200
    report = response.context["report"]
    assert report.already_imported == 3 and not report.matched and not report.orders
    assert Payment.objects.filter(order__in=[order, other]).count() == 2


# --- producers' offers ----------------------------------------------------------------------------------

@pytest.fixture
def farm(a):
    producer = a.extra["producer"]
    cycle = factories.open_cycle(a.coop, name="Offers week", days_to_cutoff=3)
    tomato = factories.ProductFactory(coop=a.coop, producer=producer, category=a.extra["category"], name_nl="Tomaat")
    return {"producer": producer, "cycle": cycle, "tomato": tomato,
            "page": url(a, f"offers/{cycle.pk}/producers/{producer.pk}/")}


def test_producer_posts_reduces_and_withdraws_an_offer(client, a, farm):
    client.force_login(farm["producer"].membership.user)
    assert "Tomaat" in client.get(farm["page"]).content.decode()
    response = client.post(farm["page"], {"product": farm["tomato"].pk, "quantity_cap": "6", "price": "2.80"})
    assert response.status_code == 302
    offer = Offer.objects.get(cycle=farm["cycle"], product=farm["tomato"])
    assert (offer.quantity_cap, offer.remaining, offer.price) == (Decimal("6"), Decimal("6"), Decimal("2.80"))

    buyer = factories.MembershipFactory(coop=a.coop)
    order_place(customer=buyer, cycle_id=farm["cycle"].pk, lines=[{"offer": offer.pk, "quantity": 4}],
                destination=Destination("pickup", pickup_id=farm["cycle"].pickup_points.get().pk))
    response = client.post(farm["page"], {"product": farm["tomato"].pk, "quantity_cap": "3"})
    assert response.status_code == 400 and "already ordered 4" in response.content.decode()
    assert Offer.objects.get(pk=offer.pk).quantity_cap == Decimal("6")

    client.post(farm["page"], {"product": farm["tomato"].pk, "quantity_cap": ""})  # unlimited
    assert Offer.objects.get(pk=offer.pk).remaining is None
    client.post(url(a, f"offers/{offer.pk}/withdraw/"))
    offer.refresh_from_db()
    assert offer.is_withdrawn and offer.remaining == 0 and offer.ordered == Decimal("4")


def test_producer_cannot_reach_another_producers_offers(client, a, farm):
    other = factories.ProducerFactory(coop=a.coop)
    client.force_login(farm["producer"].membership.user)
    assert client.get(url(a, f"offers/{farm['cycle'].pk}/producers/{other.pk}/")).status_code == 404
    foreign = factories.ProductFactory(coop=a.coop, producer=other, category=a.extra["category"])
    response = client.post(farm["page"], {"product": foreign.pk, "quantity_cap": "5"})
    assert response.status_code == 400 and not Offer.objects.filter(product=foreign).exists()
    foreign_offer = factories.offer_for(farm["cycle"], foreign, cap=5)
    assert client.post(url(a, f"offers/{foreign_offer.pk}/withdraw/")).status_code == 404


def test_fixer_copies_last_week_for_a_producer(client, a, farm):
    client.force_login(a.admin)
    client.post(farm["page"], {"product": farm["tomato"].pk, "quantity_cap": "8"})
    later = OrderCycle.objects.create(coop=a.coop, name="Next week", opens_at=farm["cycle"].opens_at,
                                      cutoff_at=farm["cycle"].cutoff_at + timedelta(days=7),
                                      delivery_date=farm["cycle"].delivery_date + timedelta(days=7))
    response = client.post(url(a, f"offers/{later.pk}/producers/{farm['producer'].pk}/copy/"))
    assert response.status_code == 302
    copied = Offer.objects.get(cycle=later, product=farm["tomato"])
    assert copied.quantity_cap == Decimal("8") and copied.ordered == 0
