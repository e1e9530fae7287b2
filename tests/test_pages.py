"""Platform pages: the coop list, a coop's home, navigation by role, language switcher."""

from django.test import Client


def test_home_lists_coops_and_my_coops(client, world_a, world_b):
    page = client.get("/").content.decode()
    assert world_a.coop.name in page and world_b.coop.name in page
    client.force_login(world_a.member.user)
    page = client.get("/").content.decode()
    assert "Mijn coöperaties" in page or "My cooperatives" in page


def test_coop_home_navigation_follows_roles(client, world_a):
    client.force_login(world_a.member.user)
    page = client.get(f"/{world_a.coop.slug}/").content.decode()
    assert f"/{world_a.coop.slug}/members/" not in page
    client.force_login(world_a.admin)
    page = client.get(f"/{world_a.coop.slug}/").content.decode()
    assert f"/{world_a.coop.slug}/members/" in page


def test_dutch_is_the_default_and_french_can_be_chosen(world_a):
    client = Client()
    page = client.get("/").content.decode()
    assert 'lang="nl"' in page
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    page = client.get("/").content.decode()
    assert 'lang="fr"' in page


def test_django_admin_is_for_superusers_only(client, world_a):
    client.force_login(world_a.admin)  # a coop admin, not a platform superuser
    assert client.get("/admin/").status_code == 302
    world_a.admin.is_superuser = world_a.admin.is_staff = True
    world_a.admin.save()
    assert client.get("/admin/members/membership/").status_code == 200
    assert client.get("/admin/coop/job/").status_code == 200


def test_healthz_answers_without_login(client, db):
    response = client.get("/healthz/")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
