"""The public catalogue: anonymous browsing of a listed coop, search, filters, cards with the visitor's price,
the product page (EU 1169/2011 Art. 14), producer pages, and a constant number of queries."""

import re
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django_scopes import scope, scopes_disabled

from catalog import views_public
from catalog.allergens import Allergen
from catalog.models import CategoryMargin, PriceGroup, PriceGroupMember, Product, ProductDeposit
from catalog.selectors import ProductFilter, product_search
from tests import factories


@pytest.fixture
def cat(world_a):
    """world_a's coop with a small catalogue of known products."""
    coop = world_a.coop
    with scope(coop=coop):
        # Other apps' world builders add products of their own (invoiced, settled ...): take them off the
        # catalogue, so these tests compare exact sets; the base world's product stays (the tests name it).
        Product.objects.exclude(name_nl="Geheime wortel alfa").update(is_active=False)
        veg = factories.CategoryFactory(coop=coop, slug="groenten", name_nl="Groenten")
        roots = factories.CategoryFactory(coop=coop, slug="wortelgewassen", name_nl="Wortelgewassen", parent=veg)
        dairy = factories.CategoryFactory(coop=coop, slug="zuivel", name_nl="Zuivel")
        farm = factories.ProducerFactory(coop=coop, farm_name="Hof ter Linde", street="Veldstraat 3",
                                         postcode="3210", city="Lubbeek", description="Groenten uit Lubbeek.",
                                         organic_control_body="BE-BIO-01")
        dairy_farm = factories.ProducerFactory(coop=coop, farm_name="Melkerij De Koe", postcode="3000",
                                               city="Leuven")
        carrots = factories.ProductFactory(coop=coop, producer=farm, category=roots, name_nl="Wortelen",
                                           name_fr="Carottes", labels=["organic"], storage="chilled")
        beet = factories.ProductFactory(coop=coop, producer=farm, category=veg, name_nl="Rode biet")
        milk = factories.ProductFactory(coop=coop, producer=dairy_farm, category=dairy, name_nl="Hoevemelk",
                                        ingredients="volle melk, gepasteuriseerd", price="1.00", sell_unit="bottle",
                                        price_unit="bottle", net_content="1.000", net_content_unit="l",
                                        storage="chilled")
        factories.declare_allergens(milk, contains=["milk"])
        icecream = factories.ProductFactory(coop=coop, producer=dairy_farm, category=dairy, name_nl="Hoeve-ijs",
                                            ingredients="volle melk, room, suiker, eidooier")
        factories.declare_allergens(icecream, contains=["eggs"], may_contain=["milk"])
        bottle = factories.deposit_item(coop, code="bottle", value="0.50")
        ProductDeposit.objects.create(coop=coop, product=milk, item=bottle, count=1)
        hidden = factories.undeclared_product(coop=coop, producer=farm, category=veg, name_nl="Geheime prei")
        inactive = factories.ProductFactory(coop=coop, producer=farm, category=veg, name_nl="Oude selder",
                                            is_active=False)
    return SimpleNamespace(world=world_a, coop=coop, veg=veg, roots=roots, dairy=dairy, farm=farm,
                                dairy_farm=dairy_farm, carrots=carrots, beet=beet, milk=milk, icecream=icecream,
                                hidden=hidden, inactive=inactive)


def nl(text: str) -> str:
    """What the page shows for an English source string (Dutch is the default language)."""
    with translation.override("nl"):
        return translation.gettext(text)


def _names(response) -> set[str]:
    return set(re.findall(r'<h3>([^<]+)</h3>', response.content.decode()))


def url(coop, path=""):
    return f"/{coop.slug}/products/{path}"


# --- access -----------------------------------------------------------------------------------------------

def test_anonymous_visitor_browses_a_listed_coop(client, cat):
    response = client.get(url(cat.coop))
    assert response.status_code == 200
    assert {"Wortelen", "Rode biet", "Hoevemelk", "Hoeve-ijs"} <= _names(response)
    detail = client.get(url(cat.coop, f"{cat.carrots.pk}/"))
    assert detail.status_code == 200 and "Wortelen" in detail.content.decode()
    assert client.get(f"/{cat.coop.slug}/producers/").status_code == 200
    assert client.get(f"/{cat.coop.slug}/producers/{cat.farm.pk}/").status_code == 200


def test_unlisted_coop_is_for_members_only(client, cat, world_b):
    with scopes_disabled():
        cat.coop.is_listed = False
        cat.coop.save()
    pages = [url(cat.coop), url(cat.coop, f"{cat.carrots.pk}/"), f"/{cat.coop.slug}/producers/",
             f"/{cat.coop.slug}/producers/{cat.farm.pk}/"]
    for page in pages:
        assert client.get(page).status_code == 404, page  # anonymous: like an unknown coop
    client.force_login(world_b.admin)  # logged in, but not a member of this coop
    for page in pages:
        assert client.get(page).status_code == 404, page
    client.force_login(cat.world.member.user)
    for page in pages:
        assert client.get(page).status_code == 200, page


def test_unknown_coop_is_404(client, db):
    assert client.get("/no-such-coop/products/").status_code == 404


def test_unsellable_products_are_hidden_except_for_their_producer_and_managers(client, cat):
    hidden_urls = [url(cat.coop, f"{cat.hidden.pk}/"), url(cat.coop, f"{cat.inactive.pk}/")]
    names = _names(client.get(url(cat.coop)))
    assert "Geheime prei" not in names and "Oude selder" not in names
    for page in hidden_urls:
        assert client.get(page).status_code == 404
    client.force_login(cat.world.member.user)  # a consumer
    for page in hidden_urls:
        assert client.get(page).status_code == 404
    other_farm = factories.ProducerFactory(coop=cat.coop)
    client.force_login(other_farm.membership.user)
    for page in hidden_urls:
        assert client.get(page).status_code == 404
    for user in (cat.farm.membership.user, cat.world.admin):  # its producer, a manager
        client.force_login(user)
        for page in hidden_urls:
            response = client.get(page)
            assert response.status_code == 200
            assert nl("Not for sale: only you (its producer) and the coordinators see this page.") \
                in response.content.decode()


# --- search and filters -----------------------------------------------------------------------------------

def test_search_finds_wortel_for_wortelen_and_the_other_way_round(client, cat):
    with scope(coop=cat.coop):
        factories.ProductFactory(coop=cat.coop, producer=cat.farm, category=cat.roots, name_nl="Gele wortel")
    expected = {"Wortelen", "Gele wortel", "Geheime wortel alfa"}  # the last one is the test world's
    assert _names(client.get(url(cat.coop), {"q": "wortel"})) == expected
    assert _names(client.get(url(cat.coop), {"q": "wortelen"})) == expected
    assert _names(client.get(url(cat.coop), {"q": "wort"})) == expected  # a partial word
    assert _names(client.get(url(cat.coop), {"q": "linde"})) == {"Wortelen", "Rode biet", "Gele wortel"}  # farm
    assert _names(client.get(url(cat.coop), {"q": "biet"})) == {"Rode biet"}
    assert _names(client.get(url(cat.coop), {"q": "carottes"})) == {"Wortelen"}  # French name
    assert _names(client.get(url(cat.coop), {"q": "kaviaar"})) == set()


def test_search_ranks_full_text_matches_first(cat):
    with scope(coop=cat.coop):
        factories.ProductFactory(coop=cat.coop, producer=cat.farm, category=cat.veg, name_nl="Wortelsoep",
                                 description_nl="Soep")
        found = [p.name_nl for p in product_search(type(cat.carrots).objects.all(), ProductFilter(q="wortel"))]
    assert found[-1] == "Wortelsoep"  # only matches the partial-word fallback, so it comes last
    assert "Wortelen" in found


def test_category_filter_includes_subcategories(client, cat):
    assert _names(client.get(url(cat.coop), {"category": cat.veg.pk})) == {"Wortelen", "Rode biet"}
    assert _names(client.get(url(cat.coop), {"category": cat.roots.pk})) == {"Wortelen"}


def test_producer_label_and_storage_filters(client, cat):
    assert _names(client.get(url(cat.coop), {"producer": cat.dairy_farm.pk})) == {"Hoevemelk", "Hoeve-ijs"}
    assert _names(client.get(url(cat.coop), {"label": "organic"})) == {"Wortelen"}
    assert _names(client.get(url(cat.coop), {"storage": "chilled"})) == {"Wortelen", "Hoevemelk"}


def test_without_allergen_excludes_contains_may_contain_and_undeclared(client, cat):
    """Only products that declared their allergens and answered "absent" pass; an undeclared product never
    does, even for someone who can see it."""
    plain = {"Wortelen", "Rode biet", "Geheime wortel alfa"}  # all absent (the last one is the test world's)
    assert _names(client.get(url(cat.coop), {"without_allergen": "milk"})) == plain
    assert _names(client.get(url(cat.coop), {"without_allergen": "eggs"})) == plain | {"Hoevemelk"}
    client.force_login(cat.world.admin)  # a manager sees the undeclared product in the plain list ...
    assert "Geheime prei" in _names(client.get(url(cat.coop)))
    assert "Geheime prei" not in _names(client.get(url(cat.coop), {"without_allergen": "milk"}))  # ... not here
    with scope(coop=cat.coop):
        found = set(product_search(type(cat.carrots).objects.all(), ProductFilter(without_allergen="celery")))
    assert cat.hidden not in found and cat.carrots in found


def test_bad_filter_values_answer_400_with_a_message(client, cat):
    response = client.get(url(cat.coop), {"category": "groenten", "without_allergen": "chocolate"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "groenten" in body and "chocolate" in body
    assert {"Wortelen", "Hoevemelk"} <= _names(response)  # the other filters still work


def test_pagination_keeps_the_filters(client, cat, monkeypatch):
    monkeypatch.setattr(views_public, "PAGE_SIZE", 2)
    with scope(coop=cat.coop):
        factories.ProductFactory(coop=cat.coop, producer=cat.farm, category=cat.veg, name_nl="Aardpeer")
        factories.ProductFactory(coop=cat.coop, producer=cat.farm, category=cat.veg, name_nl="Zwarte radijs")
    params = {"storage": "ambient", "producer": cat.farm.pk}  # Aardpeer, Rode biet, Zwarte radijs
    first = client.get(url(cat.coop), params)
    assert _names(first) == {"Aardpeer", "Rode biet"}
    assert f"storage=ambient&amp;producer={cat.farm.pk}&amp;page=2" in first.content.decode()
    second = client.get(url(cat.coop), {**params, "page": 2})
    assert _names(second) == {"Zwarte radijs"}


# --- cards --------------------------------------------------------------------------------------------------

def test_card_shows_consumer_price_incl_vat_unit_price_deposit_labels_and_allergens(client, cat):
    body = client.get(url(cat.coop), {"q": "hoevemelk"}).content.decode()
    # 1.00 + 25 % = 1.25 excl. VAT, 1.33 incl. 6 % VAT; 1 l, so 1.33 per l; deposit apart.
    assert "€&nbsp;1,33" in body and nl("incl. VAT") in body
    assert "€&nbsp;1,33 / l" in body
    assert nl("+ € %(amount)s deposit") % {"amount": "0,50"} in body
    assert "Hoevemelk" in body and "Melkerij De Koe" in body
    assert nl(str(Allergen.MILK.label)) in body
    organic = client.get(url(cat.coop), {"q": "wortelen"}).content.decode()
    assert "BE-BIO-01" in organic  # the organic label names the control body
    assert "<svg" in organic and ">W</text>" in organic  # a placeholder with the initial, no external image


def test_business_member_sees_price_group_price_excl_vat(client, cat):
    with scope(coop=cat.coop):
        account = factories.BusinessAccountFactory(coop=cat.coop)
        group = PriceGroup.objects.create(coop=cat.coop, code="keuken", name="Keuken", margin_percent=10)
        PriceGroupMember.objects.create(coop=cat.coop, price_group=group, account=account)
        CategoryMargin.objects.create(coop=cat.coop, category=cat.dairy, price_group=group, margin_percent=5)
        member = factories.MembershipFactory(coop=cat.coop, roles=["business"], business_account=account)
    client.force_login(member.user)
    body = client.get(url(cat.coop), {"q": "hoevemelk"}).content.decode()
    assert "€&nbsp;1,05" in body and nl("excl. VAT") in body  # 1.00 + 5 % (group + category), no VAT
    assert "€&nbsp;1,05 / l" in body
    carrots = client.get(url(cat.coop), {"q": "wortelen"}).content.decode()
    assert "€&nbsp;2,20" in carrots  # 2.00 + 10 % (group)


def test_names_follow_the_active_language_with_dutch_fallback(client, cat):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    names = _names(client.get(url(cat.coop)))
    assert "Carottes" in names and "Rode biet" in names  # no French name: the Dutch one


# --- product page -----------------------------------------------------------------------------------------

def test_product_page_has_the_art_14_information(client, cat):
    body = client.get(url(cat.coop, f"{cat.milk.pk}/")).content.decode()
    assert "<strong>melk</strong>" in body  # the allergen emphasised in the ingredients (Art. 21)
    assert body.count('class="allergen-') == 14  # all 14 allergens answered in a table
    assert 'class="allergen-contains"' in body
    assert "1 l" in body  # net quantity
    assert "Hof ter Linde" not in body and "Melkerij De Koe" in body and "3000 Leuven" in body  # the FBO
    # The transparent margin: producer price, coop margin, VAT, deposit.
    for amount in ("€&nbsp;1,00", "€&nbsp;0,25", "€&nbsp;1,25", "€&nbsp;0,08", "€&nbsp;1,33", "€&nbsp;0,50"):
        assert amount in body, amount


def test_undeclared_allergens_are_shown_as_such(client, cat):
    client.force_login(cat.farm.membership.user)
    body = client.get(url(cat.coop, f"{cat.hidden.pk}/")).content.decode()
    assert 'class="allergen-undeclared"' in body
    assert nl("not yet declared").capitalize() in body


def test_ingredients_are_escaped(client, cat):
    with scope(coop=cat.coop):
        type(cat.milk).objects.filter(pk=cat.milk.pk).update(ingredients="<script>x</script> melk")
    body = client.get(url(cat.coop, f"{cat.milk.pk}/")).content.decode()
    assert "<script>x</script>" not in body and "&lt;script&gt;" in body


# --- producer pages ---------------------------------------------------------------------------------------

def test_producer_pages_show_address_without_js_and_a_map_pin(client, cat):
    listing = client.get(f"/{cat.coop.slug}/producers/").content.decode()
    assert "Hof ter Linde" in listing and "Melkerij De Koe" in listing
    body = client.get(f"/{cat.coop.slug}/producers/{cat.farm.pk}/").content.decode()
    assert "Veldstraat 3" in body and "3210 Lubbeek" in body and "Groenten uit Lubbeek." in body
    assert "Wortelen" in body and "Geheime prei" not in body
    assert '"lat": 50.88' in body and "leaflet/leaflet.js" in body
    assert "unpkg" not in body and "cdn" not in body.lower()


def test_inactive_producer_page_is_404_for_visitors(client, cat):
    with scope(coop=cat.coop):
        type(cat.farm).objects.filter(pk=cat.farm.pk).update(is_active=False)
    assert client.get(f"/{cat.coop.slug}/producers/{cat.farm.pk}/").status_code == 404
    assert "Wortelen" not in _names(client.get(url(cat.coop)))


# --- constant queries -------------------------------------------------------------------------------------

def _fill(cat, n):
    with scope(coop=cat.coop):
        bottle = factories.deposit_item(cat.coop, code=f"crate{n}", value="3.00", kind="crate")
        for i in range(n):
            product = factories.ProductFactory(coop=cat.coop, producer=cat.farm, category=cat.roots,
                                               name_nl=f"Extra {i}", net_content="0.500", net_content_unit="kg")
            ProductDeposit.objects.create(coop=cat.coop, product=product, item=bottle, count=2)


def _count(client, path, params=None):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, params or {})
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("who", ["anonymous", "business"])
def test_catalogue_page_uses_a_constant_number_of_queries(client, cat, monkeypatch, who):
    monkeypatch.setattr(views_public, "PAGE_SIZE", 100)
    if who == "business":
        with scope(coop=cat.coop):
            account = factories.BusinessAccountFactory(coop=cat.coop)
            group = PriceGroup.objects.create(coop=cat.coop, code="k", name="K", margin_percent=10)
            PriceGroupMember.objects.create(coop=cat.coop, price_group=group, account=account)
            member = factories.MembershipFactory(coop=cat.coop, roles=["business"], business_account=account)
        client.force_login(member.user)
    _fill(cat, 5)
    client.get(url(cat.coop))  # the visitor's coop and membership are read once, then kept (members/request_cache.py)
    few = _count(client, url(cat.coop))
    few_search = _count(client, url(cat.coop), {"q": "extra", "category": cat.veg.pk, "without_allergen": "milk"})
    _fill(cat, 35)
    assert client.get(url(cat.coop)).content.decode().count("<h3>") >= 44
    assert _count(client, url(cat.coop)) == few
    assert _count(client, url(cat.coop), {"q": "extra", "category": cat.veg.pk, "without_allergen": "milk"}) \
        == few_search
    assert _count(client, f"/{cat.coop.slug}/producers/{cat.farm.pk}/") <= few + 1


def test_price_decimal_display_is_exact(client, cat):
    with scope(coop=cat.coop):
        product = factories.ProductFactory(coop=cat.coop, producer=cat.farm, category=cat.veg,
                                           name_nl="Pompoen", price="1.99")
    body = client.get(url(cat.coop, f"{product.pk}/")).content.decode()
    assert "€&nbsp;2,64" in body  # 1.99 x 1.25 = 2.4875 -> 2.49; x 1.06 = 2.6394 -> 2.64
