"""Coop admins and fixers manage members: invite (new and existing accounts), change roles, remove."""

import re

from django.core import mail
from django_scopes import scope, scopes_disabled

from members.models import Invitation, Membership, User
from tests import factories


def _invite(client, world, email, roles):
    client.force_login(world.admin)
    return client.post(f"/{world.coop.slug}/members/", {"email": email, "roles": roles})


def _accept_link(outbox_message):
    return re.search(r"https?://[^/\s]+(/\S+/invitations/\S+/)", outbox_message.body).group(1)


def test_invite_a_new_person_who_signs_up_through_the_link(client, world_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(client, world_a, "nieuwe.boer@example.org", ["producer"])
    assert response.status_code == 302
    assert mail.outbox[-1].to == ["nieuwe.boer@example.org"]
    link = _accept_link(mail.outbox[-1])
    client.logout()

    page = client.get(link)
    assert page.status_code == 200 and "password1" in page.content.decode()
    response = client.post(link, {"first_name": "Nele", "last_name": "Boer", "password1": "Pompoen-Soep-88",
                                  "password2": "Pompoen-Soep-88"})
    assert response.status_code == 302
    user = User.objects.get(email="nieuwe.boer@example.org")
    with scope(coop=world_a.coop):
        assert Membership.objects.get(user=user).roles == ["producer"]
        assert Invitation.objects.get(email="nieuwe.boer@example.org").accepted_at is not None
    assert client.get("/api/v1/me/").json()["memberships"][0]["roles"] == ["producer"]
    # the link is used up
    assert client.post(link).status_code == 410


def test_invite_an_existing_account_who_logs_in_and_accepts(client, world_a, world_b,
                                                            django_capture_on_commit_callbacks):
    someone = world_b.member.user  # a member of coop B, not yet of A
    with django_capture_on_commit_callbacks(execute=True):
        _invite(client, world_a, someone.email, ["consumer", "driver"])
    link = _accept_link(mail.outbox[-1])
    client.logout()
    assert "Log in" in client.get(link).content.decode() or "Aanmelden" in client.get(link).content.decode()
    client.force_login(someone)
    assert client.post(link).status_code == 302
    with scopes_disabled():
        roles = {m.coop.slug: m.roles for m in Membership.objects.filter(user=someone)}
    assert roles == {world_a.coop.slug: ["consumer", "driver"], world_b.coop.slug: ["consumer"]}


def test_an_invitation_cannot_be_taken_by_another_account(client, world_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(client, world_a, "bedoeld@example.org", ["consumer"])
    link = _accept_link(mail.outbox[-1])
    intruder = factories.UserFactory(email="indringer@example.org")
    client.force_login(intruder)
    client.post(link)
    with scope(coop=world_a.coop):
        assert not Membership.objects.filter(user=intruder).exists()


def test_inviting_with_no_role_or_a_bad_email_is_a_form_error(client, world_a):
    response = _invite(client, world_a, "not-an-email", [])
    assert response.status_code == 400
    with scope(coop=world_a.coop):
        assert Invitation.objects.count() == 1  # only the fixture's


def test_role_change_takes_effect_at_once(client, world_a):
    member = world_a.member
    client.force_login(member.user)
    assert client.get(f"/{world_a.coop.slug}/members/").status_code == 404
    assert client.get(f"/api/v1/{world_a.coop.slug}/members/").status_code == 403

    client.force_login(world_a.admin)
    response = client.post(f"/{world_a.coop.slug}/members/{member.pk}/", {"roles": ["consumer", "fixer"]})
    assert response.status_code == 302

    client.force_login(member.user)
    assert client.get(f"/{world_a.coop.slug}/members/").status_code == 200
    assert client.get(f"/api/v1/{world_a.coop.slug}/members/").status_code == 200

    client.force_login(world_a.admin)
    client.post(f"/{world_a.coop.slug}/members/{member.pk}/", {"roles": ["consumer"]})
    client.force_login(member.user)
    assert client.get(f"/{world_a.coop.slug}/members/").status_code == 404


def test_remove_a_member_and_never_the_last_admin(client, world_a):
    client.force_login(world_a.admin)
    client.post(f"/{world_a.coop.slug}/members/{world_a.member.pk}/remove/")
    with scope(coop=world_a.coop):
        assert Membership.objects.get(pk=world_a.member.pk).left_at is not None  # kept for its orders
    client.post(f"/{world_a.coop.slug}/members/{world_a.admin_membership.pk}/remove/")
    with scope(coop=world_a.coop):
        assert Membership.objects.filter(pk=world_a.admin_membership.pk).exists()
    response = client.post(f"/{world_a.coop.slug}/members/{world_a.admin_membership.pk}/", {"roles": ["fixer"]})
    assert response.status_code == 400
    assert "administrator" in response.content.decode() or "beheerder" in response.content.decode()


def test_a_removed_member_loses_access_at_once(client, world_a):
    client.force_login(world_a.member.user)
    assert client.get(f"/api/v1/{world_a.coop.slug}/jobs/{world_a.job.pk}/").status_code == 200
    client.force_login(world_a.admin)
    client.post(f"/{world_a.coop.slug}/members/{world_a.member.pk}/remove/")
    client.force_login(world_a.member.user)
    assert client.get(f"/api/v1/{world_a.coop.slug}/jobs/{world_a.job.pk}/").status_code == 404


def test_a_removed_member_can_be_invited_back_with_fresh_roles(client, world_a, django_capture_on_commit_callbacks):
    client.force_login(world_a.admin)
    client.post(f"/{world_a.coop.slug}/members/{world_a.member.pk}/remove/")
    with django_capture_on_commit_callbacks(execute=True):
        assert _invite(client, world_a, world_a.member.user.email, ["driver"]).status_code == 302
    client.force_login(world_a.member.user)
    assert client.post(_accept_link(mail.outbox[-1])).status_code == 302
    with scope(coop=world_a.coop):
        back = Membership.objects.get(pk=world_a.member.pk)
    assert back.left_at is None and back.roles == ["driver"]
