"""Import and export of a producer's product list: dry run, all-or-nothing, row errors, CSV/XLSX round trip."""

import csv
import io
from decimal import Decimal

import pytest
from django_scopes import scope, scopes_disabled
from openpyxl import Workbook, load_workbook

from catalog import importing
from catalog.allergens import ALLERGEN_CODES
from catalog.models import DepositItem, ProducerPrice, Product, ProductAllergen, ProductDeposit
from catalog.services import product_declare_allergens, product_set_deposits
from tests import factories

HEADER = ["sku", "name_nl", "category", "sell_unit", "order_step", "min_quantity", "producer_price_excl_vat",
          "allergens_declared", "allergens_contains", "allergens_may_contain", "deposits"]


@pytest.fixture
def shop(world_a):
    """Producer A with a varied product list, producer B with one product, in the same coop."""
    with scopes_disabled():
        coop = world_a.coop
        a = world_a.extra["producer"]
        a.organic_control_body = "BE-BIO-01"
        a.save()
        veg = factories.CategoryFactory(coop=coop, slug="groenten", name_nl="Groenten")
        leafy = factories.CategoryFactory(coop=coop, slug="groenten-bladgroenten", name_nl="Bladgroenten",
                                          parent=veg)
        crate = DepositItem.objects.create(coop=coop, code="veg_crate", kind="crate", name_nl="Krat", value="3.00")
        bottle = DepositItem.objects.create(coop=coop, code="milk_bottle_1l", kind="bottle", name_nl="Melkfles",
                                            value="0.50")
        witloof = factories.ProductFactory(
            coop=coop, producer=a, category=leafy, sku="VEG-WITLOOF", name_nl="Witloof", name_fr="Chicons",
            sell_unit="kg", price_unit="kg", order_step="0.5", min_quantity="0.5", est_weight_kg="1.000",
            storage="chilled", labels=["organic", "regional"], season_months=[1, 2, 3, 4, 10, 11, 12],
            description_nl="Uit de grond getrokken.\nHeerlijk.", shelf_life_days=7, price="2.80")
        product_set_deposits(product=witloof, deposits={"veg_crate": 1})
        milk = factories.ProductFactory(
            coop=coop, producer=a, category=veg, sku="DAI-MELK", name_nl="=Rauwe melk (1 l)", sell_unit="bottle",
            price_unit="bottle", net_content="1.000", net_content_unit="l", ingredients="rauwe koemelk",
            price="1.35")
        product_declare_allergens(product=milk, answers={"milk": "contains", "nuts": "may_contain"})
        product_set_deposits(product=milk, deposits={"milk_bottle_1l": 1})
        pumpkin = factories.ProductFactory(
            coop=coop, producer=a, category=veg, sku="VEG-POMPOEN", name_nl="Pompoen", sell_unit="piece",
            price_unit="kg", is_weighed=True, est_weight_kg="1.250", is_active=False, price="1.90")
        undeclared = factories.ProductFactory(coop=coop, producer=a, category=veg, sku="VEG-NIEUW",
                                              name_nl="Nieuwe soort", price="3.00")
        ProductAllergen.objects.filter(product=undeclared).exclude(allergen="eggs").delete()
        ProductAllergen.objects.filter(product=undeclared).update(status="contains")
        Product.objects.filter(pk=undeclared.pk).update(allergens_declared_at=None)
        b_product = factories.ProductFactory(coop=coop, sku="B-ONLY", name_nl="Van boer B")
    return {"coop": coop, "a": a, "b": b_product.producer, "b_product": b_product, "veg": veg, "crate": crate,
            "bottle": bottle, "witloof": witloof, "milk": milk, "pumpkin": pumpkin}


def csv_bytes(rows, header=HEADER, delimiter=","):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def base(url_coop, producer):
    return f"/{url_coop.slug}/producer/producers/{producer.pk}/products/"


def snapshot(coop):
    with scope(coop=coop):
        return (
            sorted(Product.objects.values_list("sku", "name_nl", "is_active", "order_step")),
            sorted(ProducerPrice.objects.values_list("product__sku", "price", "valid_from")),
            sorted(ProductAllergen.objects.values_list("product__sku", "allergen", "status")),
            sorted(ProductDeposit.objects.values_list("product__sku", "item__code", "count")),
        )


def upload(client, coop, producer, content, name="producten.csv"):
    return client.post(base(coop, producer) + "import/", {"file": _named(content, name)})


def _named(content, name):
    f = io.BytesIO(content)
    f.name = name
    return f


def run(shop, content, name="producten.csv", commit=True):
    with scope(coop=shop["coop"]):
        return importing.run_import(producer=shop["a"], content=content, filename=name, commit=commit)


# --- round trip --------------------------------------------------------------------------------------

@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_export_then_import_is_all_unchanged(client, shop, extension):
    coop, a = shop["coop"], shop["a"]
    client.force_login(a.membership.user)
    exported = client.get(base(coop, a) + f"export.{extension}")
    assert exported.status_code == 200
    assert f'.{extension}"' in exported["Content-Disposition"]
    content = exported.content
    if extension == "csv":
        text = content.decode("utf-8-sig")
        assert "B-ONLY" not in text  # only the producer's own products
        rows = {r["sku"]: r for r in csv.DictReader(io.StringIO(text))}
        assert len(rows) == 5 and {"VEG-WITLOOF", "DAI-MELK", "VEG-POMPOEN", "VEG-NIEUW"} <= set(rows)
        assert rows["DAI-MELK"]["allergens_contains"] == "milk"
        assert rows["DAI-MELK"]["allergens_may_contain"] == "nuts"
        assert rows["DAI-MELK"]["allergens_declared"] == "yes"
        assert (rows["VEG-NIEUW"]["allergens_declared"], rows["VEG-NIEUW"]["allergens_contains"]) == ("no", "eggs")
        assert rows["DAI-MELK"]["deposits"] == "milk_bottle_1l:1"
        assert rows["DAI-MELK"]["name_nl"] == "'=Rauwe melk (1 l)"  # never a formula in a spreadsheet
        assert rows["VEG-WITLOOF"]["season_months"] == "1-4,10-12"
        assert rows["VEG-WITLOOF"]["category"] == "Groenten/Bladgroenten"
        assert rows["VEG-WITLOOF"]["producer_price_excl_vat"] == "2.80"
        assert rows["VEG-WITLOOF"]["allergens_declared"] == "yes"
    else:
        sheet = load_workbook(io.BytesIO(content)).worksheets[0]
        header = [c.value for c in sheet[1]]
        row = {header[i]: c.value for i, c in enumerate(next(r for r in sheet.iter_rows(min_row=2)
                                                             if r[0].value == "VEG-WITLOOF"))}
        assert row["producer_price_excl_vat"] == 2.8  # a number the spreadsheet can compute with
        assert row["deposits"] == "veg_crate:1"

    before = snapshot(coop)
    response = upload(client, coop, a, content, name=f"export.{extension}")
    assert response.status_code == 302
    preview = client.get(response.url)
    page = preview.content.decode()
    assert preview.status_code == 200
    result = run(shop, content, name=f"export.{extension}")
    assert result.ok and result.applied, result.errors
    assert result.counts == {"create": 0, "update": 0, "unchanged": 5, "error": 0}
    assert "Import" in page
    assert snapshot(coop) == before


# --- dry run and confirmation ------------------------------------------------------------------------

def test_preview_writes_nothing_and_confirm_applies_everything(client, shop):
    coop, a = shop["coop"], shop["a"]
    content = csv_bytes([
        ["VEG-PREI", "Prei", "groenten", "kg", "0.5", "1", "2,20", "yes", "", "", "veg_crate:1"],
        ["VEG-WITLOOF", "Witloof", "Groenten/Bladgroenten", "kg", "0.5", "0.5", "3.10", "yes", "", "",
         "veg_crate:1"],
        ["DAI-MELK", "=Rauwe melk (1 l)", "groenten", "bottle", "1", "1", "1.35", "yes", "milk", "",
         "milk_bottle_1l:1"],
    ], delimiter=";")
    before = snapshot(coop)
    client.force_login(a.membership.user)
    response = upload(client, coop, a, content)
    assert response.status_code == 302 and response.url.endswith("/import/preview/")
    preview = client.get(response.url)
    assert preview.status_code == 200
    assert snapshot(coop) == before  # the dry run wrote nothing
    result = run(shop, content, commit=False)
    assert [(r.sku, r.action) for r in result.rows] == [("VEG-PREI", "create"), ("VEG-WITLOOF", "update"),
                                                         ("DAI-MELK", "update")]
    assert result.rows[1].changes == ["producer_price_excl_vat"]
    assert result.rows[2].changes == ["allergens"]
    assert snapshot(coop) == before

    sha = next(v for k, v in client.session.items() if k.startswith("catalog_import:"))["sha256"]
    assert client.post(response.url, {"sha256": "0" * 64}).status_code == 400  # not the previewed file
    assert snapshot(coop) == before
    response = client.post(response.url, {"sha256": sha})
    assert response.status_code == 302
    with scope(coop=coop):
        prei = Product.objects.get(sku="VEG-PREI")
        assert prei.producer == a and prei.allergens_declared
        assert ProducerPrice.objects.get(product=prei).price == Decimal("2.20")
        assert list(ProducerPrice.objects.filter(product=shop["witloof"]).order_by("valid_from")
                    .values_list("price", flat=True)) == [Decimal("2.80"), Decimal("3.10")]
        milk = Product.objects.get(sku="DAI-MELK")
        assert milk.allergens_declared
        assert dict(milk.allergens.values_list("allergen", "status"))["nuts"] == "absent"
    # the stored file is gone once applied
    assert client.get(base(coop, a) + "import/preview/").status_code == 302


def test_a_bad_row_rolls_back_everything_with_a_row_level_error(client, shop):
    coop, a = shop["coop"], shop["a"]
    content = csv_bytes([
        ["VEG-PREI", "Prei", "groenten", "kg", "0.5", "1", "2.20", "yes", "", "", ""],  # row 2: fine
        ["VEG-WITLOOF", "Witloof", "groenten", "kg", "0.5", "0.5", "9.99", "yes", "", "", ""],  # row 3: fine
        ["VEG-KOOL", "Kool", "groenten", "kg", "0.5", "0.7", "1.50", "yes", "", "", ""],  # row 4: min vs step
        ["VEG-UI", "Ui", "groenten", "kg", "1", "1", "1.10", "yes", "gluten;shellfish", "", ""],  # row 5
        ["VEG-BIET", "Biet", "fruit", "kilo", "1", "1", "", "yes", "", "", "crate:1"],  # row 6
    ])
    before = snapshot(coop)
    result = run(shop, content, commit=True)
    assert not result.applied
    errors = {(e.row, e.column) for e in result.errors}
    assert (4, "min_quantity") in errors
    assert (5, "allergens_contains") in errors
    assert {(6, "category"), (6, "sell_unit"), (6, "deposits"), (6, "producer_price_excl_vat")} <= errors
    assert not {e.row for e in result.errors} & {2, 3}
    assert snapshot(coop) == before  # nothing half-imported

    client.force_login(a.membership.user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = upload(client, coop, a, content)
    page = client.get(response.url).content.decode()
    assert "shellfish" in page and "multiple of the order step" in page
    assert "Import now" not in page  # no confirmation offered
    sha = next(v for k, v in client.session.items() if k.startswith("catalog_import:"))["sha256"]
    assert client.post(response.url, {"sha256": sha}).status_code == 400
    assert snapshot(coop) == before


def test_a_producer_imports_only_into_their_own_products(client, shop):
    coop, a, b = shop["coop"], shop["a"], shop["b"]
    content = csv_bytes([["B-ONLY", "Van boer A nu", "groenten", "kg", "1", "1", "0.10", "yes", "", "", ""]])
    result = run(shop, content)
    assert [(e.row, e.column) for e in result.errors] == [(2, "sku")]
    assert "another producer" in result.errors[0].message or "andere producent" in result.errors[0].message
    with scope(coop=coop):
        assert Product.objects.get(sku="B-ONLY").name_nl == "Van boer B"
    client.force_login(a.membership.user)
    assert upload(client, coop, b, content).status_code == 404
    assert client.get(base(coop, b) + "export.csv").status_code == 404


def test_duplicate_rows_and_withdrawn_allergens_are_row_errors(shop):
    content = csv_bytes([
        ["VEG-WITLOOF", "Witloof", "groenten", "kg", "0.5", "0.5", "", "no", "", "", ""],
        ["VEG-WITLOOF", "Witloof", "groenten", "kg", "0.5", "0.5", "", "yes", "", "", ""],
        ["DAI-MELK", "Melk", "groenten", "bottle", "1", "1", "", "no", "", "", ""],
        ["VEG-NIEUW", "Nieuwe soort", "groenten", "piece", "1", "1", "", "no", "", "", ""],
    ])
    result = run(shop, content, commit=False)
    assert {(e.row, e.column) for e in result.errors} == {(2, "allergens_declared"), (3, "sku"),
                                                          (4, "allergens_declared"), (5, "allergens_contains")}


def test_file_level_problems_are_form_errors(client, shop):
    coop, a = shop["coop"], shop["a"]
    client.force_login(a.membership.user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = upload(client, coop, a, b"sku,name_nl,prijs\nX,Y,1\n")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Unknown column(s): prijs" in page and "Missing column(s): category, sell_unit" in page
    assert upload(client, coop, a, b"PK\x03\x04garbage", name="x.xlsx").status_code == 400
    assert upload(client, coop, a, b"sku", name="x.pdf").status_code == 400
    header_only = b"sku,name_nl,category,sell_unit,allergens_contains\n"
    assert "allergens_declared" in upload(client, coop, a, header_only).content.decode()


def test_xlsx_with_numbers_and_blank_rows_imports(shop):
    book = Workbook()
    sheet = book.active
    sheet.append([*HEADER, "weighed", "est_weight_kg", "active"])
    sheet.append(["VEG-RAAP", "Raap", "groenten", "piece", 1, 1, 1.2, True, None, None, None, "no", 0.25, "ja"])
    sheet.append([None] * 5)
    sheet.append(["VEG-POMPOEN", "Pompoen", "groenten", "piece", 1, 1, 2.1, "yes", "", "", "", "yes", 1.25, "nee"])
    buffer = io.BytesIO()
    book.save(buffer)
    result = run(shop, buffer.getvalue(), name="lijst.xlsx")
    assert result.applied, result.errors
    assert [(r.row, r.action) for r in result.rows] == [(2, "create"), (4, "update")]
    with scope(coop=shop["coop"]):
        raap = Product.objects.get(sku="VEG-RAAP")
        assert raap.est_weight_kg == Decimal("0.250") and raap.allergens_declared and raap.is_active
        assert ProducerPrice.objects.get(product=raap).price == Decimal("1.20")
        pumpkin = Product.objects.get(sku="VEG-POMPOEN")
        assert pumpkin.category == shop["veg"] and not pumpkin.is_active
        assert ProducerPrice.objects.filter(product=pumpkin).latest("valid_from").price == Decimal("2.10")
        assert set(raap.allergens.values_list("allergen", flat=True)) == set(ALLERGEN_CODES)
