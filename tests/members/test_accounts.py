"""Sign-up and login with e-mail (django-allauth), no username."""

from django.core import mail

from members.models import User


def test_sign_up_with_email_and_log_in(client, db):
    response = client.post("/accounts/signup/", {
        "email": "Nieuw@Example.org", "password1": "Wortel-en-prei-2026", "password2": "Wortel-en-prei-2026",
    })
    assert response.status_code == 302
    user = User.objects.get(email__iexact="nieuw@example.org")
    assert user.check_password("Wortel-en-prei-2026")
    # A verification mail goes out (optional in dev/test, mandatory in production).
    assert any("nieuw@example.org" in m.to[0].lower() for m in mail.outbox)
    client.logout()
    response = client.post("/accounts/login/", {"login": "nieuw@example.org", "password": "Wortel-en-prei-2026"})
    assert response.status_code == 302
    assert client.get("/api/v1/me/").json()["email"].lower() == "nieuw@example.org"


def test_sign_up_twice_with_the_same_email_is_refused(client, db):
    User.objects.create_user(email="bestaat@example.org", password="x")
    response = client.post("/accounts/signup/", {
        "email": "BESTAAT@example.org", "password1": "Wortel-en-prei-2026", "password2": "Wortel-en-prei-2026",
    })
    assert response.status_code == 200  # the form again, with an error
    assert User.objects.filter(email__iexact="bestaat@example.org").count() == 1


def test_wrong_password_does_not_log_in(client, world_a):
    response = client.post("/accounts/login/", {"login": world_a.admin.email, "password": "fout"})
    assert response.status_code == 200
    assert client.get("/api/v1/me/").status_code in (401, 403)


def test_password_reset_sends_a_mail(client, world_a):
    response = client.post("/accounts/password/reset/", {"email": world_a.member.user.email})
    assert response.status_code == 302
    assert mail.outbox and world_a.member.user.email in mail.outbox[-1].to


def test_anonymous_visitor_of_a_members_page_is_sent_to_login(client, world_a):
    response = client.get(f"/{world_a.coop.slug}/members/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    # and the same for a coop that does not exist: existence does not leak
    assert client.get("/nope/members/")["Location"].startswith("/accounts/login/")
