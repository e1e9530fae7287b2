"""The REST API: who am I, members (managers only), token auth, JSON errors, the OpenAPI schema."""

from django.core.management import call_command
from rest_framework.authtoken.models import Token


def test_me_lists_memberships_with_roles(client, world_a, world_b):
    from tests.factories import MembershipFactory

    MembershipFactory(coop=world_b.coop, user=world_a.member.user, roles=["producer"])
    client.force_login(world_a.member.user)
    data = client.get("/api/v1/me/").json()
    assert data["email"] == world_a.member.user.email
    assert {m["coop"]: m["roles"] for m in data["memberships"]} == {"alfa": ["consumer"], "bravo": ["producer"]}


def test_me_needs_authentication_and_answers_json(client, db):
    response = client.get("/api/v1/me/")
    assert response.status_code in (401, 403)
    assert "detail" in response.json()


def test_members_api_is_for_managers_only(client, world_a):
    client.force_login(world_a.member.user)
    response = client.get(f"/api/v1/{world_a.coop.slug}/members/")
    assert response.status_code == 403 and response.json()["detail"]
    client.force_login(world_a.admin)
    data = client.get(f"/api/v1/{world_a.coop.slug}/members/").json()
    emails = {row["user"]["email"] for row in data["results"]}
    assert {world_a.admin.email, world_a.member.user.email} <= emails
    assert all(email.endswith(f"@{world_a.coop.slug}.example") for email in emails)


def test_token_auth_created_by_the_management_command(client, world_a):
    call_command("drf_create_token", world_a.admin.email, verbosity=0)
    token = Token.objects.get(user=world_a.admin).key
    response = client.get(f"/api/v1/{world_a.coop.slug}/members/", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200
    response = client.get(f"/api/v1/{world_a.coop.slug}/members/", HTTP_AUTHORIZATION="Token wrong")
    assert response.status_code == 401 and "detail" in response.json()


def test_token_of_coop_a_member_gets_404_json_for_coop_b(client, world_a, world_b):
    token = Token.objects.create(user=world_a.admin).key
    response = client.get(f"/api/v1/{world_b.coop.slug}/members/", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 404
    assert response.json() == client.get("/api/v1/nosuch/members/", HTTP_AUTHORIZATION=f"Token {token}").json()


def test_schema_and_docs_are_served(client, db):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/me/" in paths and "/api/v1/{coop_slug}/members/" in paths
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()


def test_schema_generation_has_no_warnings(tmp_path, db):
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--fail-on-warn", "--file", str(out))
    assert out.read_text().startswith("openapi")
