"""Cooperatives, people and memberships of the demo (Foundation issue)."""

from functools import cache

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django_scopes import scopes_disabled

from coop.models import Cooperative
from members.models import Membership, Role, User

from .identifiers import fake_enterprise_number, fake_iban

PASSWORD = "korteketen"
CONSUMERS = 60  # klant1..klant60 per coop: enough households for a week that fills the demo fleet

FIRST_NAMES = ["Lotte", "Jonas", "Marie", "Wout", "Fien", "Lucas", "Noor", "Arne", "Elise", "Seppe", "Hanne",
               "Tibo", "Lien", "Ruben", "Sarah", "Pieter", "Emma", "Bram", "Julie", "Stijn", "Ines", "Jens",
               "Amber", "Kobe", "Femke", "Thomas", "Lore", "Matthias", "Nele", "Dries"]
LAST_NAMES = ["Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens", "Wouters",
              "De Smet", "Dubois", "Hermans", "Aerts", "Van den Broeck", "Lambrecht", "Vermeulen", "Michiels",
              "Verstraete", "De Cock", "Van Damme", "Desmet", "Coppens", "Stevens", "Martens", "Leroy",
              "Cools", "Pauwels", "Declercq", "Verhoeven", "Van de Velde"]


@cache
def _password_hash() -> str:
    # Hashed once per run: the hasher is slow on purpose (about 0.5 s each), and every demo password is the same.
    return make_password(PASSWORD)


def user_ensure(email: str, *, first_name: str = "", last_name: str = "", superuser: bool = False) -> User:
    """Create the demo user once; a second run changes nothing (no password re-hash)."""
    user, created = User.objects.get_or_create(
        email=email, defaults={"first_name": first_name, "last_name": last_name, "is_staff": superuser,
                               "is_superuser": superuser},
    )
    if created:
        user.password = _password_hash()
        user.save(update_fields=["password"])
    EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user


def membership_ensure(coop: Cooperative, user: User, roles: list[str]) -> Membership:
    membership, _ = Membership.objects.get_or_create(coop=coop, user=user, defaults={"roles": sorted(roles)})
    if set(roles) - set(membership.roles):
        membership.roles = sorted(set(membership.roles) | set(roles))
        membership.save(update_fields=["roles"])
    return membership


def coop_ensure(index: int, spec: dict) -> Cooperative:
    hub = spec["hub"]
    coop, _ = Cooperative.objects.get_or_create(
        slug=spec["slug"],
        defaults={
            "name": spec["name"],
            "legal_name": f"{spec['name']} CV",
            "enterprise_number": fake_enterprise_number(index),
            "vat_number": "BE" + fake_enterprise_number(index).replace(".", ""),
            "iban": fake_iban(index),
            "bic": "GKCCBEBB",
            "street": "Hoevestraat 1",
            "postcode": hub["postcode"],
            "city": hub["municipality"],
            "contact_email": f"info@{spec['slug']}.example",
            "region_label": spec["region_label"],
            "description": f"Korte keten in de regio {spec['region_label']}: lokale producten van "
                           f"{len(spec['farms'])} boerderijen, gebundeld geleverd.",
        },
    )
    return coop


@scopes_disabled()
def seed(region: dict) -> None:
    user_ensure("superuser@example.org", first_name="Platform", last_name="Beheer", superuser=True)
    for index, spec in enumerate(region["coops"], start=1):
        coop = coop_ensure(index, spec)
        slug = spec["slug"]
        membership_ensure(coop, user_ensure(f"admin@{slug}.example", first_name="An", last_name="Beheerder"),
                          [Role.ADMIN])
        membership_ensure(coop, user_ensure(f"fixer@{slug}.example", first_name="Fien", last_name="Fixer"),
                          [Role.FIXER])
        membership_ensure(coop, user_ensure(f"chauffeur@{slug}.example", first_name="Karel",
                                            last_name="Chauffeur"), [Role.DRIVER])
        for farm in spec["farms"]:
            contact = farm["contact"]
            membership_ensure(coop, user_ensure(farm["seed_login"], first_name=contact["first_name"],
                                                last_name=contact["last_name"]), [Role.PRODUCER])
        for n in range(1, CONSUMERS + 1):
            first = FIRST_NAMES[(n - 1 + index) % len(FIRST_NAMES)]
            last = LAST_NAMES[(n * 7 + index + (n - 1) // 30) % len(LAST_NAMES)]  # klant31.. other names
            membership_ensure(coop, user_ensure(f"klant{n}@{slug}.example", first_name=first, last_name=last),
                              [Role.CONSUMER])
        for kitchen in spec["b2b_kitchens"]:
            membership_ensure(coop, user_ensure(kitchen["seed_login"], first_name="Chef",
                                                last_name=kitchen["name"][:100]), [Role.BUSINESS])
        assert len(spec["b2b_kitchens"]) == 4, "the demo promises keuken1..keuken4"
    coops = {c.slug: c for c in Cooperative.objects.all()}
    multi = user_ensure("multi@example.org", first_name="Mieke", last_name="Meervoud")
    membership_ensure(coops["hageland"], multi, [Role.CONSUMER])
    membership_ensure(coops["meetjesland"], multi, [Role.PRODUCER])
    for farm in region.get("shared_farms", []):
        contact = farm["contact"]
        user = user_ensure(farm["seed_login"], first_name=contact["first_name"], last_name=contact["last_name"])
        for slug in farm["member_of"]:
            membership_ensure(coops[slug], user, [Role.PRODUCER])
