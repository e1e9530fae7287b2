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
