"""Bulk writes of watched rows bump their version tokens without the writer's help (coop/versioned.py):
`update()`, `bulk_update()`, `bulk_create()` and a queryset's `delete()`, for every family of tokens."""

from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django_scopes import scope, scopes_disabled

from catalog.models import Category, ProducerPrice, Product
from catalog.services import catalogue_version
from coop import versioned, versions
from coop.models import Cooperative
from members.models import Membership, Producer, User
from members.request_cache import COOPERATIVES, person_version
from orders.models import Offer, Order, OrderCycle, PickupPoint
from orders.services.offers import customer_orders_version, cycles_version, offers_version
from orders.services.ordering import Destination, order_place
from tests import factories


def bumped(names, write) -> set[str]:
    """Which of `names` got a new token from `write()`."""
    before = dict(zip(names, versions.tokens(names), strict=True))
    write()
    return {name for name, token in zip(names, versions.tokens(names), strict=True) if token != before[name]}


@pytest.fixture
def two(db):
    """Two coops, each with a product offered in an open cycle."""
    with scopes_disabled():
        rows = []
        for _ in range(2):
            product = factories.ProductFactory()
            cycle = factories.open_cycle(product.coop)
            rows.append((product, cycle, factories.offer_for(cycle, product, cap=10)))
        yield rows


def test_an_update_bumps_the_names_of_the_rows_it_writes_and_no_others(two):
    (product_a, cycle_a, offer_a), (product_b, cycle_b, _) = two
    catalogues = [catalogue_version(product_a.coop_id), catalogue_version(product_b.coop_id)]
    offers = [offers_version(cycle_a.pk), offers_version(cycle_b.pk)]
    with scopes_disabled():
        assert bumped(catalogues, lambda: Product.objects.filter(pk=product_a.pk).update(name_nl="Nieuw")) == {
            catalogues[0]}
        assert bumped(catalogues, lambda: Producer.objects.filter(coop=product_b.coop).update(farm_name="Hoeve")) == {
            catalogues[1]}
        assert bumped(offers, lambda: Offer.objects.filter(pk=offer_a.pk).update(
            quantity_cap=Decimal("3"), remaining=Decimal("3"))) == {offers[0]}
        assert bumped(offers + catalogues, lambda: Offer.objects.filter(pk=-1).update(remaining=1)) == set()
        assert Offer.objects.get(pk=offer_a.pk).remaining == Decimal("3")


def test_rows_that_move_bump_where_they_were_and_where_they_go(two):
    (product_a, cycle_a, offer_a), (_, cycle_b, _) = two
    member = factories.MembershipFactory(coop=product_a.coop)
    newcomer = factories.UserFactory()
    people = [person_version(member.user_id), person_version(newcomer.pk)]
    with scopes_disabled():
        assert bumped(people, lambda: Membership.objects.filter(pk=member.pk).update(user=newcomer)) == set(people)
        offers = [offers_version(cycle_a.pk), offers_version(cycle_b.pk)]
        assert bumped(offers, lambda: Offer.objects.filter(pk=offer_a.pk).update(cycle_id=cycle_b.pk)) == set(offers)
        assert bumped(offers, lambda: Offer.objects.bulk_update([Offer(pk=offer_a.pk, cycle_id=cycle_a.pk)],
                                                                ["cycle"])) == set(offers)
        assert Offer.objects.get(pk=offer_a.pk).cycle_id == cycle_a.pk


def test_what_customers_ordered_is_not_shown_so_it_bumps_nothing_alone(two):
    (product_a, cycle_a, offer_a), _b = two
    offers = [offers_version(cycle_a.pk)]
    with scopes_disabled():
        unlimited = factories.offer_for(cycle_a, factories.ProductFactory(coop=product_a.coop,
                                                                          producer=product_a.producer))
        assert bumped(offers, lambda: Offer.objects.filter(pk=unlimited.pk).update(ordered=Decimal("1"))) == set()
        assert bumped(offers, lambda: Offer.objects.filter(pk=offer_a.pk).update(
            ordered=Decimal("2"), remaining=Decimal("8"))) == set(offers)


def test_cycles_orders_and_coops_updated_in_bulk_bump_their_names(two):
    (product_a, cycle_a, offer_a), (product_b, _, _) = two
    customer = factories.MembershipFactory(coop=product_a.coop)
    with scope(coop=product_a.coop):
        order = order_place(customer=customer, cycle_id=cycle_a.pk, lines=[{"offer": offer_a.pk, "quantity": 1}],
                            destination=Destination("pickup", pickup_id=cycle_a.pickup_points.get().pk))
    names = [offers_version(cycle_a.pk), cycles_version(product_a.coop_id), cycles_version(product_b.coop_id)]
    with scopes_disabled():
        assert bumped(names, lambda: OrderCycle.objects.filter(pk=cycle_a.pk).update(name="Andere week")) == set(
            names[:2])
        mine = [customer_orders_version(customer.pk)]
        cancel = Order.objects.filter(pk=order.pk).update
        assert bumped(mine, lambda: cancel(status=Order.Status.CANCELLED)) == set(mine)
    coops = [COOPERATIVES, catalogue_version(product_a.coop_id), catalogue_version(product_b.coop_id)]
    assert bumped(coops, lambda: Cooperative.objects.filter(pk=product_b.coop_id).update(
        default_margin_percent=Decimal("30"))) == {COOPERATIVES, coops[2]}


def test_bulk_creation_and_bulk_update_bump_the_rows_names(two):
    (product_a, _, _), (product_b, _, _) = two
    catalogues = [catalogue_version(product_a.coop_id), catalogue_version(product_b.coop_id)]
    with scopes_disabled():
        assert bumped(catalogues, lambda: Category.objects.bulk_create(
            [Category(coop=product_b.coop, name_nl="Fruit")])) == {catalogues[1]}
        product_a.name_nl = "Hernoemd"
        assert bumped(catalogues, lambda: Product.objects.bulk_update([product_a], ["name_nl"])) == {catalogues[0]}
        assert bumped(catalogues, lambda: ProducerPrice.objects.filter(product=product_a).update(
            price=Decimal("9.99"))) == {catalogues[0]}
    users = User.objects.bulk_create([User(email="bulk@example.org")])
    assert versions.tokens([person_version(users[0].pk)])  # its own token: nothing of it was kept before
    assert bumped([person_version(product_a.producer.membership.user_id)], lambda: User.objects.filter(
        pk=product_a.producer.membership.user_id).update(first_name="Bulk"))


def test_bulk_creation_outside_a_scope_bumps_too(two):
    """django-scopes answers a refusing queryset without a scope, but lets bulk_create through."""
    (product_a, _, _), _b = two
    user = factories.UserFactory()
    names = [person_version(user.pk)]
    assert bumped(names, lambda: Membership.objects.bulk_create([Membership(coop=product_a.coop, user=user)])) == set(
        names)


def test_a_queryset_delete_bumps_through_the_signals(two):
    (product_a, cycle_a, _), _b = two
    with scopes_disabled():
        extra = factories.offer_for(cycle_a, factories.ProductFactory(coop=product_a.coop,
                                                                      producer=product_a.producer))
        names = [offers_version(cycle_a.pk)]
        assert bumped(names, lambda: Offer.objects.filter(pk=extra.pk).delete()) == set(names)


def test_a_bulk_update_in_a_transaction_bumps_again_at_the_commit(two, django_capture_on_commit_callbacks):
    (_, cycle_a, offer_a), _b = two
    names = [offers_version(cycle_a.pk)]
    with scopes_disabled(), django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        assert bumped(names, lambda: Offer.objects.filter(pk=offer_a.pk).update(price=Decimal("4"))) == set(names)
    assert callbacks
    assert bumped(names, lambda: [callback() for callback in callbacks]) == set(names)


def test_a_watched_model_without_a_versioned_manager_is_refused_at_registration():
    with pytest.raises(ImproperlyConfigured, match="VersionedManager"):
        versioned.bump_on_save([PickupPoint], lambda point: "points", fields=["coop_id"])
    with pytest.raises(ImproperlyConfigured, match="unknown fields"):
        versioned.bump_on_save([Offer], lambda offer: "offers", fields=["cycle_id", "nope"])
    for model in versioned._watches:
        assert all(isinstance(manager, versioned.VersionedManager) for manager in model._meta.managers)


def test_a_row_that_matches_only_after_the_names_were_read_is_left_alone(two, monkeypatch):
    """Between reading the names and the UPDATE another transaction may commit a row that matches: the update
    leaves it (as if it had come first) rather than change it without bumping its names."""
    (_, cycle_a, offer_a), (_, cycle_b, offer_b) = two
    among = versioned._among

    def meanwhile(fields, rows):
        Offer._base_manager.filter(pk=offer_b.pk).update(price=None)  # committed by someone else, say
        return among(fields, rows)

    with scopes_disabled():
        Offer.objects.filter(pk=offer_b.pk).update(price=Decimal("1.00"))
        monkeypatch.setattr(versioned, "_among", meanwhile)
        names = [offers_version(cycle_a.pk), offers_version(cycle_b.pk)]
        assert bumped(names, lambda: Offer.objects.filter(price__isnull=True).update(price=Decimal("5.00"))) == {
            names[0]}
        assert Offer.objects.get(pk=offer_a.pk).price == Decimal("5.00")
        assert Offer.objects.get(pk=offer_b.pk).price is None
