"""The producer portal: own products only, fixers for everyone, allergens, prices with history, photos, profile."""

from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from PIL import Image

from catalog.allergens import ALLERGEN_CODES
from catalog.models import DepositItem, ProducerPrice, Product
from catalog.pricing import PricingContext
from coop.demo.identifiers import fake_enterprise_number, fake_iban
from coop.geo import postcode_location
from tests import factories


@pytest.fixture
def farms(world_a):
    """Producer A (the world's, with one product) and producer B of the same coop, a fixer and a crate."""
    with scopes_disabled():
        coop = world_a.coop
        a = world_a.extra["producer"]
        b = factories.ProducerFactory(coop=coop, farm_name="Hoeve Bee")
        b_product = factories.ProductFactory(coop=coop, producer=b, name_nl="Bees geheime prei", sku="B-PREI")
        fixer = factories.MembershipFactory(coop=coop, roles=["fixer"]).user
        crate = DepositItem.objects.create(coop=coop, code="veg_crate", kind="crate", name_nl="Groentekrat",
                                           value="3.00")
    return {"coop": coop, "a": a, "a_product": world_a.extra["product"], "b": b, "b_product": b_product,
            "fixer": fixer, "crate": crate}


def url(coop, producer, suffix=""):
    return f"/{coop.slug}/producer/producers/{producer.pk}/{suffix}"


def product_post(category, **overrides):
    data = {
        "sku": "A-WORTEL", "name_nl": "Wortelen", "name_fr": "Carottes", "name_en": "Carrots",
        "category": category.pk, "sell_unit": "kg", "price_unit": "kg", "order_step": "0.5",
        "min_quantity": "1", "est_weight_kg": "1", "vat_class": "food", "storage": "chilled", "price": "2,40",
        "is_active": "on", "season_months": ["1", "2", "10"], "deposit_veg_crate": "0",
    }
    data.update({f"allergen_{code}": "absent" for code in ALLERGEN_CODES})
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def login(client, user):
    client.force_login(user)
    return client


# --- who may see what --------------------------------------------------------------------------------

def test_producer_a_cannot_view_or_change_producer_b(client, farms):
    coop, a, b, b_product = farms["coop"], farms["a"], farms["b"], farms["b_product"]
    login(client, a.membership.user)
    page = client.get(url(coop, a, "products/"))
    assert page.status_code == 200
    assert farms["a_product"].name_nl in page.content.decode()
    assert b_product.name_nl not in page.content.decode()

    # B's own pages, and B's product aimed at through A's pages: the same 404
    for path in ["products/", "profile/", "products/new/", f"products/{b_product.pk}/",
                 f"products/{b_product.pk}/prices/", "products/export.csv", "products/export.xlsx",
                 "products/import/", "products/import/preview/"]:
        assert client.get(url(coop, b, path)).status_code == 404, path
    for path in [f"products/{b_product.pk}/", f"products/{b_product.pk}/prices/"]:
        assert client.get(url(coop, a, path)).status_code == 404, path
    for producer in (a, b):
        assert client.post(url(coop, producer, f"products/{b_product.pk}/"),
                           product_post(b_product.category, sku="B-PREI", price="0.10")).status_code == 404
        assert client.post(url(coop, producer, f"products/{b_product.pk}/deactivate/")).status_code == 404
    assert client.post(url(coop, b, "profile/"), {"farm_name": "Overgenomen"}).status_code == 404

    with scope(coop=coop):
        b_product.refresh_from_db()
        assert b_product.is_active
        assert list(ProducerPrice.objects.filter(product=b_product).values_list("price", flat=True)) == [
            Decimal("2.00")]
        b.refresh_from_db()
        assert b.farm_name == "Hoeve Bee"


def test_fixer_works_for_any_producer(client, farms):
    coop, b, b_product = farms["coop"], farms["b"], farms["b_product"]
    login(client, farms["fixer"])
    assert client.get(f"/{coop.slug}/producer/").url == f"/{coop.slug}/producer/producers/"
    page = client.get(f"/{coop.slug}/producer/producers/").content.decode()
    assert "Hoeve Bee" in page and farms["a"].farm_name in page
    page = client.get(url(coop, b, "products/"))
    assert page.status_code == 200 and b_product.name_nl in page.content.decode()
    response = client.post(url(coop, b, f"products/{b_product.pk}/"),
                           product_post(b_product.category, sku="B-PREI", name_nl="Prei", price="3.10"))
    assert response.status_code == 302
    with scope(coop=coop):
        assert ProducerPrice.objects.filter(product=b_product).latest("valid_from").price == Decimal("3.10")
        assert ProducerPrice.objects.filter(product=b_product).latest("valid_from").created_by == farms["fixer"]
    assert client.get(url(coop, b, "profile/")).status_code == 200
    assert client.post(url(coop, b, f"products/{b_product.pk}/deactivate/")).status_code == 302
    exported = client.get(url(coop, b, "products/export.csv")).content.decode("utf-8-sig")
    assert "B-PREI" in exported and farms["a_product"].sku not in exported
    upload = SimpleUploadedFile("b.csv", exported.replace(",3.10,", ",3.20,").encode())
    assert client.post(url(coop, b, "products/import/"), {"file": upload}).status_code == 302
    session_key = f"catalog_import:{coop.pk}:{b.pk}"
    confirm = client.post(url(coop, b, "products/import/preview/"), {"sha256": client.session[session_key]["sha256"]})
    assert confirm.status_code == 302
    with scope(coop=coop):
        assert ProducerPrice.objects.filter(product=b_product).latest("valid_from").price == Decimal("3.20")


def test_portal_home_sends_a_producer_to_their_products_and_is_closed_to_consumers(client, farms, world_a):
    coop, a = farms["coop"], farms["a"]
    assert login(client, a.membership.user).get(f"/{coop.slug}/producer/").url == url(coop, a, "products/")
    login(client, world_a.member.user)
    assert client.get(f"/{coop.slug}/producer/").status_code == 404
    assert client.get(url(coop, a, "products/")).status_code == 404
    nav = login(client, a.membership.user).get(f"/{coop.slug}/").content.decode()
    assert f"/{coop.slug}/producer/" in nav


# --- products ----------------------------------------------------------------------------------------

def test_product_without_all_14_allergens_is_not_sellable_and_says_not_yet_declared(client, farms):
    coop, a = farms["coop"], farms["a"]
    login(client, a.membership.user)
    data = product_post(farms["a_product"].category, allergen_celery="", allergen_mustard=None)
    response = client.post(url(coop, a, "products/new/"), data)
    assert response.status_code == 302
    with scope(coop=coop):
        product = Product.objects.get(sku="A-WORTEL")
        assert product.allergens.count() == 12
        assert product.allergens_declared_at is None
        assert product.season_months == [1, 2, 10]
        assert ProducerPrice.objects.get(product=product).price == Decimal("2.40")
    listing = client.get(url(coop, a, "products/")).content.decode()
    assert "allergenen nog niet aangegeven" in listing or "allergens not yet declared" in listing
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    form = client.get(url(coop, a, f"products/{product.pk}/")).content.decode()
    assert form.count("not yet declared") == 2  # celery and mustard, nothing else
    assert "applies from the next order cycle" in form

    client.post(url(coop, a, f"products/{product.pk}/"), product_post(product.category, allergen_celery="contains"))
    with scope(coop=coop):
        product.refresh_from_db()
        assert product.allergens_declared_at is not None
        assert product.allergens.get(allergen="celery").status == "contains"
    assert "not yet declared" not in client.get(url(coop, a, "products/")).content.decode()


def test_price_change_keeps_history_and_an_earlier_moment_keeps_the_old_price(client, farms):
    coop, a, product = farms["coop"], farms["a"], farms["a_product"]
    before = timezone.now()
    login(client, a.membership.user)
    response = client.post(url(coop, a, f"products/{product.pk}/"),
                           product_post(product.category, sku=product.sku, sell_unit="piece", price_unit="piece",
                                        order_step="1", min_quantity="1", price="2.65"))
    assert response.status_code == 302, response.content.decode()[:2000]
    with scope(coop=coop):
        history = list(ProducerPrice.objects.filter(product=product).order_by("valid_from")
                       .values_list("price", flat=True))
        assert history == [Decimal("2.00"), Decimal("2.65")]
        product.refresh_from_db()
        assert PricingContext(coop=coop, at=before).price(product).producer_price == Decimal("2.00")
        assert PricingContext(coop=coop).price(product).producer_price == Decimal("2.65")
        assert PricingContext(coop=coop, at=before - timedelta(days=30)).price(product).producer_price == Decimal(
            "2.00")
    page = client.get(url(coop, a, f"products/{product.pk}/prices/")).content.decode()
    assert "2,65" in page and "2,00" in page  # Dutch number format

    # saving again without a change adds no line
    client.post(url(coop, a, f"products/{product.pk}/"),
                product_post(product.category, sku=product.sku, sell_unit="piece", price_unit="piece",
                             order_step="1", min_quantity="1", price="2.65"))
    with scope(coop=coop):
        assert ProducerPrice.objects.filter(product=product).count() == 2


def test_deactivate_and_reactivate(client, farms):
    coop, a, product = farms["coop"], farms["a"], farms["a_product"]
    login(client, a.membership.user)
    assert client.get(url(coop, a, f"products/{product.pk}/deactivate/")).status_code == 405
    assert client.post(url(coop, a, f"products/{product.pk}/deactivate/")).status_code == 302
    with scope(coop=coop):
        product.refresh_from_db()
        assert not product.is_active
    assert client.post(url(coop, a, f"products/{product.pk}/activate/")).status_code == 302
    with scope(coop=coop):
        product.refresh_from_db()
        assert product.is_active


@pytest.mark.parametrize(("overrides", "field_message"), [
    ({"sku": "B-PREI"}, "already used"),  # another producer's code
    ({"is_weighed": "on", "price_unit": "piece", "sell_unit": "piece"}, "per kg"),
    ({"order_step": "0.5", "min_quantity": "0.7"}, "multiple of the order step"),
    ({"price": "0"}, "0.01"),
    ({"labels": ["organic"]}, "organic certificate"),
    ({"deposit_veg_crate": "-1"}, "0"),
])
def test_bad_product_input_is_a_form_error(client, farms, overrides, field_message):
    coop, a = farms["coop"], farms["a"]
    login(client, a.membership.user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = client.post(url(coop, a, "products/new/"), product_post(farms["a_product"].category, **overrides))
    assert response.status_code == 400
    assert field_message in response.content.decode()
    with scope(coop=coop):
        assert not Product.objects.filter(sku="A-WORTEL").exists()


def test_deposits_are_saved_with_their_count(client, farms):
    coop, a = farms["coop"], farms["a"]
    login(client, a.membership.user)
    client.post(url(coop, a, "products/new/"), product_post(farms["a_product"].category, deposit_veg_crate="2"))
    with scope(coop=coop):
        product = Product.objects.get(sku="A-WORTEL")
        assert list(product.deposits.values_list("item__code", "count")) == [("veg_crate", 2)]


def _png(width, height):
    buffer = BytesIO()
    Image.new("RGBA", (width, height), (200, 80, 20, 128)).save(buffer, "PNG")
    return SimpleUploadedFile("wortel.png", buffer.getvalue(), content_type="image/png")


def test_a_photo_gets_a_400px_thumbnail(client, farms, settings, tmp_path, django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path
    coop, a = farms["coop"], farms["a"]
    login(client, a.membership.user)
    data = product_post(farms["a_product"].category, photo=_png(1200, 800))
    assert client.post(url(coop, a, "products/new/"), data).status_code == 302
    with scope(coop=coop):
        product = Product.objects.get(sku="A-WORTEL")
    assert product.photo.name.startswith("public/products/")
    assert product.thumbnail.name.startswith("public/products/thumbs/")
    with Image.open(product.thumbnail.path) as thumb:
        assert thumb.size == (400, 267) and thumb.format == "JPEG"
    old = product.photo.path

    data = product_post(product.category, photo=None, remove_photo="on")
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url(coop, a, f"products/{product.pk}/"), data).status_code == 302
    with scope(coop=coop):
        product.refresh_from_db()
    assert not product.photo and not product.thumbnail
    assert not (tmp_path / old).exists()


def test_a_file_that_is_no_image_is_refused(client, farms, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    coop, a = farms["coop"], farms["a"]
    login(client, a.membership.user)
    fake = SimpleUploadedFile("wortel.jpg", b"not an image", content_type="image/jpeg")
    response = client.post(url(coop, a, "products/new/"), product_post(farms["a_product"].category, photo=fake))
    assert response.status_code == 400


def test_product_list_queries_do_not_grow_with_products(client, farms, django_assert_max_num_queries):
    coop, a = farms["coop"], farms["a"]
    login(client, a.membership.user)
    client.get(url(coop, a, "products/"))
    with django_assert_max_num_queries(12) as few:
        client.get(url(coop, a, "products/"))
    with scopes_disabled():
        for _ in range(15):
            factories.ProductFactory(coop=coop, producer=a)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url(coop, a, "products/"))
    assert page.content.decode().count("/prices/") == 16


# --- profile -----------------------------------------------------------------------------------------

def profile_post(**overrides):
    data = {
        "farm_name": "Hoeve De Linde", "description": "Groenten en fruit.", "street": "Kerkstraat 1",
        "postcode": "9900", "city": "Eeklo", "latitude": "", "longitude": "",
        "enterprise_number": fake_enterprise_number(4242), "vat_status": "flat_rate_farmer",
        "iban": fake_iban(4242), "organic_control_body": "BE-BIO-01", "organic_certificate_valid_until": "2027-03-31",
        "contact_name": "An Linde", "contact_phone": "+32 470 12 34 56", "contact_email": "an@example.org",
        "delivery_mode": "collected", "delivery_days": ["tue", "thu"], "delivery_earliest": "08:00",
        "delivery_latest": "11:30", "service_minutes": "15",
    }
    data.update(overrides)
    return data


def test_profile_coordinates_come_from_the_postcode(client, farms):
    coop, a = farms["coop"], farms["a"]
    login(client, a.membership.user)
    assert client.get(url(coop, a, "profile/")).status_code == 200
    response = client.post(url(coop, a, "profile/"), profile_post())
    assert response.status_code == 302
    with scope(coop=coop):
        a.refresh_from_db()
    assert (a.latitude, a.longitude) == postcode_location("9900", "Eeklo")
    assert a.delivery_days == ["tue", "thu"] and a.vat_status == "flat_rate_farmer"
    assert a.enterprise_number.count(".") == 2  # stored in the 0123.456.789 form
    assert a.iban == fake_iban(4242).replace(" ", "")

    # moving the farm moves the pin, even when the old coordinates are posted back unchanged
    response = client.post(url(coop, a, "profile/"), profile_post(postcode="3000", city="Leuven",
                                                                  latitude=str(a.latitude),
                                                                  longitude=str(a.longitude)))
    assert response.status_code == 302
    with scope(coop=coop):
        a.refresh_from_db()
    assert (a.latitude, a.longitude) == postcode_location("3000", "Leuven")

    # coordinates given by hand are kept
    client.post(url(coop, a, "profile/"), profile_post(postcode="3000", city="Leuven", latitude="50.91234",
                                                       longitude="4.71234"))
    with scope(coop=coop):
        a.refresh_from_db()
    assert (a.latitude, a.longitude) == (Decimal("50.91234"), Decimal("4.71234"))


@pytest.mark.parametrize(("overrides", "message"), [
    ({"iban": "BE00 0000 0000 0001"}, "not a valid IBAN"),
    ({"enterprise_number": "0123.456.789"}, "not a valid Belgian enterprise number"),
    ({"postcode": "0001", "city": "Nergens"}, "postcode is unknown"),
    ({"delivery_earliest": "12:00", "delivery_latest": "09:00"}, "must be after"),
    ({"organic_control_body": "CERTISYS"}, "BE-BIO-01"),
])
def test_invalid_profile_input_is_a_form_error(client, farms, overrides, message):
    coop, a = farms["coop"], farms["a"]
    login(client, a.membership.user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = client.post(url(coop, a, "profile/"), profile_post(**overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    with scope(coop=coop):
        a.refresh_from_db()
    assert a.farm_name != "Hoeve De Linde"
