"""Catalogue API: products (members read; producers write their own, managers all), producers, price groups."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope

from catalog.allergens import ALLERGEN_CODES
from catalog.models import CategoryMargin, PriceGroup, PriceGroupMember, ProducerPrice, Product, ProductDeposit
from tests import factories


@pytest.fixture
def api(world_a):
    """world_a with two farms, a fixer, a kitchen in a price group and a few products."""
    coop = world_a.coop
    with scope(coop=coop):
        veg = factories.CategoryFactory(coop=coop, slug="groenten", name_nl="Groenten")
        sub = factories.CategoryFactory(coop=coop, slug="kool", name_nl="Koolgewassen", parent=veg)
        farm_a = factories.ProducerFactory(coop=coop, farm_name="Hoeve A")
        farm_b = factories.ProducerFactory(coop=coop, farm_name="Hoeve B")
        carrots = factories.ProductFactory(coop=coop, producer=farm_a, category=veg, name_nl="Wortelen",
                                           name_en="Carrots")
        kale = factories.ProductFactory(coop=coop, producer=farm_b, category=sub, name_nl="Boerenkool")
        cheese = factories.ProductFactory(coop=coop, producer=farm_b, category=veg, name_nl="Kaas",
                                          ingredients="melk, zout")
        factories.declare_allergens(cheese, contains=["milk"])
        jar = factories.deposit_item(coop, code="jar", value="0.20", kind="jar")
        ProductDeposit.objects.create(coop=coop, product=cheese, item=jar, count=2)
        undeclared = factories.undeclared_product(coop=coop, producer=farm_b, category=veg, name_nl="Prei")
        fixer = factories.MembershipFactory(coop=coop, roles=["fixer"])
        account = factories.BusinessAccountFactory(coop=coop)
        group = PriceGroup.objects.create(coop=coop, code="scholen", name="Scholen", margin_percent=10)
        PriceGroupMember.objects.create(coop=coop, price_group=group, account=account)
        CategoryMargin.objects.create(coop=coop, category=veg, price_group=group, margin_percent=5)
        kitchen = factories.MembershipFactory(coop=coop, roles=["business"], business_account=account)
    return SimpleNamespace(world=world_a, coop=coop, veg=veg, sub=sub, farm_a=farm_a, farm_b=farm_b,
                                carrots=carrots, kale=kale, cheese=cheese, undeclared=undeclared, fixer=fixer,
                                kitchen=kitchen, group=group, base=f"/api/v1/{coop.slug}")


def _by_name(response):
    assert response.status_code == 200, response.content
    return {row["name_nl"]: row for row in response.json()["results"]}


def _new_product(api, **extra):
    data = {"sku": "NEW-1", "name_nl": "Spruitjes", "category": api.sub.pk, "sell_unit": "kg",
            "producer_price": "3.10", "allergens": [{"code": c, "status": "absent"} for c in ALLERGEN_CODES]}
    data.update(extra)
    return data


# --- reading ----------------------------------------------------------------------------------------------

def test_member_reads_products_with_allergens_deposits_and_consumer_price(client, api):
    client.force_login(api.world.member.user)
    rows = _by_name(client.get(f"{api.base}/products/"))
    assert "Prei" not in rows  # not sellable: allergens not declared
    cheese = rows["Kaas"]
    assert len(cheese["allergens"]) == 14
    assert {"code": "milk", "status": "contains"} in cheese["allergens"]
    assert {"code": "eggs", "status": "absent"} in cheese["allergens"]
    assert cheese["deposits"] == [{"code": "jar", "count": 2, "name": "Jar", "value": "0.20"}]
    price = cheese["price"]
    assert price["vat_included"] is True and price["source"] == "margin"
    assert (price["producer_price"], price["margin_percent"], price["unit_net"]) == ("2.00", "25.00", "2.50")
    assert (price["vat"], price["unit_gross"], price["amount"], price["deposit"]) == ("0.15", "2.65", "2.65",
                                                                                     "0.40")
    assert cheese["is_sellable"] is True and cheese["producer_name"] == "Hoeve B"


def test_business_member_gets_price_group_price_excl_vat(client, api):
    client.force_login(api.kitchen.user)
    rows = _by_name(client.get(f"{api.base}/products/"))
    assert rows["Wortelen"]["price"]["amount"] == "2.10"  # group + category 5 %
    assert rows["Wortelen"]["price"]["vat_included"] is False
    assert rows["Boerenkool"]["price"]["amount"] == "2.10"  # the category margin reaches the subcategory


def test_undeclared_allergens_are_listed_as_undeclared_for_those_who_see_the_product(client, api):
    client.force_login(api.farm_b.membership.user)  # its producer
    row = client.get(f"{api.base}/products/{api.undeclared.pk}/").json()
    assert len(row["allergens"]) == 14
    assert {"code": "milk", "status": "undeclared"} in row["allergens"]
    assert row["is_sellable"] is False and row["allergens_declared"] is False
    client.force_login(api.world.member.user)
    assert client.get(f"{api.base}/products/{api.undeclared.pk}/").status_code == 404


def test_filters(client, api):
    client.force_login(api.fixer.user)  # a manager also sees the undeclared product
    base = f"{api.base}/products/"
    assert "Prei" in _by_name(client.get(base))
    assert set(_by_name(client.get(base, {"q": "wortel"}))) >= {"Wortelen"}
    assert "Kaas" not in _by_name(client.get(base, {"q": "wortel"}))
    assert set(_by_name(client.get(base, {"category": api.sub.pk}))) == {"Boerenkool"}
    assert set(_by_name(client.get(base, {"category": api.veg.pk}))) == {"Wortelen", "Boerenkool", "Kaas", "Prei"}
    assert set(_by_name(client.get(base, {"producer": api.farm_a.pk}))) == {"Wortelen"}
    without_milk = set(_by_name(client.get(base, {"without_allergen": "milk"})))
    assert "Kaas" not in without_milk and "Prei" not in without_milk  # contains / undeclared never pass
    assert {"Wortelen", "Boerenkool"} <= without_milk


def test_bad_filters_answer_400_with_detail(client, api):
    client.force_login(api.world.member.user)
    response = client.get(f"{api.base}/products/", {"without_allergen": "chocolate", "category": "x"})
    assert response.status_code == 400
    body = response.json()
    assert "chocolate" in body["detail"] and set(body["errors"]) == {"without_allergen", "category"}


# --- writing ----------------------------------------------------------------------------------------------

def test_producer_creates_a_product_for_their_own_farm(client, api):
    client.force_login(api.farm_a.membership.user)
    deposits = [{"code": "jar", "count": 1}]
    response = client.post(f"{api.base}/products/", _new_product(api, deposits=deposits),
                           content_type="application/json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["producer"] == api.farm_a.pk and data["price_unit"] == "kg"
    assert data["allergens_declared"] is True and data["is_sellable"] is True
    assert data["price"]["producer_price"] == "3.10" and data["price"]["deposit"] == "0.20"
    with scope(coop=api.coop):
        product = Product.objects.get(sku="NEW-1")
        assert product.producer == api.farm_a
        assert list(ProducerPrice.objects.filter(product=product).values_list("price", flat=True)) == [
            Decimal("3.10")]


def test_producer_cannot_create_for_another_farm(client, api):
    client.force_login(api.farm_a.membership.user)
    response = client.post(f"{api.base}/products/", _new_product(api, producer=api.farm_b.pk),
                           content_type="application/json")
    assert response.status_code == 403 and response.json()["detail"]
    with scope(coop=api.coop):
        assert not Product.objects.filter(sku="NEW-1").exists()


def test_manager_must_name_the_producer(client, api):
    client.force_login(api.fixer.user)
    response = client.post(f"{api.base}/products/", _new_product(api), content_type="application/json")
    assert response.status_code == 400 and "producer" in response.json()["errors"]
    response = client.post(f"{api.base}/products/", _new_product(api, producer=api.farm_b.pk),
                           content_type="application/json")
    assert response.status_code == 201 and response.json()["producer"] == api.farm_b.pk


def test_consumers_and_drivers_only_read(client, api):
    with scope(coop=api.coop):
        driver = factories.MembershipFactory(coop=api.coop, roles=["driver"])
    for user in (api.world.member.user, driver.user, api.kitchen.user):
        client.force_login(user)
        assert client.post(f"{api.base}/products/", _new_product(api, producer=api.farm_a.pk),
                           content_type="application/json").status_code == 403
        assert client.patch(f"{api.base}/products/{api.carrots.pk}/", {"name_nl": "X"},
                            content_type="application/json").status_code == 403
    with scope(coop=api.coop):
        assert Product.objects.get(pk=api.carrots.pk).name_nl == "Wortelen"


def test_producer_a_cannot_patch_producer_b_product_but_a_fixer_can(client, api):
    client.force_login(api.farm_a.membership.user)
    url = f"{api.base}/products/{api.kale.pk}/"
    response = client.patch(url, {"name_nl": "Gestolen kool", "producer_price": "0.50"},
                            content_type="application/json")
    assert response.status_code in (403, 404)
    # not even an unsellable product of B, which A cannot see at all
    assert client.patch(f"{api.base}/products/{api.undeclared.pk}/", {"name_nl": "X"},
                        content_type="application/json").status_code == 404
    with scope(coop=api.coop):
        assert Product.objects.get(pk=api.kale.pk).name_nl == "Boerenkool"
        assert ProducerPrice.objects.filter(product=api.kale).count() == 1

    client.force_login(api.fixer.user)
    response = client.patch(url, {"name_nl": "Boerenkool (bio)", "producer_price": "2.40"},
                            content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["name_nl"] == "Boerenkool (bio)" and response.json()["producer_price"] == "2.40"
    with scope(coop=api.coop):
        prices = ProducerPrice.objects.filter(product=api.kale).order_by("valid_from")
        assert [p.price for p in prices] == [Decimal("2.00"), Decimal("2.40")]  # history kept


def test_producer_patches_own_product_and_allergens_round_trip(client, api):
    client.force_login(api.farm_b.membership.user)
    url = f"{api.base}/products/{api.undeclared.pk}/"
    allergens = client.get(url).json()["allergens"]  # 13 answered + milk undeclared
    response = client.patch(url, {"allergens": allergens}, content_type="application/json")
    assert response.status_code == 200  # "undeclared" entries are skipped, so a GET can be sent back
    assert response.json()["allergens_declared"] is False
    allergens = [{**a, "status": "may_contain" if a["code"] == "milk" else a["status"]} for a in allergens]
    response = client.patch(url, {"allergens": allergens}, content_type="application/json")
    assert response.json()["allergens_declared"] is True and response.json()["is_sellable"] is True
    assert {"code": "milk", "status": "may_contain"} in response.json()["allergens"]


def test_service_validation_errors_answer_400_and_write_nothing(client, api):
    client.force_login(api.farm_a.membership.user)
    url = f"{api.base}/products/{api.carrots.pk}/"
    response = client.patch(url, {"is_weighed": True, "price_unit": "piece", "producer_price": "9.99"},
                            content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] and "price_unit" in body["errors"]
    response = client.patch(url, {"labels": ["organic"]}, content_type="application/json")
    assert response.status_code == 400 and "labels" in response.json()["errors"]  # farm A is not certified
    response = client.patch(url, {"deposits": [{"code": "nope", "count": 1}]}, content_type="application/json")
    assert response.status_code == 400 and "deposits" in response.json()["errors"]
    response = client.patch(url, {"allergens": [{"code": "chocolate", "status": "absent"}]},
                            content_type="application/json")
    assert response.status_code == 400
    with scope(coop=api.coop):
        product = Product.objects.get(pk=api.carrots.pk)
        assert not product.is_weighed and product.labels == [] and not product.deposits.exists()
        assert ProducerPrice.objects.filter(product=product).count() == 1  # nothing half-written


def test_duplicate_product_code_answers_400(client, api):
    client.force_login(api.farm_a.membership.user)
    response = client.post(f"{api.base}/products/", _new_product(api, sku=api.kale.sku),
                           content_type="application/json")
    assert response.status_code == 400 and "sku" in response.json()["errors"]
    with scope(coop=api.coop):
        assert Product.objects.filter(sku=api.kale.sku).count() == 1


def test_a_product_cannot_move_to_another_producer(client, api):
    client.force_login(api.fixer.user)
    response = client.patch(f"{api.base}/products/{api.carrots.pk}/", {"producer": api.farm_b.pk},
                            content_type="application/json")
    assert response.status_code == 400 and "producer" in response.json()["errors"]


def test_delete_is_not_offered(client, api):
    client.force_login(api.fixer.user)
    assert client.delete(f"{api.base}/products/{api.carrots.pk}/").status_code == 405


# --- producers and price groups ---------------------------------------------------------------------------

def test_producers_list_and_detail(client, api):
    client.force_login(api.world.member.user)
    response = client.get(f"{api.base}/producers/")
    assert response.status_code == 200
    rows = {r["farm_name"]: r for r in response.json()["results"]}
    assert rows["Hoeve B"]["product_count"] == 2  # kale and cheese; the undeclared one is not visible
    assert "iban" not in rows["Hoeve B"]
    detail = client.get(f"{api.base}/producers/{api.farm_a.pk}/").json()
    assert detail["farm_name"] == "Hoeve A" and detail["latitude"] == "50.88000"


def test_price_groups_for_managers_and_business_members_only(client, api):
    with scope(coop=api.coop):
        PriceGroup.objects.create(coop=api.coop, code="horeca", name="Horeca", margin_percent=20)
    client.force_login(api.world.member.user)
    assert client.get(f"{api.base}/price-groups/").status_code == 403
    client.force_login(api.kitchen.user)  # only the group it buys in
    rows = client.get(f"{api.base}/price-groups/").json()["results"]
    assert [r["code"] for r in rows] == ["scholen"]
    assert rows[0]["margin_percent"] == "10.00"
    assert rows[0]["category_margins"] == [{"category": api.veg.pk, "category_name": "Groenten",
                                            "margin_percent": "5.00"}]
    client.force_login(api.fixer.user)
    codes = {r["code"] for r in client.get(f"{api.base}/price-groups/").json()["results"]}
    assert {"scholen", "horeca", "keukens"} <= codes
    assert client.get(f"{api.base}/price-groups/{api.group.pk}/").json()["name"] == "Scholen"


def test_catalogue_endpoints_are_in_the_schema(client, db):
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["paths"]
    for path in ("/api/v1/{coop_slug}/products/", "/api/v1/{coop_slug}/products/{product_id}/",
                 "/api/v1/{coop_slug}/producers/", "/api/v1/{coop_slug}/producers/{producer_id}/",
                 "/api/v1/{coop_slug}/price-groups/", "/api/v1/{coop_slug}/price-groups/{price_group_id}/"):
        assert path in paths
    assert set(paths["/api/v1/{coop_slug}/products/"]) == {"get", "post"}
    assert set(paths["/api/v1/{coop_slug}/products/{product_id}/"]) == {"get", "patch"}


# --- constant queries -------------------------------------------------------------------------------------

def _fill(api, n):
    with scope(coop=api.coop):
        jar = factories.deposit_item(api.coop, code=f"crate{n}", value="3.00", kind="crate")
        for i in range(n):
            product = factories.ProductFactory(coop=api.coop, producer=api.farm_a, category=api.sub,
                                               name_nl=f"Extra {n}-{i}")
            ProductDeposit.objects.create(coop=api.coop, product=product, item=jar, count=1)


@pytest.mark.parametrize("who", ["member", "kitchen", "fixer"])
def test_products_list_uses_a_constant_number_of_queries(client, api, who):
    user = {"member": api.world.member.user, "kitchen": api.kitchen.user, "fixer": api.fixer.user}[who]
    client.force_login(user)
    url = f"{api.base}/products/"
    _fill(api, 5)
    client.get(url)  # the user and membership are read once, then kept (members/request_cache.py)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as few_filtered:
        assert client.get(url, {"q": "extra", "category": api.veg.pk, "without_allergen": "milk"}).status_code == 200
    _fill(api, 35)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.json()["count"] >= 43 and len(response.json()["results"]) >= 43
    with CaptureQueriesContext(connection) as many_filtered:
        response = client.get(url, {"q": "extra", "category": api.veg.pk, "without_allergen": "milk"})
    assert response.json()["count"] == 40
    assert len(many) == len(few)
    assert len(many_filtered) == len(few_filtered)
