"""The user, membership and coop of a request come from the cache (members/request_cache.py): they must be
as current as the database. Every change to roles, access, the user or the coop is seen on the next request."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from coop import versions
from coop.models import Cooperative
from members import request_cache
from members.models import Membership, User
from tests import factories


@pytest.fixture
def member(db):
    with scopes_disabled():
        return factories.MembershipFactory(roles=["consumer"])


def _url(membership, name):
    return reverse(name, kwargs={"coop_slug": membership.coop.slug})


def _tables(captured) -> str:
    return " ".join(q["sql"] for q in captured.captured_queries)


def test_the_user_membership_and_coop_are_read_once_then_kept(client, member):
    client.force_login(member.user)
    client.get(_url(member, "coop_home"))
    with CaptureQueriesContext(connection) as captured:
        page = client.get(_url(member, "coop_home")).content.decode()
    assert member.user.email in page and member.coop.name in page
    assert '"members_user"' not in _tables(captured) and '"members_membership"' not in _tables(captured)
    assert '"coop_cooperative"' not in _tables(captured)


def test_roles_given_or_taken_apply_on_the_next_request(client, member):
    client.force_login(member.user)
    members_page = _url(member, "member_list")
    assert client.get(members_page).status_code == 404
    member.roles = ["consumer", "fixer"]
    member.save()
    assert client.get(members_page).status_code == 200
    member.roles = ["consumer"]
    member.save()
    assert client.get(members_page).status_code == 404
    with scopes_disabled():  # a bulk update sends no signal: the queryset bumps the person (coop/versioned.py)
        Membership.objects.filter(pk=member.pk).update(roles=["admin"])
    assert client.get(members_page).status_code == 200
    with scopes_disabled():
        Membership.objects.bulk_update([Membership(pk=member.pk, roles=["consumer"])], ["roles"])
    assert client.get(members_page).status_code == 404


def test_a_member_who_left_loses_access_on_the_next_request(client, member):
    client.force_login(member.user)
    my_orders = _url(member, "shop_order_list")
    assert client.get(my_orders).status_code == 200
    member.left_at = timezone.now()
    member.save()
    assert client.get(my_orders).status_code == 404
    with scopes_disabled():
        Membership.objects.filter(pk=member.pk).delete()
        factories.MembershipFactory(coop=member.coop, user=member.user)  # invited again
    assert client.get(my_orders).status_code == 200


def test_a_deactivated_user_or_a_new_password_ends_the_session(client, member):
    home = _url(member, "coop_home")
    client.force_login(member.user)
    assert member.user.email in client.get(home).content.decode()
    user = User.objects.get(pk=member.user.pk)
    user.is_active = False
    user.save()
    assert member.user.email not in client.get(home).content.decode()

    user.is_active = True
    user.save()
    client.force_login(user)
    assert member.user.email in client.get(home).content.decode()
    user.set_password("een-nieuw-wachtwoord")
    user.save()  # e.g. changed on another device: this session's password hash no longer matches
    assert member.user.email not in client.get(home).content.decode()


def test_bulk_writes_of_users_memberships_and_coops_apply_on_the_next_request(client, member):
    """No signal, no manual bump: the querysets of the watched models bump (coop/versioned.py)."""
    home, members_page = _url(member, "coop_home"), _url(member, "member_list")
    client.force_login(member.user)
    assert client.get(members_page).status_code == 404
    with scopes_disabled():  # the membership moves to another person: both are bumped
        Membership.objects.filter(pk=member.pk).update(user=factories.UserFactory())
    assert client.get(members_page).status_code == 404  # not a member any more
    with scopes_disabled():
        Membership.objects.filter(pk=member.pk).update(user=member.user)
        Membership.objects.filter(coop=member.coop, user=member.user).update(roles=["admin"])
    assert client.get(members_page).status_code == 200
    Cooperative.objects.filter(pk=member.coop_id).update(name="Bulk hernoemd")
    assert "Bulk hernoemd" in client.get(home).content.decode()
    User.objects.filter(pk=member.user_id).update(is_active=False)
    assert member.user.email not in client.get(home).content.decode()


def test_a_deactivated_or_renamed_coop_is_seen_at_once(client, member):
    client.force_login(member.user)
    home = _url(member, "coop_home")
    assert client.get(home).status_code == 200
    coop = member.coop
    coop.name = "Nieuwe naam"
    coop.save()
    assert "Nieuwe naam" in client.get(home).content.decode()
    coop.is_active = False
    coop.save()
    assert client.get(home).status_code == 404
    client.logout()
    assert client.get(home).status_code == 404


def test_an_unknown_coop_is_answered_but_not_kept(client, member):
    client.force_login(member.user)
    assert client.get("/geen-coop-hier/").status_code == 404
    key = f"coop-access:{request_cache._schema()}:{member.user_id}:geen-coop-hier"
    assert versions.cache.get(key) is None


def test_pages_work_and_roles_hold_when_the_cache_is_down(client, member, monkeypatch):
    client.force_login(member.user)
    members_page = _url(member, "member_list")
    client.get(members_page)

    class Down:
        def __getattr__(self, name):
            def fail(*args, **kwargs):
                raise ConnectionError("cache down")

            return fail

    monkeypatch.setattr(versions, "cache", Down())  # tokens and entries (sessions stay readable here)
    monkeypatch.setattr(request_cache, "cache", Down())
    assert client.get(members_page).status_code == 404
    member.roles = ["fixer"]
    member.save()  # the bump fails too (logged); nothing stale can be read while the cache is down
    assert client.get(members_page).status_code == 200


def test_deleting_a_business_account_retires_the_context_of_its_people(member):
    """Django empties Membership.business_account with an UPDATE that sends no signal: members/apps.py bumps."""
    with scopes_disabled():
        account = factories.BusinessAccountFactory(coop=member.coop)
        Membership.objects.filter(pk=member.pk).update(business_account=account)
    loads = []

    def load():
        loads.append(1)
        with scopes_disabled():
            return Membership.objects.get(pk=member.pk), member.coop

    def account_id():
        return request_cache.coop_access(member.user_id, member.coop.slug, load)[0].business_account_id

    assert account_id() == account.pk and account_id() == account.pk and len(loads) == 1
    with scopes_disabled():
        account.delete()
    assert account_id() is None and len(loads) == 2
