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
