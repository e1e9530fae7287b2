"""The PDF: every mention the law asks for, in the customer's language, the OGM and a scan-to-pay QR code."""

from decimal import Decimal
from io import BytesIO

import pytest
from django_scopes import scope
from pypdf import PdfReader

from coop.payments import epc_qr_payload, ogm_display
from invoicing import tasks
from invoicing.models import InvoiceDocument
from invoicing.services.credit_notes import credit_note_for
from invoicing.services.documents import invoice_render_pdf
from invoicing.services.drafts import invoice_draft_for_orders
from invoicing.services.issuing import invoice_issue
from invoicing.templatetags.invoicing import enterprise_number

from .conftest import delivered_order


def _issue(shop, order, **kwargs):
    with scope(coop=shop.coop):
        return invoice_issue(invoice_id=invoice_draft_for_orders(orders=[order], **kwargs).pk, dispatch=False)


def _pdf(invoice) -> bytes:
    with scope(coop=invoice.coop):
        return invoice_render_pdf(invoice_id=invoice.pk).file.read()


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)


def _decode_qr(pdf: bytes) -> list[str]:
    pdfium = pytest.importorskip("pypdfium2")
    zxingcpp = pytest.importorskip("zxingcpp")
    page = pdfium.PdfDocument(pdf)[0]
    return [r.text for r in zxingcpp.read_barcodes(page.render(scale=3).to_pil())]


@pytest.fixture
def business_invoice(shop):
    order = delivered_order(shop, [("wortelen", 10, {"unit_net": "1.85"}), ("wijn", 2, {"unit_net": "8.50"}),
                                   ("melk", 6, {"unit_net": "1.29"})], business=True, po="PO-77")
    return _issue(shop, order)


def test_the_pdf_has_the_number_the_ogm_and_the_legal_mentions_in_dutch(business_invoice):
    text = _text(_pdf(business_invoice))
    seller, buyer = business_invoice.seller, business_invoice.buyer
    for expected in [
        "Factuur", business_invoice.number, ogm_display(business_invoice.payment_reference),
        "Factuurdatum", business_invoice.issue_date.strftime("%d/%m/%Y"), "Leveringsdatum", "Vervaldatum",
        seller["name"], seller["vat_number"], enterprise_number(seller["enterprise_number"]), seller["iban"],
        buyer["name"], buyer["vat_number"], "PO-77",
        "Eenheidsprijs excl. btw", "Maatstaf van heffing 6 %", "Btw 21 %", "Te betalen",
        "Statiegeld", "art. 28",  # the deposit line and why it carries no VAT
        f"€ {business_invoice.payable_amount}".replace(".", ","), "6 liter € 1,29",
    ]:
        assert expected in text, expected


def test_the_qr_code_decodes_to_an_epc_payment_of_the_amount_due(business_invoice):
    seller = business_invoice.seller
    expected = epc_qr_payload(name=seller["name"], iban=seller["iban"], amount=business_invoice.payable_amount,
                              ogm=business_invoice.payment_reference, bic=seller.get("bic", ""))
    [payload] = _decode_qr(_pdf(business_invoice))
    assert payload.rstrip("\n") == expected.rstrip("\n")
    rows = payload.split("\n")
    assert rows[:4] == ["BCD", "002", rows[2], "SCT"] and rows[6] == seller["iban"]
    assert Decimal(rows[7].removeprefix("EUR")) == business_invoice.payable_amount
    assert rows[9] == business_invoice.payment_reference  # the OGM as structured reference


def test_a_french_customer_gets_a_french_pdf(shop):
    order = delivered_order(shop, [("wortelen", 1, {})])
    with scope(coop=shop.coop):
        type(order).objects.filter(pk=order.pk).update(language="fr")
    text = _text(_pdf(_issue(shop, order)))
    assert "Facture" in text and "Numéro de TVA" in text and "Montant à payer" in text


def test_a_paid_consumer_order_shows_nothing_to_pay_and_no_qr_code(shop):
    # 3 kg at 2.10 excl. VAT = 2.23 incl. 6 % in the shop: the customer paid 6.69
    order = delivered_order(shop, [("wortelen", 3, {"unit_net": "2.10"})], paid=Decimal("6.69"))
    invoice = _issue(shop, order)
    assert (invoice.total_gross + invoice.rounding_amount, invoice.payable_amount) == (Decimal("6.69"), 0)
    assert invoice.payment_reference == order.payment_reference  # one order: the OGM the customer paid with
    pdf = _pdf(invoice)
    assert "Reeds betaald" in _text(pdf)
    assert _decode_qr(pdf) == []


def test_a_credit_note_pdf_references_the_invoice(business_invoice):
    with scope(coop=business_invoice.coop):
        credit = invoice_issue(invoice_id=credit_note_for(invoice_id=business_invoice.pk).pk, dispatch=False)
    text = _text(_pdf(credit))
    assert "Creditnota" in text and credit.number in text and business_invoice.number in text
    assert "terug te storten aan de Staat" in text


def test_the_documents_task_renders_once_and_keeps_the_pdf(business_invoice):
    first = tasks.invoice_render_pdf.apply(args=(business_invoice.coop_id, business_invoice.pk)).get()
    again = tasks.invoice_render_pdf.apply(args=(business_invoice.coop_id, business_invoice.pk)).get()
    assert first == again
    with scope(coop=business_invoice.coop):
        document = InvoiceDocument.objects.get(invoice=business_invoice)
        assert document.file.read().startswith(b"%PDF")
    assert tasks.invoice_render_pdf.name.startswith("documents.")
