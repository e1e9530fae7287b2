import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.core.management import CommandError, call_command
from django.test import override_settings
from django_scopes import scopes_disabled


def _counts():
    with scopes_disabled():
        return {m._meta.label: m._default_manager.with_scopes_disabled().count()
                if hasattr(m._default_manager, "with_scopes_disabled") else m._default_manager.count()
                for m in apps.get_models()}


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_complete(client):
    call_command("seed_demo", verbosity=0)
    first = _counts()
    with scopes_disabled():
        from members.models import Membership, User

        password_hashes = dict(User.objects.values_list("email", "password"))
        multi = {m.coop.slug: m.roles for m in Membership.objects.filter(user__email="multi@example.org")}
        fruit = {m.coop.slug: m.roles for m in Membership.objects.filter(user__email="fruitboer@example.org")}
        for slug in ("hageland", "meetjesland"):
            for email, role in [(f"admin@{slug}.example", "admin"), (f"fixer@{slug}.example", "fixer"),
                                (f"chauffeur@{slug}.example", "driver"), (f"boer12@{slug}.example", "producer"),
                                (f"klant30@{slug}.example", "consumer"), (f"keuken4@{slug}.example", "business")]:
                assert Membership.objects.get(coop__slug=slug, user__email=email).roles == [role]
    assert multi == {"hageland": ["consumer"], "meetjesland": ["producer"]}
    assert fruit == {"hageland": ["producer"], "meetjesland": ["producer"]}
    assert first["members.User"] >= 2 * (3 + 12 + 30 + 4) + 2
    assert EmailAddress.objects.filter(verified=True).count() == first["members.User"]

    call_command("seed_demo", verbosity=0)
    assert _counts() == first
    with scopes_disabled():
        assert dict(User.objects.values_list("email", "password")) == password_hashes

    assert client.login(email="klant1@hageland.example", password="korteketen")
    assert client.get("/hageland/").status_code == 200


@pytest.mark.django_db
@override_settings(IS_PRODUCTION=True)
def test_seed_demo_is_refused_in_production():
    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo", verbosity=0)
