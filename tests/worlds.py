"""Builders that add an app's objects to every test world, and how to fill URL keywords from them.

When you add a URL with a new keyword (e.g. `product_id`), register here how to get that object of a
world; the cross-tenant probe fails for a keyword it does not know, so no view can escape it.
"""


def build_catalog(world) -> None:
    from catalog.models import PriceGroup, PriceGroupMember
    from tests import factories

    coop = world.coop
    producer = factories.ProducerFactory(coop=coop, farm_name=f"Hoeve van {coop.slug}",
                                         membership__user__email=f"boer@{coop.slug}.example")
    product = factories.ProductFactory(coop=coop, producer=producer, name_nl=f"Geheime wortel {coop.slug}")
    account = factories.BusinessAccountFactory(coop=coop, name=f"Keuken {coop.slug}")
    group = PriceGroup.objects.create(coop=coop, code="keukens", name=f"Keukens {coop.slug}", margin_percent=10)
    PriceGroupMember.objects.create(coop=coop, price_group=group, account=account)
    world.extra.update(producer=producer, product=product, business_account=account, price_group=group,
                       category=product.category)
    world.extra.setdefault("private", []).append(account.name)


WORLD_BUILDERS: list = [build_catalog]

# keyword -> function(world) -> value, used to aim a URL at that world's object
URL_KWARG_FILLERS = {
    "member_id": lambda w: w.member.pk,
    "job_id": lambda w: w.job.pk,
    "token": lambda w: w.invitation.token,
    "producer_id": lambda w: w.extra["producer"].pk,
    "product_id": lambda w: w.extra["product"].pk,
    "price_group_id": lambda w: w.extra["price_group"].pk,
    "category_id": lambda w: w.extra["category"].pk,
    "business_account_id": lambda w: w.extra["business_account"].pk,
}


def build_orders(world) -> None:
    from orders.models import DeliveryZone
    from orders.services.ordering import Destination, order_place
    from tests import factories

    coop = world.coop
    cycle = factories.open_cycle(coop)
    offer = factories.offer_for(cycle, world.extra["product"], cap=50)
    slot = cycle.pickup_points.get()
    zone = DeliveryZone.objects.create(coop=coop, name=f"Zone {coop.slug}", postcodes=["3000"], fee="4.50",
                                       window_from="16:00", window_until="20:00")
    from django_scopes import scope

    with scope(coop=coop):
        order = order_place(customer=world.member, cycle_id=cycle.pk, lines=[{"offer": offer.pk, "quantity": 2}],
                            destination=Destination("pickup", pickup_id=slot.pk))
    world.extra.update(cycle=cycle, offer=offer, pickup_slot=slot, pickup_point=slot.pickup_point,
                       delivery_zone=zone, order=order)
    world.extra["private"].append(order.payment_reference)


WORLD_BUILDERS.append(build_orders)
URL_KWARG_FILLERS.update({
    "cycle_id": lambda w: w.extra["cycle"].pk,
    "offer_id": lambda w: w.extra["offer"].pk,
    "order_id": lambda w: w.extra["order"].pk,
    "pickup_point_id": lambda w: w.extra["pickup_point"].pk,
    "delivery_zone_id": lambda w: w.extra["delivery_zone"].pk,
})
