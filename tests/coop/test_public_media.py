"""Public and private files share MEDIA_ROOT, but only the public images are reachable by URL.

Product photos, thumbnails and producers' pictures are stored under public/ and served at /media/public/ (also with
DEBUG off, as in production) as immutable images with an ETag; invoices, settlements, cycle documents, route sheets
and drivers' signatures and photos stay outside it: /media/<their path> is 404 however it is asked for. Existing
files are moved under public/ by a migration that may run twice."""

import io

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import FileField
from django_scopes import scope, scopes_disabled
from PIL import Image

from catalog.models import Product
from catalog.services import product_set_photo
from coop.media import PUBLIC_DIR, PublicUpload, move_out_of_public, move_to_public
from invoicing.models import InvoiceDocument
from invoicing.settlements.models import SettlementDocument
from logistics.models_sheets import RouteSheet
from members.models import Producer
from tests import factories
from tests.conftest import make_world

# The only fields whose files anyone may fetch by URL: what the public catalogue shows.
PUBLIC_FIELDS = {("catalog", "Product", "photo"), ("catalog", "Product", "thumbnail"),
                 ("members", "Producer", "photo")}


def png(size=(900, 600)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "orange").save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.DEBUG = False  # as in production: nothing but the public view serves MEDIA_URL
    return tmp_path


@pytest.fixture
def files(media, db):
    """A world whose product has a photo and every kind of private file is on disk."""
    world = make_world("alfa", "Coöperatie Alfa")
    coop = world.coop
    with scope(coop=coop):
        product = product_set_photo(product=world.extra["product"],
                                    photo=SimpleUploadedFile("wortel.png", png(), content_type="image/png"))
        invoice_pdf = InvoiceDocument(coop=coop, invoice=world.extra["invoice"])
        invoice_pdf.file.save("F-1.pdf", ContentFile(b"%PDF-1.4 secret invoice"))
        settlement_pdf = SettlementDocument(coop=coop, settlement=world.extra["settlement"])
        settlement_pdf.file.save("A-1.pdf", ContentFile(b"%PDF-1.4 secret settlement"))
        sheet = RouteSheet(coop=coop, route=world.extra["route"])
        sheet.file.save("route.pdf", ContentFile(b"%PDF-1.4 secret route"))
    event = world.extra["stop_event"]
    private = {"invoice": invoice_pdf.file.name, "settlement": settlement_pdf.file.name,
               "cycle document": world.extra["document"].file.name, "route sheet": sheet.file.name,
               "signature": event.signature.name, "stop photo": event.photo.name}
    for name in private.values():
        assert (media / name).is_file()
    return {"world": world, "product": product, "private": private}


def test_a_product_thumbnail_is_served_with_long_cache_headers(client, files):
    product = files["product"]
    assert product.thumbnail.name.startswith("public/products/thumbs/")
    assert product.thumbnail.url.startswith("/media/public/products/thumbs/")

    response = client.get(product.thumbnail.url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content) == product.thumbnail.read()
    cache = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"public", "max-age=31536000", "immutable"} <= cache
    etag, modified = response["ETag"], response["Last-Modified"]
    assert response["X-Content-Type-Options"] == "nosniff"

    again = client.get(product.thumbnail.url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["ETag"] == etag and "immutable" in again["Cache-Control"]
    assert client.get(product.thumbnail.url, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    assert client.head(product.photo.url).status_code == 200
    assert client.post(product.photo.url).status_code == 405


def test_the_public_pages_show_the_photo_by_a_url_that_answers(client, files):
    world, product = files["world"], files["product"]
    page = client.get(f"/{world.coop.slug}/products/{product.pk}/")
    assert page.status_code == 200
    assert product.thumbnail.url in page.content.decode()
    assert client.get(product.thumbnail.url).status_code == 200


def test_a_producer_picture_is_public(client, files):
    producer = files["world"].extra["producer"]
    with scope(coop=producer.coop):
        producer.photo.save("hoeve.png", ContentFile(png((40, 40))))
    assert producer.photo.name.startswith("public/producers/")
    assert client.get(producer.photo.url).status_code == 200


def test_no_url_serves_a_private_file(client, files):
    for what, name in files["private"].items():
        assert not name.startswith(PUBLIC_DIR), what
        for url in (f"/media/{name}", f"/media/public/../{name}", f"/media/public/%2e%2e/{name}",
                    f"/media/{PUBLIC_DIR}/{name}"):
            assert client.get(url).status_code == 404, (what, url)
    # not even a logged-in admin of the coop: the checked views are the only way in
    client.force_login(files["world"].admin)
    assert client.get(f"/media/{files['private']['signature']}").status_code == 404
    assert client.get(f"/media/{files['private']['invoice']}").status_code == 404


def test_only_images_are_served_from_the_public_folder(client, media):
    (media / PUBLIC_DIR).mkdir()
    (media / PUBLIC_DIR / "page.html").write_text("<script>alert(1)</script>")
    (media / PUBLIC_DIR / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (media / PUBLIC_DIR / "products").mkdir()
    for path in ("page.html", "logo.svg", "products/", "products", "missing.jpg"):
        assert client.get(f"/media/public/{path}").status_code == 404, path


def test_no_private_field_uploads_under_public():
    """A new file field lands outside public/ unless it is meant for the public catalogue."""
    for model in apps.get_models():
        for field in model._meta.fields:
            if not isinstance(field, FileField):
                continue
            key = (model._meta.app_label, model.__name__, field.name)
            name = field.generate_filename(model(), "x.pdf")
            assert name.startswith(f"{PUBLIC_DIR}/") == (key in PUBLIC_FIELDS), key
            assert isinstance(field.upload_to, PublicUpload) == (key in PUBLIC_FIELDS), key


def test_every_upload_gets_a_new_name():
    """Served as immutable, so a replaced photo must never take the URL of an earlier one."""
    upload = PublicUpload("products")
    names = {upload(None, "alfa-wortel.JPG") for _ in range(20)}
    assert len(names) == 20 and all(n.startswith("public/products/alfa-wortel-") and n.endswith(".jpg")
                                    for n in names)


def test_moving_existing_files_under_public_can_run_twice(media, db):
    with scopes_disabled():
        product = factories.ProductFactory(photo="products/wortel.png", thumbnail="products/thumbs/wortel-400.jpg")
        other = factories.ProductFactory(photo="products/gone.png")  # its file was lost: only the name moves
        producer = factories.ProducerFactory(photo="producers/hoeve.png")
    for name, body in (("products/wortel.png", b"photo"), ("products/thumbs/wortel-400.jpg", b"thumb"),
                       ("producers/hoeve.png", b"farm")):
        (media / name).parent.mkdir(parents=True, exist_ok=True)
        (media / name).write_bytes(body)

    assert move_to_public(Product, ("photo", "thumbnail")) == 3
    assert move_to_public(Producer, ("photo",)) == 1
    with scopes_disabled():
        product.refresh_from_db()
        other.refresh_from_db()
        producer.refresh_from_db()
    assert product.photo.name == "public/products/wortel.png" and product.photo.read() == b"photo"
    assert product.thumbnail.name == "public/products/thumbs/wortel-400.jpg"
    assert other.photo.name == "public/products/gone.png" and other.thumbnail.name == ""
    assert producer.photo.name == "public/producers/hoeve.png"
    assert not (media / "products" / "wortel.png").exists()
    assert move_to_public(Product, ("photo", "thumbnail")) == 0  # nothing left to do

    # A run stopped after moving the file but before renaming the row: the next run only renames it.
    Product._base_manager.filter(pk=product.pk).update(photo="products/wortel.png")
    assert move_to_public(Product, ("photo", "thumbnail")) == 1
    assert (media / "public/products/wortel.png").read_bytes() == b"photo"

    assert move_out_of_public(Product, ("photo", "thumbnail")) == 3
    assert (media / "products/thumbs/wortel-400.jpg").read_bytes() == b"thumb"
    assert Product._base_manager.filter(photo="products/wortel.png").exists()
