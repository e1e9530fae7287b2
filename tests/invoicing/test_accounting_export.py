"""Accounting export (issue 11 item 8): sales and purchase journals per period with the VAT return grids, one row
per document per VAT rate, credit notes negative, and totals that equal the documents' totals."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django_scopes import scope

from invoicing.models import Invoice, Series
from invoicing.services import accounting_export as export
from invoicing.services.building import LineDraft, save_document
from invoicing.services.credit_notes import credit_note_for
from invoicing.services.drafts import invoice_draft_for_orders
from invoicing.services.issuing import invoice_issue
from invoicing.services.parties import seller_snapshot

from .conftest import delivered_order

Q2 = (date(2025, 4, 1), date(2025, 6, 30))


def _issue(draft, on):
    return invoice_issue(invoice_id=draft.pk, issue_date=on, dispatch=False)


@pytest.fixture
def sales(shop):
    """Q2 2025: a kitchen's invoice at 6 % and 21 % with a deposit, a consumer's invoice, a partial credit note on
    the kitchen's invoice; outside Q2: an invoice in July and a draft."""
    with scope(coop=shop.coop):
        kitchen = _issue(invoice_draft_for_orders(orders=[delivered_order(
            shop, [("wortelen", "12.5", {"unit_net": "1.85"}), ("melk", 10, {"unit_net": "1.10"}),
                   ("wijn", 3, {"unit_net": "7.95"})], business=True, po="PO-1")]), date(2025, 4, 30))
        consumer = _issue(invoice_draft_for_orders(orders=[delivered_order(
            shop, [("wortelen", "3.333", {"unit_net": "2.49"}), ("tas", 1, {"unit_net": "0.83"})])]),
            date(2025, 5, 2))
        wine = kitchen.lines.get(description__startswith="Wijn")
        credit = _issue(credit_note_for(invoice_id=kitchen.pk, lines=[{"line_id": wine.pk, "quantity": "1"}]),
                        date(2025, 6, 3))
        _issue(invoice_draft_for_orders(orders=[delivered_order(shop, [("tas", 2, {})], business=True)]),
               date(2025, 7, 1))
        invoice_draft_for_orders(orders=[delivered_order(shop, [("tas", 3, {})], business=True)])
    return {"kitchen": kitchen, "consumer": consumer, "credit": credit}


def _rows(text: str) -> list[dict]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))


def test_the_sales_journal_has_a_row_per_document_and_rate_with_the_vat_grids(shop, sales):
    with scope(coop=shop.coop):
        rows = _rows(export.journal_csv(journal=export.SALES, start=Q2[0], end=Q2[1]))
    total = rows.pop()
    kitchen, consumer, credit = sales["kitchen"], sales["consumer"], sales["credit"]
    assert [r["number"] for r in rows] == [kitchen.number] * 3 + [consumer.number] * 2 + [credit.number]
    by_doc = {(r["number"], r["vat_rate"], r["vat_category"]): r for r in rows}
    six = by_doc[(kitchen.number, "6.00", "S")]
    assert (six["base"], six["vat"], six["base_grid"], six["vat_grid"]) == ("34.13", "2.05", "01", "54")
    assert six["counterparty"] == "Woonzorgcentrum De Linde vzw" and six["counterparty_vat"] == "BE0765432146"
    deposit = by_doc[(kitchen.number, "0.00", "E")]
    assert (deposit["base"], deposit["base_grid"], deposit["vat_grid"]) == ("2.00", "", "")
    assert by_doc[(kitchen.number, "21.00", "S")]["base_grid"] == "03"
    # the credit note is negative, in grids 49 and 64, and names the invoice it corrects
    minus = by_doc[(credit.number, "21.00", "S")]
    assert (minus["base"], minus["vat"], minus["base_grid"], minus["vat_grid"]) == ("-7.95", "-1.67", "49", "64")
    assert minus["credited_number"] == kitchen.number and minus["document_type"] == "credit_note"
    # totals: the journal equals the invoices' totals minus the credit note's, to the cent
    expected_net = kitchen.total_net + consumer.total_net - credit.total_net
    expected_vat = kitchen.total_vat + consumer.total_vat - credit.total_vat
    assert sum(Decimal(r["base"]) for r in rows) == expected_net == Decimal(total["base"])
    assert sum(Decimal(r["vat"]) for r in rows) == expected_vat == Decimal(total["vat"])
    payable = sum(Decimal(r["total"]) for r in rows)
    assert payable == kitchen.total_gross + consumer.total_gross + consumer.rounding_amount - credit.total_gross
    assert total["journal"] == "TOTAL" and total["exemption_reason"] == "OK"


def test_grid_totals_are_what_the_vat_return_asks(shop, sales):
    kitchen, consumer, credit = sales["kitchen"], sales["consumer"], sales["credit"]
    with scope(coop=shop.coop):
        documents = export.journal_documents(journal=export.SALES, start=Q2[0], end=Q2[1])
        grids = export.grid_totals(documents)
        vat_due = sum((r.vat_amount for inv in (kitchen, consumer) for r in inv.vat_breakdown.all()), Decimal(0))
    assert grids["54"] == vat_due
    assert (grids["49"], grids["64"]) == (credit.total_net, credit.total_vat)  # entered as positive amounts
    assert set(grids) == {"01", "03", "49", "54", "64"}


def test_the_totals_check_notices_a_missing_document(shop, sales):
    with scope(coop=shop.coop):
        documents = export.journal_documents(journal=export.SALES, start=Q2[0], end=Q2[1])
        assert export.journal_check(journal=export.SALES, start=Q2[0], end=Q2[1], documents=documents).ok
        check = export.journal_check(journal=export.SALES, start=Q2[0], end=Q2[1], documents=documents[1:])
    assert not check.ok


def _purchase(shop, kind, series, lines, on, credited=None):
    producer = shop.offers["wortelen"].product.producer
    fields = {"coop": shop.coop, "kind": kind, "series": series, "producer": producer, "credited_invoice": credited,
              "seller": {"name": producer.farm_name, "vat_number": "BE0123456749"},
              "buyer": seller_snapshot(shop.coop), "prices_include_vat": False}
    return _issue(save_document(fields=fields, lines=[
        LineDraft(kind="goods", description=d, quantity=Decimal(q), unit="kg", unit_price=Decimal(p),
                  line_net=(Decimal(q) * Decimal(p)).quantize(Decimal("0.01")), vat_percent=Decimal(v))
        for d, q, p, v in lines]), on)


def test_the_purchase_journal_has_self_billing_invoices_purchase_slips_and_their_credit_notes(shop, sales):
    with scope(coop=shop.coop):
        producer = shop.offers["wortelen"].product.producer
        own = Series.self_billing(producer.pk)
        invoice = _purchase(shop, Invoice.Kind.SELF_BILLING, own, [("Wortelen", "40", "1.20", "6")],
                            date(2025, 5, 31))
        slip = _purchase(shop, Invoice.Kind.PURCHASE_SLIP, Series.PURCHASE_SLIP, [("Appels", "100", "0.90", "6")],
                         date(2025, 5, 31))
        credit = _purchase(shop, Invoice.Kind.CREDIT_NOTE, own, [("Wortelen", "5", "1.20", "6")], date(2025, 6, 5),
                           credited=invoice)
        rows = _rows(export.journal_csv(journal=export.PURCHASES, start=Q2[0], end=Q2[1]))
        sales_rows = _rows(export.journal_csv(journal=export.SALES, start=Q2[0], end=Q2[1]))
    total = rows.pop()
    assert {r["number"] for r in rows} == {invoice.number, slip.number, credit.number}
    assert not {invoice.number, slip.number, credit.number} & {r["number"] for r in sales_rows}
    by_number = {r["number"]: r for r in rows}
    assert (by_number[invoice.number]["base"], by_number[invoice.number]["vat"]) == ("48.00", "2.88")
    assert (by_number[invoice.number]["base_grid"], by_number[invoice.number]["vat_grid"]) == ("81", "59")
    # the purchase slip's "VAT" is the flat-rate compensation, deductible in grid 59
    assert (by_number[slip.number]["vat_type"], by_number[slip.number]["vat"]) == ("compensation", "5.40")
    assert by_number[slip.number]["counterparty"] == producer.farm_name
    minus = by_number[credit.number]
    assert (minus["base"], minus["vat"], minus["base_grid"], minus["vat_grid"]) == ("-6.00", "-0.36", "85", "63")
    assert Decimal(total["base"]) == invoice.total_net + slip.total_net - credit.total_net
    assert Decimal(total["vat"]) == invoice.total_vat + slip.total_vat - credit.total_vat
    assert total["exemption_reason"] == "OK"


@pytest.mark.parametrize(("text", "expected"), [
    ("2025-06", (date(2025, 6, 1), date(2025, 6, 30))),
    ("2024-02", (date(2024, 2, 1), date(2024, 2, 29))),
    ("2025-Q4", (date(2025, 10, 1), date(2025, 12, 31))),
    ("2025-q1", (date(2025, 1, 1), date(2025, 3, 31))),
])
def test_periods_are_months_or_quarters(text, expected):
    assert export.parse_period(text) == expected


@pytest.mark.parametrize("params", [{"period": "2025-13"}, {"period": "Q1"}, {"start": "2025-06-01"},
                                    {"start": "2025-06-10", "end": "2025-06-01"},
                                    {"start": "2024-01-01", "end": "2025-06-01"}])
def test_bad_periods_are_refused(params):
    with pytest.raises(export.PeriodError):
        export.period_from(params, today=date(2025, 7, 1))


def test_without_a_period_it_is_last_month():
    assert export.period_from({}, today=date(2026, 1, 15)) == (date(2025, 12, 1), date(2025, 12, 31))


def test_journal_pages_and_api_for_managers_only(client, shop, world_a, sales):
    client.force_login(world_a.admin)
    page = client.get(f"/{shop.coop.slug}/economics/accounting/?period=2025-Q2")
    assert page.status_code == 200 and "Controle van de totalen" in page.content.decode()
    download = client.get(f"/{shop.coop.slug}/economics/accounting/sales.csv?period=2025-Q2")
    assert download.status_code == 200 and download["Content-Type"].startswith("text/csv")
    assert sales["kitchen"].number in download.content.decode("utf-8-sig")
    assert client.get(f"/{shop.coop.slug}/economics/accounting/sales.csv?period=2025-Q9").status_code == 400
    api = client.get(f"/api/v1/{shop.coop.slug}/accounting/?period=2025-Q2").json()
    assert [(j["journal"], j["ok"]) for j in api] == [("sales", True), ("purchases", True)]
    assert api[0]["grids"]["49"] == str(sales["credit"].total_net)
    csv_api = client.get(f"/api/v1/{shop.coop.slug}/accounting/purchases.csv?start=2025-04-01&end=2025-06-30")
    assert csv_api.status_code == 200 and csv_api.content.decode("utf-8-sig").startswith("journal;document_type")
    assert client.get(f"/api/v1/{shop.coop.slug}/accounting/sales.csv?period=junk").status_code == 400
    client.force_login(sales["kitchen"].customer.user)  # the kitchen's buyer: not a manager
    assert client.get(f"/{shop.coop.slug}/economics/accounting/sales.csv?period=2025-Q2").status_code == 404
    assert client.get(f"/api/v1/{shop.coop.slug}/accounting/sales.csv?period=2025-Q2").status_code == 403


@pytest.mark.django_db
def test_producer_settlements_are_in_the_purchase_journal_by_their_document():
    """A self-billing invoice, a purchase slip and two statements (exempt small business; no self-billing
    agreement, so the producer invoices us): all four in the journal, adding up to the settlements."""
    from invoicing.settlements.issuing import settlements_issue_period
    from invoicing.settlements.policy import month_period
    from members.models import Producer

    from .settlement_world import deliver, make_farm

    normal = make_farm()
    flat = make_farm(normal.coop, vat_status=Producer.VatStatus.FLAT_RATE)
    exempt = make_farm(normal.coop, vat_status=Producer.VatStatus.SMALL_BUSINESS)
    no_deal = make_farm(normal.coop, agreed_on=None)
    for farm in (normal, flat, exempt, no_deal):
        deliver(farm, [("wortelen", "4", {"price": "1.85"}), ("cider", "2", {"price": "3.10"})], on=date(2026, 10, 9))
    with scope(coop=normal.coop):
        issued, errors = settlements_issue_period(period=month_period(2026, 10), issue_date=date(2026, 11, 3))
        assert not errors and len(issued) == 4
        rows = _rows(export.journal_csv(journal=export.PURCHASES, start=date(2026, 11, 1), end=date(2026, 11, 30)))
    total = rows.pop()
    by_producer = {s.producer_id: s for s in issued}
    numbers = {r["number"] for r in rows}
    assert numbers == {by_producer[f.producer.pk].legal_number for f in (normal, flat, exempt, no_deal)}
    kinds = {r["number"]: r["document_type"] for r in rows}
    assert kinds[by_producer[normal.producer.pk].legal_number] == "self_billing"
    assert kinds[by_producer[flat.producer.pk].legal_number] == "purchase_slip"
    assert kinds[by_producer[exempt.producer.pk].number] == "statement"
    exempt_rows = [r for r in rows if r["number"] == by_producer[exempt.producer.pk].number]
    assert {(r["base_grid"], r["vat_grid"], r["vat"]) for r in exempt_rows} == {("81", "", "0.00")}
    assert all(r["base_grid"] == "81" for r in rows)
    assert Decimal(total["base"]) == sum((s.net for s in issued), Decimal(0))
    assert Decimal(total["vat"]) == sum((s.vat + s.compensation for s in issued), Decimal(0))
    assert total["exemption_reason"] == "OK"
