"""factory-boy factories for the foundation models. Later apps add theirs beside these."""

import factory
from django.utils import timezone

from coop.demo.identifiers import fake_enterprise_number, fake_iban
from coop.models import Cooperative, Job
from members.models import Invitation, Membership, Role, User


class CooperativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cooperative

    name = factory.Sequence(lambda n: f"Coöperatie {n}")
    slug = factory.Sequence(lambda n: f"coop{n}")
    legal_name = factory.LazyAttribute(lambda o: f"{o.name} CV")
    enterprise_number = factory.Sequence(lambda n: fake_enterprise_number(100 + n))
    iban = factory.Sequence(lambda n: fake_iban(100 + n))
    contact_email = factory.LazyAttribute(lambda o: f"info@{o.slug}.example")
    postcode = "3000"
    city = "Leuven"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Person{n}")
    password = factory.PostGenerationMethodCall("set_password", "korteketen")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    coop = factory.SubFactory(CooperativeFactory)
    user = factory.SubFactory(UserFactory)
    roles = factory.LazyFunction(lambda: [Role.CONSUMER.value])


class JobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Job

    coop = factory.SubFactory(CooperativeFactory)
    kind = "test"


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    coop = factory.SubFactory(CooperativeFactory)
    email = factory.Sequence(lambda n: f"invited{n}@example.org")
    roles = factory.LazyFunction(lambda: [Role.CONSUMER.value])
    expires_at = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(days=7))


# --- catalogue -------------------------------------------------------------------------------------------

class ProducerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "members.Producer"

    coop = factory.SubFactory(CooperativeFactory)
    membership = factory.SubFactory(MembershipFactory, coop=factory.SelfAttribute("..coop"),
                                    roles=["producer"])
    key = factory.Sequence(lambda n: f"farm-{n}")
    farm_name = factory.Sequence(lambda n: f"Hoeve {n}")
    postcode = "3210"
    city = "Lubbeek"
    latitude = "50.88000"
    longitude = "4.84000"


class BusinessAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "members.BusinessAccount"

    coop = factory.SubFactory(CooperativeFactory)
    key = factory.Sequence(lambda n: f"kitchen-{n}")
    name = factory.Sequence(lambda n: f"Keuken {n}")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "catalog.Category"

    coop = factory.SubFactory(CooperativeFactory)
    slug = factory.Sequence(lambda n: f"cat-{n}")
    name_nl = factory.Sequence(lambda n: f"Categorie {n}")


class ProductFactory(factory.django.DjangoModelFactory):
    """A sellable product: allergens declared (all absent) and a producer price from 2026-01-01."""

    class Meta:
        model = "catalog.Product"
        skip_postgeneration_save = True

    coop = factory.SubFactory(CooperativeFactory)
    producer = factory.SubFactory(ProducerFactory, coop=factory.SelfAttribute("..coop"))
    category = factory.SubFactory(CategoryFactory, coop=factory.SelfAttribute("..coop"))
    sku = factory.Sequence(lambda n: f"SKU-{n}")
    name_nl = factory.Sequence(lambda n: f"Product {n}")
    sell_unit = "piece"
    price_unit = "piece"
    est_weight_kg = "0.500"

    @factory.post_generation
    def price(obj, create, extracted, **kwargs):
        if not create:
            return
        from datetime import datetime
        from zoneinfo import ZoneInfo

        from catalog.allergens import ALLERGEN_CODES
        from catalog.models import ProducerPrice
        from catalog.services import product_declare_allergens

        ProducerPrice.objects.create(coop=obj.coop, product=obj, price=extracted or "2.00",
                                     valid_from=datetime(2026, 1, 1, tzinfo=ZoneInfo("Europe/Brussels")))
        product_declare_allergens(product=obj, answers=dict.fromkeys(ALLERGEN_CODES, "absent"))


# --- orders ----------------------------------------------------------------------------------------------

def open_cycle(coop, *, days_to_cutoff: int = 2, name: str = "Week test"):
    """An open cycle whose cut-off is in the future, with one served pickup point."""
    from datetime import timedelta

    from django.utils import timezone

    from orders.models import CyclePickupPoint, OrderCycle, PickupPoint

    now = timezone.now()
    cycle = OrderCycle.objects.create(coop=coop, name=name, opens_at=now - timedelta(days=1),
                                      cutoff_at=now + timedelta(days=days_to_cutoff),
                                      delivery_date=(now + timedelta(days=days_to_cutoff + 2)).date(),
                                      status=OrderCycle.Status.OPEN)
    point = PickupPoint.objects.create(coop=coop, key=f"pp-{cycle.pk}", name=f"Afhaalpunt {coop.slug}",
                                       postcode="3000", city="Leuven", capacity_orders=100)
    CyclePickupPoint.objects.create(coop=coop, cycle=cycle, pickup_point=point, capacity=100,
                                    pickup_from=now + timedelta(days=days_to_cutoff + 2),
                                    pickup_until=now + timedelta(days=days_to_cutoff + 2, hours=3))
    return cycle


def offer_for(cycle, product, cap=None, price=None):
    from orders.models import Offer

    return Offer.objects.create(coop=cycle.coop, cycle=cycle, product=product, producer=product.producer,
                                quantity_cap=cap, remaining=cap, price=price)


# --- catalogue: public pages and API -----------------------------------------------------------------------

def declare_allergens(product, *, contains=(), may_contain=()):
    """Answer all 14 allergens: `contains`, `may_contain`, the rest absent."""
    from catalog.allergens import ALLERGEN_CODES
    from catalog.services import product_declare_allergens

    answers = {code: "contains" if code in contains else "may_contain" if code in may_contain else "absent"
               for code in ALLERGEN_CODES}
    product_declare_allergens(product=product, answers=answers)
    return product


def undeclared_product(**kwargs):
    """A product with a price whose allergens are not (all) answered: not sellable."""
    from catalog.models import ProductAllergen

    product = ProductFactory(**kwargs)
    ProductAllergen.objects.filter(product=product, allergen="milk").delete()
    type(product).objects.filter(pk=product.pk).update(allergens_declared_at=None)
    product.allergens_declared_at = None
    return product


def deposit_item(coop, code="bottle", value="0.50", kind="bottle"):
    from catalog.models import DepositItem

    return DepositItem.objects.create(coop=coop, code=code, kind=kind, name_nl=code.capitalize(), value=value)
