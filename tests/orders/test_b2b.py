"""Business customers: prices excl. VAT from the price group (and contract prices), minimum order and PO
reference, the quick order page, the standing orders pages and API, account pages, and that a kitchen never
sees another kitchen's orders or standing orders in the same coop."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation
from django_scopes import scope

from catalog.models import ContractPrice, PriceGroup, PriceGroupMember
from catalog.pricing import PricingContext
from members.models import BusinessAccount, Invitation, Membership
from members.services import invitation_accept
from orders.models import Order, OrderCycle, StandingOrder, StandingOrderLine, StandingOrderRun
from orders.services.ordering import Destination, order_place
from tests import factories


@pytest.fixture(autouse=True)
def _english_messages(settings):
    """These tests check the wording of error and status messages, written in English in the code; the platform's
    default language is Dutch, so they run in English (tests/test_translations.py covers the Dutch and French)."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def english(client):
    """The assertions read English (the source language), whatever catalogues are compiled."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def b2b(world_a):
    """Two kitchens (A in the 'keukens' price group with 10 % margin, B with the coop's 25 %), an open cycle."""
    coop = world_a.coop
    with scope(coop=coop):
        OrderCycle.objects.filter(status="open").update(status=OrderCycle.Status.CANCELLED)
        cycle = factories.open_cycle(coop, name="Week kitchens")
        producer = world_a.extra["producer"]
        carrots = factories.ProductFactory(coop=coop, producer=producer, name_nl="Wortelen", price="2.40")
        leeks = factories.ProductFactory(coop=coop, producer=producer, name_nl="Prei", price="1.00",
                                         category=carrots.category)
        offers = {"carrots": factories.offer_for(cycle, carrots, cap=100), "leeks": factories.offer_for(cycle, leeks)}
        account_a = world_a.extra["business_account"]
        chef_a = world_a.extra["chef"]
        account_b = factories.BusinessAccountFactory(coop=coop, name="Bistro Bravo")
        chef_b = factories.MembershipFactory(coop=coop, roles=["business"], business_account=account_b,
                                             user__email="chef@bistro.example")
        yield {"coop": coop, "cycle": cycle, "carrots": carrots, "leeks": leeks, "offers": offers,
               "account_a": account_a, "chef_a": chef_a, "account_b": account_b, "chef_b": chef_b,
               "world": world_a}


def quick_url(b2b):
    return reverse("b2b_quick_order", kwargs={"coop_slug": b2b["coop"].slug})


def post_quick(client, b2b, quantities: dict, **extra):
    data = {"cycle": b2b["cycle"].pk, **{f"qty-{p.pk}": q for p, q in quantities.items()}, **extra}
    return client.post(quick_url(b2b), data)


# --- prices ---------------------------------------------------------------------------------------------------

def test_b2b_prices_exclude_vat_and_follow_the_price_group(client, b2b):
    client.force_login(b2b["chef_a"].user)
    page = client.get(quick_url(b2b))
    assert page.status_code == 200
    rows = {r.product.name_nl: r for r in page.context["rows"]}
    # 2.40 + 10 % (price group 'keukens') = 2.64 excl. VAT; a consumer pays 2.40 + 25 % + 6 % = 3.18
    assert rows["Wortelen"].unit_price == Decimal("2.64")
    assert "2,64" in page.content.decode() or "2.64" in page.content.decode()
    with scope(coop=b2b["coop"]):
        assert PricingContext(coop=b2b["coop"]).price(b2b["carrots"]).unit_gross == Decimal("3.18")
        assert PricingContext(coop=b2b["coop"], account=b2b["account_b"]).price(b2b["carrots"]).unit_net == \
            Decimal("3.00")  # no price group: the coop's margin, still excl. VAT

    response = post_quick(client, b2b, {b2b["carrots"]: "10"})
    assert response.status_code == 302
    with scope(coop=b2b["coop"]):
        order = Order.objects.get(business_account=b2b["account_a"], cycle=b2b["cycle"])
        line = order.lines.get()
        assert (order.prices_include_vat, line.unit_net, line.line_amount) == (False, Decimal("2.64"), Decimal("26.40"))
        assert (order.total_net, order.total_vat, order.total_gross) == (Decimal("26.40"), Decimal("1.58"),
                                                                         Decimal("27.98"))
        # Moving the account to another group changes the price of the next order
        group = PriceGroup.objects.create(coop=b2b["coop"], code="horeca", name="Horeca", margin_percent=20)
        PriceGroupMember.objects.filter(account=b2b["account_a"]).update(price_group=group)
        assert PricingContext(coop=b2b["coop"], account=b2b["account_a"]).price(b2b["carrots"]).unit_net == \
            Decimal("2.88")


def test_a_contract_price_replaces_the_margin(client, b2b, world_a):
    client.force_login(world_a.admin)
    url = reverse("b2b_account_prices", kwargs={"coop_slug": b2b["coop"].slug,
                                                "business_account_id": b2b["account_a"].pk})
    response = client.post(url, {"action": "contract", "product": b2b["carrots"].pk, "price": "2.50",
                                 "valid_from": (timezone.localdate() - timedelta(days=1)).isoformat()})
    assert response.status_code == 302
    client.force_login(b2b["chef_a"].user)
    rows = {r.product.name_nl: r for r in client.get(quick_url(b2b)).context["rows"]}
    assert rows["Wortelen"].unit_price == Decimal("2.50")
    assert rows["Prei"].unit_price == Decimal("1.10")  # the price group's 10 %

    client.force_login(world_a.admin)  # the fixer moves the kitchen to another price group
    with scope(coop=b2b["coop"]):
        horeca = PriceGroup.objects.create(coop=b2b["coop"], code="horeca", name="Horeca", margin_percent=30)
    assert client.post(url, {"action": "group", "price_group": horeca.pk}).status_code == 302
    client.force_login(b2b["chef_a"].user)
    rows = {r.product.name_nl: r for r in client.get(quick_url(b2b)).context["rows"]}
    assert (rows["Prei"].unit_price, rows["Wortelen"].unit_price) == (Decimal("1.30"), Decimal("2.50"))


# --- minimum order and PO reference -------------------------------------------------------------------------

def test_the_minimum_order_value_is_enforced_with_a_clear_message(client, b2b):
    with scope(coop=b2b["coop"]):
        BusinessAccount.objects.filter(pk=b2b["account_a"].pk).update(minimum_order=Decimal("50.00"))
    client.force_login(b2b["chef_a"].user)
    response = post_quick(client, b2b, {b2b["carrots"]: "10"})  # 26.40 excl. VAT
    assert response.status_code == 400
    body = response.content.decode()
    assert "minimum order" in body and "50" in body and "26" in body
    with scope(coop=b2b["coop"]):
        assert not Order.objects.filter(business_account=b2b["account_a"], cycle=b2b["cycle"]).exists()
    assert post_quick(client, b2b, {b2b["carrots"]: "20"}).status_code == 302  # 52.80

    # The coop's default applies to an account without its own minimum
    b2b["coop"].business_minimum_order = Decimal("40.00")
    b2b["coop"].save(update_fields=["business_minimum_order"])
    client.force_login(b2b["chef_b"].user)
    response = post_quick(client, b2b, {b2b["leeks"]: "10"})  # 10 x 1.25 = 12.50
    assert response.status_code == 400 and "40" in response.content.decode()


def test_a_purchase_order_reference_is_required_when_the_account_says_so(client, b2b):
    with scope(coop=b2b["coop"]):
        BusinessAccount.objects.filter(pk=b2b["account_a"].pk).update(purchase_order_required=True)
    client.force_login(b2b["chef_a"].user)
    response = post_quick(client, b2b, {b2b["carrots"]: "2"})
    assert response.status_code == 400 and "purchase-order reference" in response.content.decode()
    response = post_quick(client, b2b, {b2b["carrots"]: "2"}, purchase_order_reference="PO-2026-17")
    assert response.status_code == 302
    with scope(coop=b2b["coop"]):
        order = Order.objects.get(business_account=b2b["account_a"], cycle=b2b["cycle"])
        assert order.purchase_order_reference == "PO-2026-17"


# --- quick order ------------------------------------------------------------------------------------------

def test_quick_order_places_changes_and_cancels_the_weeks_order_in_one_post(client, b2b):
    client.force_login(b2b["chef_a"].user)
    assert post_quick(client, b2b, {b2b["carrots"]: "4", b2b["leeks"]: ""}).status_code == 302
    with scope(coop=b2b["coop"]):
        order = Order.objects.get(business_account=b2b["account_a"], cycle=b2b["cycle"])
        assert dict(order.lines.values_list("product_name", "quantity")) == {"Wortelen": 4}
    page = client.get(quick_url(b2b))
    assert f'name="qty-{b2b["carrots"].pk}" value="4"' in page.content.decode()
    assert post_quick(client, b2b, {b2b["carrots"]: "0", b2b["leeks"]: "6"}).status_code == 302
    with scope(coop=b2b["coop"]):
        order.refresh_from_db()
        assert dict(order.lines.values_list("product_name", "quantity")) == {"Prei": 6}
        assert b2b["offers"]["carrots"].__class__.objects.get(pk=b2b["offers"]["carrots"].pk).ordered == 0
    # A colleague of the same kitchen changes the same order (one order per account and cycle)
    with scope(coop=b2b["coop"]):
        colleague = factories.MembershipFactory(coop=b2b["coop"], roles=["business"],
                                                business_account=b2b["account_a"])
    client.force_login(colleague.user)
    assert post_quick(client, b2b, {b2b["leeks"]: "8"}).status_code == 302
    with scope(coop=b2b["coop"]):
        assert Order.objects.filter(business_account=b2b["account_a"], cycle=b2b["cycle"]).exclude(
            status="cancelled").count() == 1
    assert post_quick(client, b2b, {b2b["leeks"]: "0"}).status_code == 302
    with scope(coop=b2b["coop"]):
        assert Order.objects.get(pk=order.pk).status == Order.Status.CANCELLED
    bad = post_quick(client, b2b, {b2b["leeks"]: "abc"})
    assert bad.status_code == 400 and "abc" in bad.content.decode()


def test_reorder_fills_in_a_previous_order(client, b2b):
    with scope(coop=b2b["coop"]):
        last_week = factories.open_cycle(b2b["coop"], name="Vorige week")
        offer = factories.offer_for(last_week, b2b["leeks"])
        previous = order_place(customer=b2b["chef_a"], cycle_id=last_week.pk, lines=[{"offer": offer.pk,
                                                                                       "quantity": 12}],
                               destination=Destination("business"))
        OrderCycle.objects.filter(pk=last_week.pk).update(status=OrderCycle.Status.CLOSED)
    client.force_login(b2b["chef_a"].user)
    page = client.get(quick_url(b2b))
    reorder = reverse("b2b_reorder", kwargs={"coop_slug": b2b["coop"].slug, "order_id": previous.pk})
    assert reorder in page.content.decode()
    rows = {r.product.name_nl: r for r in page.context["rows"]}
    assert rows["Prei"].usual and rows["Prei"].last_quantity == 12 and not rows["Prei"].quantity
    filled = client.get(reorder)
    assert filled.status_code == 200
    assert f'name="qty-{b2b["leeks"].pk}" value="12"' in filled.content.decode()
    with scope(coop=b2b["coop"]):
        assert not Order.objects.filter(cycle=b2b["cycle"], business_account=b2b["account_a"]).exists()


def test_the_quick_order_page_is_keyboard_friendly_and_fast(client, b2b, django_assert_max_num_queries):
    client.force_login(b2b["chef_a"].user)
    with django_assert_max_num_queries(30):
        page = client.get(quick_url(b2b))
    html = page.content.decode()
    form = html[html.index('id="quick-order"'):]
    assert "autofocus" in form and 'tabindex="' not in form
    # the quantities come before the one submit button, so Tab walks the grid and Enter saves
    assert form.index(f'id="qty-{b2b["carrots"].pk}"') < form.index('<button type="submit" class="big">')


# --- kitchens never see each other's orders -----------------------------------------------------------------

def test_kitchen_a_cannot_see_kitchen_bs_orders_or_standing_orders(client, b2b):
    coop = b2b["coop"]
    with scope(coop=coop):
        order_b = order_place(customer=b2b["chef_b"], cycle_id=b2b["cycle"].pk,
                              lines=[{"offer": b2b["offers"]["leeks"].pk, "quantity": 3}],
                              destination=Destination("business"))
        standing_b = StandingOrder.objects.create(coop=coop, account=b2b["account_b"], customer=b2b["chef_b"],
                                                  name="Geheim bistro", start_date=date(2026, 1, 1))
        StandingOrderLine.objects.create(coop=coop, standing_order=standing_b, product=b2b["leeks"], quantity=3)
        StandingOrderRun.objects.create(coop=coop, standing_order=standing_b, cycle=b2b["cycle"], order=order_b,
                                        status="placed")
    client.force_login(b2b["chef_a"].user)
    slug = coop.slug
    pages = [reverse("b2b_standing_edit", kwargs={"coop_slug": slug, "standing_order_id": standing_b.pk}),
             reverse("b2b_standing_runs", kwargs={"coop_slug": slug, "standing_order_id": standing_b.pk}),
             reverse("b2b_reorder", kwargs={"coop_slug": slug, "order_id": order_b.pk}),
             f"/api/v1/{slug}/standing-orders/{standing_b.pk}/",
             f"/api/v1/{slug}/standing-orders/{standing_b.pk}/runs/",
             f"/api/v1/{slug}/orders/{order_b.pk}/"]
    for url in pages:
        assert client.get(url).status_code == 404, url
    assert client.patch(f"/api/v1/{slug}/standing-orders/{standing_b.pk}/", {"name": "x"},
                        content_type="application/json").status_code == 404
    for url in [reverse("b2b_standing_list", kwargs={"coop_slug": slug}), quick_url(b2b),
                f"/api/v1/{slug}/standing-orders/", f"/api/v1/{slug}/orders/"]:
        body = client.get(url).content.decode()
        assert "Geheim bistro" not in body and order_b.number not in body, url
    listed = client.get(f"/api/v1/{slug}/standing-orders/").json()["results"]
    assert [s["account"] for s in listed] == [b2b["account_a"].pk]
    # a fixer sees both
    client.force_login(b2b["world"].admin)
    assert {s["account"] for s in client.get(f"/api/v1/{slug}/standing-orders/").json()["results"]} >= {
        b2b["account_a"].pk, b2b["account_b"].pk}


# --- standing orders: pages and API -----------------------------------------------------------------------

def test_a_chef_manages_a_standing_order_with_a_holiday(client, b2b):
    client.force_login(b2b["chef_a"].user)
    slug = b2b["coop"].slug
    new = client.get(reverse("b2b_standing_create", kwargs={"coop_slug": slug}))
    assert "account" not in new.context["form"].fields  # a chef orders for their own kitchen
    # starts after the week that is open now, so it never doubles an order placed by hand
    assert new.context["form"].initial["start_date"] == b2b["cycle"].delivery_date + timedelta(days=1)
    data = {"name": "Groenten", "frequency": "every_cycle", "start_date": "2026-01-05", "is_active": "on",
            "lines-TOTAL_FORMS": "2", "lines-INITIAL_FORMS": "0",
            "lines-0-product": b2b["carrots"].pk, "lines-0-quantity": "5", "lines-0-rule": "take_remaining",
            "lines-1-product": b2b["leeks"].pk, "lines-1-quantity": "3", "lines-1-rule": "substitute"}
    response = client.post(reverse("b2b_standing_create", kwargs={"coop_slug": slug}), data)
    assert response.status_code == 400 and "name the substitute" in response.content.decode()
    data["lines-1-substitute"] = b2b["carrots"].pk
    response = client.post(reverse("b2b_standing_create", kwargs={"coop_slug": slug}), data)
    assert response.status_code == 302
    with scope(coop=b2b["coop"]):
        standing = StandingOrder.objects.get(account=b2b["account_a"], name="Groenten")
        assert standing.customer == b2b["chef_a"] and standing.lines.count() == 2
    pause_url = reverse("b2b_standing_pause_add", kwargs={"coop_slug": slug, "standing_order_id": standing.pk})
    assert client.post(pause_url, {"start": "2026-07-01", "end": "2026-08-31", "reason": "Zomer"}).status_code == 302
    edit = client.get(reverse("b2b_standing_edit", kwargs={"coop_slug": slug, "standing_order_id": standing.pk}))
    assert "Zomer" in edit.content.decode()
    listing = client.get(reverse("b2b_standing_list", kwargs={"coop_slug": slug}))
    assert "Groenten" in listing.content.decode()


def test_standing_orders_api(client, b2b, django_assert_max_num_queries):
    client.force_login(b2b["chef_a"].user)
    base = f"/api/v1/{b2b['coop'].slug}/standing-orders/"
    payload = {"name": "API-bestelling", "frequency": "weekdays", "weekdays": ["fri"], "start_date": "2026-01-02",
               "lines": [{"product": b2b["carrots"].pk, "quantity": "4", "rule": "skip"}],
               "pauses": [{"start": "2026-12-21", "end": "2027-01-03", "reason": "Kerst"}]}
    created = client.post(base, payload, content_type="application/json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["account"], body["weekdays"], body["lines"][0]["product_name"]) == (
        b2b["account_a"].pk, ["fri"], "Wortelen")
    assert body["pauses"] == [{"start": "2026-12-21", "end": "2027-01-03", "reason": "Kerst"}]

    bad = client.post(base, {**payload, "name": "Leeg", "lines": []}, content_type="application/json")
    assert bad.status_code == 400 and "at least one product" in bad.json()["detail"]
    bad = client.post(base, {**payload, "name": "Stap", "frequency": "weekdays", "weekdays": []},
                      content_type="application/json")
    assert bad.status_code == 400 and "weekdays" in bad.json()["detail"]

    patched = client.patch(f"{base}{body['id']}/", {"lines": [{"product": b2b["leeks"].pk, "quantity": "7"}],
                                                    "is_active": False}, content_type="application/json")
    assert patched.status_code == 200, patched.content
    assert patched.json()["is_active"] is False and patched.json()["lines"][0]["quantity"] == "7.000"
    assert patched.json()["pauses"] == body["pauses"]  # untouched when not sent

    with scope(coop=b2b["coop"]):
        standing = StandingOrder.objects.get(pk=body["id"])
        StandingOrderRun.objects.create(coop=b2b["coop"], standing_order=standing, cycle=b2b["cycle"],
                                        status="partly_placed", message="Placed with changes",
                                        outcomes=[{"line_id": 1, "product_id": b2b["carrots"].pk,
                                                   "product": "Wortelen", "requested": "4", "placed": "0",
                                                   "outcome": "skipped", "reason": "Wortelen: only 1 left"}])
    runs = client.get(f"{base}{body['id']}/runs/")
    assert runs.status_code == 200
    assert runs.json()[0]["status"] == "partly_placed"
    assert runs.json()[0]["outcomes"][0]["reason"] == "Wortelen: only 1 left"

    with django_assert_max_num_queries(14):
        assert client.get(base).status_code == 200


def test_a_fixer_creates_a_standing_order_for_an_account_via_the_api(client, b2b):
    client.force_login(b2b["world"].admin)
    base = f"/api/v1/{b2b['coop'].slug}/standing-orders/"
    payload = {"name": "Door de fixer", "start_date": "2026-01-02", "account": b2b["account_b"].pk,
               "lines": [{"product": b2b["leeks"].pk, "quantity": "2"}]}
    created = client.post(base, payload, content_type="application/json")
    assert created.status_code == 201, created.content
    assert created.json()["customer"] == b2b["chef_b"].pk  # placed for the account's business user
    unknown = client.post(base, {**payload, "account": 999999}, content_type="application/json")
    assert unknown.status_code == 400


# --- business accounts (fixer pages) -----------------------------------------------------------------------

def test_a_fixer_creates_an_account_with_validated_numbers_and_invites_a_chef(client, b2b, world_a,
                                                                             django_capture_on_commit_callbacks):
    client.force_login(world_a.admin)
    slug = b2b["coop"].slug
    data = {"name": "Woonzorgcentrum Linde", "kind": "care_home", "enterprise_number": "0123.456.789",
            "invoicing_frequency": "monthly", "payment_terms_days": "30", "postcode": "3000", "city": "Leuven",
            "service_minutes": "20", "delivery_days": ["fri"], "delivery_from": "07:00", "delivery_until": "09:00",
            "is_active": "on"}
    response = client.post(reverse("business_account_create", kwargs={"coop_slug": slug}), data)
    assert response.status_code == 400 and "not a valid Belgian enterprise number" in response.content.decode()
    data["enterprise_number"] = "BE 0417.497.106"
    data["vat_number"] = "0417497106"
    response = client.post(reverse("business_account_create", kwargs={"coop_slug": slug}), data)
    assert response.status_code == 302
    with scope(coop=b2b["coop"]):
        account = BusinessAccount.objects.get(name="Woonzorgcentrum Linde")
        assert (account.enterprise_number, account.vat_number, account.peppol_id) == (
            "0417.497.106", "BE0417497106", "0208:0417497106")
        assert account.latitude is not None and account.delivery_days == ["fri"]

    add = reverse("business_account_add_user", kwargs={"coop_slug": slug, "business_account_id": account.pk})
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(add, {"email": "kok@linde.example"}).status_code == 302
    with scope(coop=b2b["coop"]):
        invitation = Invitation.objects.get(email="kok@linde.example")
        assert invitation.business_account == account and invitation.roles == ["business"]
        user = factories.UserFactory(email="kok@linde.example")
        membership = invitation_accept(invitation_id=invitation.pk, user=user)
        assert membership.business_account == account and membership.roles == ["business"]
    # an existing member is linked at once, keeping their other roles
    assert client.post(add, {"email": world_a.member.user.email}).status_code == 302
    with scope(coop=b2b["coop"]):
        member = Membership.objects.get(pk=world_a.member.pk)
        assert member.business_account == account and sorted(member.roles) == ["business", "consumer"]
    assert len(mail.outbox) == 1


def test_the_fixer_overview_shows_failures_next_placements_and_volume(client, b2b, world_a,
                                                                      django_assert_max_num_queries):
    with scope(coop=b2b["coop"]):
        order_place(customer=b2b["chef_a"], cycle_id=b2b["cycle"].pk,
                    lines=[{"offer": b2b["offers"]["carrots"].pk, "quantity": 10}], destination=Destination("business"))
        run = world_a.extra["standing_order_run"]  # failed, in the world's cycle
    client.force_login(world_a.admin)
    url = reverse("b2b_overview", kwargs={"coop_slug": b2b["coop"].slug})
    with django_assert_max_num_queries(20):
        page = client.get(url)
    html = page.content.decode()
    assert run.message in html and "Vaste bestelling alfa" in html
    accounts = {a.pk: a for a in page.context["accounts"]}
    first = timezone.localdate().replace(day=1)
    with scope(coop=b2b["coop"]):
        expected = sum((o.total_net for o in Order.objects.filter(
            business_account=b2b["account_a"], cycle__delivery_date__gte=first,
            cycle__delivery_date__lt=(first + timedelta(days=32)).replace(day=1)).exclude(status="cancelled")),
            Decimal("0.00"))
    assert accounts[b2b["account_a"].pk].volume_this_month == expected
    assert accounts[b2b["account_b"].pk].volume_this_month == Decimal("0.00")
    retry = reverse("b2b_run_retry", kwargs={"coop_slug": b2b["coop"].slug, "standing_order_run_id": run.pk})
    assert client.post(retry).status_code == 302
    with scope(coop=b2b["coop"]):
        assert StandingOrderRun.objects.get(pk=run.pk).status == "claimed"
    handled = reverse("b2b_run_resolve", kwargs={"coop_slug": b2b["coop"].slug, "standing_order_run_id": run.pk})
    assert client.post(handled).status_code == 302


def test_pages_are_for_kitchens_and_fixers_only(client, b2b, world_a):
    client.force_login(world_a.member.user)  # a consumer
    for name in ("b2b_quick_order", "b2b_standing_list", "b2b_overview", "business_account_list"):
        assert client.get(reverse(name, kwargs={"coop_slug": b2b["coop"].slug})).status_code == 404
    client.force_login(b2b["chef_a"].user)
    for name in ("b2b_overview", "business_account_list"):
        assert client.get(reverse(name, kwargs={"coop_slug": b2b["coop"].slug})).status_code == 404


def test_contract_price_ending(b2b):
    from orders.services.b2b import contract_price_create, contract_price_end

    with scope(coop=b2b["coop"]):
        first = contract_price_create(account=b2b["account_a"], product=b2b["carrots"], price="2.00",
                                      valid_from=date(2026, 1, 1))
        second = contract_price_create(account=b2b["account_a"], product=b2b["carrots"], price="2.20",
                                       valid_from=date(2026, 6, 1))
        first.refresh_from_db()
        assert first.valid_until == date(2026, 5, 31) and second.valid_until is None
        contract_price_end(contract_price=second, on=date(2026, 9, 30))
        assert ContractPrice.objects.get(pk=second.pk).valid_until == date(2026, 9, 30)


# --- demo data ------------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_demo_kitchens_get_their_details_and_a_standing_order_idempotently():
    from django_scopes import scopes_disabled

    from coop.demo import data
    from coop.management.commands.seed_demo import _load

    region = data.regions()
    for dotted in ("coop.demo.people.seed", "coop.demo.producers.seed", "catalog.demo.seed", "orders.demo_b2b.seed"):
        _load(dotted)(region)
    demo = {"account__coop__slug__in": ["hageland", "meetjesland"]}
    with scopes_disabled():
        counts = (StandingOrder.objects.filter(**demo).count(),
                  StandingOrderLine.objects.filter(standing_order__account__coop__slug__in=demo[
                      "account__coop__slug__in"]).count())
        school = BusinessAccount.objects.get(key="hageland-kitchen-01")
        assert (school.kind, school.postcode, school.cooled_delivery_required) == ("school", "3010", True)
        assert (school.delivery_days, str(school.delivery_from), str(school.delivery_until)) == (
            ["fri"], "07:00:00", "09:00:00")
        assert "fietsenstalling" in school.entry_instructions and school.peppol_id.startswith("0208:")
        bistro = BusinessAccount.objects.get(key="hageland-kitchen-03")
        assert "14:30-16:30" in bistro.entry_instructions  # its second window
        standing = StandingOrder.objects.get(account=school)
        assert standing.customer.user.email == "keuken1@hageland.example"
        assert standing.lines.count() == 5 and standing.pauses.count() == 2
        assert StandingOrder.objects.filter(account__coop__slug="meetjesland").count() == 4
    _load("orders.demo_b2b.seed")(region)
    with scopes_disabled():
        again = (StandingOrder.objects.filter(**demo).count(), StandingOrderLine.objects.filter(
            standing_order__account__coop__slug__in=demo["account__coop__slug__in"]).count())
        assert again == counts == (8, counts[1])
