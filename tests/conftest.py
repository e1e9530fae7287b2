"""Shared fixtures: two cooperatives with the same kinds of data, and people with every role."""

from dataclasses import dataclass, field

import pytest
from django_scopes import scopes_disabled

from members.models import Role
from tests import factories

ALL_ROLES = [r.value for r in Role]


@dataclass
class CoopWorld:
    """One cooperative with one object of every kind, so the probes can aim at them."""

    coop: object
    admin: object  # a user with every role
    admin_membership: object
    member: object  # a plain consumer membership
    job: object
    invitation: object
    extra: dict = field(default_factory=dict)

    def secrets(self) -> list[str]:
        """Strings that only this cooperative's pages may show."""
        return [self.coop.name, *self.private_secrets(), self.invitation.email, self.invitation.token]

    def private_secrets(self) -> list[str]:
        """What not even a public page of this cooperative may show to an outsider."""
        return [self.member.user.email, self.admin.email, *self.extra.get("private", [])]


def make_world(slug: str, name: str) -> CoopWorld:
    with scopes_disabled():
        coop = factories.CooperativeFactory(slug=slug, name=name)
        admin_m = factories.MembershipFactory(coop=coop, roles=ALL_ROLES,
                                              user__email=f"admin@{slug}.example")
        member = factories.MembershipFactory(coop=coop, user__email=f"member@{slug}.example")
        job = factories.JobFactory(coop=coop, kind="test", created_by=member.user)
        invitation = factories.InvitationFactory(coop=coop, email=f"invited@{slug}.example")
        world = CoopWorld(coop=coop, admin=admin_m.user, admin_membership=admin_m, member=member, job=job,
                          invitation=invitation)
        # Later apps register builders that add their objects to every world (see tests/worlds.py).
        from tests.worlds import WORLD_BUILDERS

        for build in WORLD_BUILDERS:
            build(world)
    return world


@pytest.fixture
def world_a(db):
    return make_world("alfa", "Coöperatie Alfa")


@pytest.fixture
def world_b(db):
    return make_world("bravo", "Coöperatie Bravo")


@pytest.fixture
def coop(world_a):
    return world_a.coop


@pytest.fixture(autouse=True)
def _default_language_per_test():
    """A request activates its language for the whole thread; without this a French page in one test would leave
    later tests (services, e-mails) in French. Every test starts and ends in the default language (Dutch)."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()
