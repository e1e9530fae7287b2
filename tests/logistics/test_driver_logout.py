"""Shared phones: logging out tells the browser to forget its cache (Clear-Site-Data "cache", never "storage",
which would wipe the queue of updates not yet sent); pages shown to someone not logged in drop the service
worker's copies of the driver's day (signed_out.js); the driver's page knows where logging out goes, so driver.js
can warn while updates wait."""

from django.urls import reverse

from tests import factories


def test_logging_out_clears_the_browsers_cache_but_not_its_storage(client, db):
    member = factories.MembershipFactory(roles=["driver"], user__email="rijder@deelgsm.example")
    client.force_login(member.user)
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache"'
    assert "storage" not in response["Clear-Site-Data"] and "*" not in response["Clear-Site-Data"]
    assert "_auth_user_id" not in client.session
    # asking (GET) only shows the confirmation: nothing cleared yet
    client.force_login(member.user)
    assert not client.get(reverse("account_logout")).has_header("Clear-Site-Data")


def test_pages_for_visitors_drop_the_drivers_offline_copy(client, db):
    member = factories.MembershipFactory(roles=["driver"], user__email="rijder2@deelgsm.example")
    assert "js/signed_out.js" in client.get(reverse("account_login")).content.decode()
    assert "js/signed_out.js" in client.get(reverse("home")).content.decode()
    client.force_login(member.user)
    home = client.get(reverse("home")).content.decode()
    assert "js/signed_out.js" not in home, "a logged-in driver keeps the copy for when the network drops"
    day = client.get(reverse("driver_today", kwargs={"coop_slug": member.coop.slug})).content.decode()
    assert f'data-logout="{reverse("account_logout")}"' in day
    assert '"logout_many"' in day  # the warning driver.js shows before logging out while updates wait
