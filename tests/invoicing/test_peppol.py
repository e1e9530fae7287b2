"""Every UBL variant the platform produces passes ../shared/peppol/check.py; a broken one fails it."""

from decimal import Decimal

import pytest
from django_scopes import scope
from lxml import etree

from invoicing.peppol.ubl import NotPeppolReady, invoice_ubl
from invoicing.services.credit_notes import credit_note_for
from invoicing.services.drafts import DepositReturn, invoice_draft_for_orders
from invoicing.services.issuing import invoice_issue

from .conftest import delivered_order, fatal, peppol_validate

NS = {"cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
      "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"}


def business_invoice(shop, *, po="PO-2026-17", returned=()):
    first = delivered_order(shop, [("wortelen", 10, {"unit_net": "1.85"}), ("melk", 12, {"unit_net": "1.29"}),
                                   ("bloemkool", 3, {"unit_net": "2.40", "weighed": Decimal("3.415")})],
                            business=True, po=po)
    second = delivered_order(shop, [("wijn", 2, {"unit_net": "8.50"}), ("tas", 3, {"unit_net": "0.99",
                                                                                    "short": 1})],
                             business=True, po=po)
    with scope(coop=shop.coop):
        draft = invoice_draft_for_orders(orders=[first, second], returned_deposits=returned)
        return invoice_issue(invoice_id=draft.pk, dispatch=False)


def xml_of(invoice):
    with scope(coop=invoice.coop):
        return invoice_ubl(invoice)


def test_business_invoice_with_6_and_21_percent_and_deposits_is_peppol_valid(shop):
    validate = peppol_validate()
    invoice = business_invoice(shop, returned=[DepositReturn("Fles", Decimal("4"), Decimal("0.20"))])
    xml = xml_of(invoice)
    assert fatal(validate(xml)) == []
    doc = etree.fromstring(xml)
    rates = {(s.findtext("cac:TaxCategory/cbc:ID", namespaces=NS), s.findtext("cac:TaxCategory/cbc:Percent",
                                                                              namespaces=NS))
             for s in doc.iterfind("cac:TaxTotal/cac:TaxSubtotal", NS)}
    assert rates == {("S", "6"), ("S", "21"), ("E", "0")}
    assert doc.findtext("cac:PaymentMeans/cbc:PaymentMeansCode", namespaces=NS) == "30"
    assert doc.findtext("cac:PaymentMeans/cbc:PaymentID", namespaces=NS).startswith("+++")
    assert doc.find("cac:AccountingCustomerParty/cac:Party/cbc:EndpointID", NS).attrib["schemeID"] == "0208"
    assert doc.findtext("cac:AccountingCustomerParty/cac:Party/cbc:EndpointID", namespaces=NS) == "0765432146"
    assert doc.findtext("cac:OrderReference/cbc:ID", namespaces=NS) == "PO-2026-17"
    # 6 %: 18.50 + 15.48 + 8.20 (3.415 kg x 2.40) = 42.18 -> VAT 2.53; 21 %: 17.00 + 1.98 = 18.98 -> 3.99
    assert doc.findtext("cac:TaxTotal/cbc:TaxAmount", namespaces=NS) == "6.52"
    # deposits: 12 bottles x 0.20 = 2.40, minus 4 returned = 1.60
    assert doc.findtext("cac:LegalMonetaryTotal/cbc:LineExtensionAmount", namespaces=NS) == "62.76"
    assert doc.findtext("cac:LegalMonetaryTotal/cbc:PayableAmount", namespaces=NS) == "69.28"


def test_credit_note_is_peppol_valid_and_references_the_invoice(shop):
    validate = peppol_validate()
    invoice = business_invoice(shop)
    with scope(coop=shop.coop):
        line = invoice.lines.get(description="Wortelen")
        partial = invoice_issue(invoice_id=credit_note_for(invoice_id=invoice.pk, lines=[
            {"line_id": line.pk, "quantity": "2.5"}]).pk, dispatch=False)
        rest = invoice_issue(invoice_id=credit_note_for(invoice_id=invoice.pk).pk, dispatch=False)
    for credit in (partial, rest):
        xml = xml_of(credit)
        assert fatal(validate(xml)) == []
        doc = etree.fromstring(xml)
        assert doc.tag.endswith("}CreditNote")
        assert doc.findtext("cbc:CreditNoteTypeCode", namespaces=NS) == "381"
        assert doc.findtext("cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID",
                            namespaces=NS) == invoice.number
    assert partial.total_net == Decimal("4.63")  # 2.5 kg x 1.85


def test_invoice_to_a_buyer_without_purchase_order_reference_is_peppol_valid(shop):
    validate = peppol_validate()
    invoice = business_invoice(shop, po="")
    xml = xml_of(invoice)
    assert fatal(validate(xml)) == []
    doc = etree.fromstring(xml)
    assert doc.find("cac:OrderReference", NS) is None
    assert doc.findtext("cbc:BuyerReference", namespaces=NS) == shop.account.key


def test_a_broken_invoice_fails_the_check(shop):
    """The check cannot pass silently: a wrong total is reported as fatal."""
    validate = peppol_validate()
    doc = etree.fromstring(xml_of(business_invoice(shop)))
    payable = doc.find("cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount", NS)
    payable.text = f"{Decimal(payable.text) + Decimal('1.00'):.2f}"
    ids = {f.id for f in validate(etree.tostring(doc)) if f.flag == "fatal"}
    assert "BR-CO-15" in ids


def test_consumer_invoices_are_not_peppol_documents(shop):
    order = delivered_order(shop, [("wortelen", 1, {})])
    with scope(coop=shop.coop):
        invoice = invoice_issue(invoice_id=invoice_draft_for_orders(orders=[order]).pk, dispatch=False)
        with pytest.raises(NotPeppolReady):
            invoice_ubl(invoice)


def test_check_py_on_the_command_line_accepts_our_invoice(shop, tmp_path):
    """The same validator as a program (exit code 0), as a CI step or an accountant would run it."""
    import subprocess
    import sys

    from .conftest import PEPPOL_DIR

    peppol_validate()  # skips when the validator is not there
    path = tmp_path / "invoice.xml"
    path.write_bytes(xml_of(business_invoice(shop)))
    result = subprocess.run([sys.executable, str(PEPPOL_DIR / "check.py"), str(path)], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PASS" in result.stdout
