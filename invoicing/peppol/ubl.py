"""Peppol BIS Billing 3.0 (UBL 2.1) for issued invoices and credit notes (shared/domain/invoicing.md section 6).

Everything comes from the issued snapshot, never from live rows, so the XML of an invoice never changes.
Element order follows the UBL 2.1 XSD; empty optional elements are left out (PEPPOL-EN16931-R008).
Choices:
- endpoints: scheme 0208 + enterprise number for seller and buyer (or the buyer's own Peppol id);
- BT-10 buyer reference / BT-13 order reference as drafted (invoicing.services.drafts._references), so
  PEPPOL-EN16931-R003 always holds;
- payment means 30 (credit transfer), the OGM as PaymentID (+++ddd/dddd/ddddd+++), the coop's IBAN;
- VAT: category S with 6/12/21 %, deposits category E at 0 % with the reason as text (BR-E-10);
- credit notes: CreditNote 381 with a BillingReference to the invoice, positive amounts.
"""

from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext as _
from lxml import etree

from coop.numbers import plain
from coop.payments import ogm_display
from invoicing.models import Invoice

CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
NS_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
PAYMENT_MEANS_CREDIT_TRANSFER = "30"


class NotPeppolReady(ValueError):
    """The document cannot be a Peppol message (a draft, a consumer, no Peppol id)."""


def amount(value: Decimal) -> str:
    return f"{Decimal(value):.2f}"


def number(value: Decimal) -> str:
    """A quantity, price or rate without exponent or trailing zeros: 10, 1.234, 0.5 (a dot in every language)."""
    return plain(value)


def split_participant(peppol_id: str) -> tuple[str, str]:
    scheme, _sep, identifier = (peppol_id or "").partition(":")
    if not scheme or not identifier:
        raise NotPeppolReady(f"not a Peppol participant id: {peppol_id!r}")
    return scheme, identifier


class _Builder:
    def __init__(self, invoice: Invoice):
        self.invoice = invoice
        self.credit = invoice.is_credit_note
        self.ns = NS_CREDIT_NOTE if self.credit else NS_INVOICE
        tag = "CreditNote" if self.credit else "Invoice"
        self.root = etree.Element(f"{{{self.ns}}}{tag}", nsmap={None: self.ns, "cac": CAC, "cbc": CBC})

    def cbc(self, parent, name: str, text=None, **attrs):
        element = etree.SubElement(parent, f"{{{CBC}}}{name}", {k: v for k, v in attrs.items() if v})
        if text is not None:
            element.text = str(text)
        return element

    def cac(self, parent, name: str):
        return etree.SubElement(parent, f"{{{CAC}}}{name}")

    def money(self, parent, name: str, value):
        return self.cbc(parent, name, amount(value), currencyID=self.invoice.currency)

    def build(self) -> bytes:
        inv, root = self.invoice, self.root
        self.cbc(root, "CustomizationID", CUSTOMIZATION_ID)
        self.cbc(root, "ProfileID", PROFILE_ID)
        self.cbc(root, "ID", inv.number)
        self.cbc(root, "IssueDate", inv.issue_date.isoformat())
        if not self.credit and inv.due_date and inv.payable_amount > 0:
            self.cbc(root, "DueDate", inv.due_date.isoformat())
        self.cbc(root, "CreditNoteTypeCode" if self.credit else "InvoiceTypeCode", "381" if self.credit else "380")
        if inv.note:
            self.cbc(root, "Note", inv.note)
        self.cbc(root, "DocumentCurrencyCode", inv.currency)
        if inv.buyer_reference:
            self.cbc(root, "BuyerReference", inv.buyer_reference)
        if inv.supply_from and inv.supply_until and inv.supply_from != inv.supply_until:
            period = self.cac(root, "InvoicePeriod")
            self.cbc(period, "StartDate", inv.supply_from.isoformat())
            self.cbc(period, "EndDate", inv.supply_until.isoformat())
        if inv.order_reference:
            self.cbc(self.cac(root, "OrderReference"), "ID", inv.order_reference)
        if self.credit:
            credited = inv.credited_invoice
            reference = self.cac(self.cac(root, "BillingReference"), "InvoiceDocumentReference")
            self.cbc(reference, "ID", credited.number)
            self.cbc(reference, "IssueDate", credited.issue_date.isoformat())
        self.party(self.cac(root, "AccountingSupplierParty"), inv.seller, seller=True)
        self.party(self.cac(root, "AccountingCustomerParty"), inv.buyer, seller=False)
        if inv.supply_from and inv.supply_from == inv.supply_until:
            self.cbc(self.cac(root, "Delivery"), "ActualDeliveryDate", inv.supply_from.isoformat())
        self.payment(root)
        self.taxes(root)
        self.totals(root)
        for line in inv.lines.all():
            self.line(root, line)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)

    def party(self, parent, data: dict, *, seller: bool):
        party = self.cac(parent, "Party")
        scheme, identifier = split_participant(data.get("peppol_id", ""))
        self.cbc(party, "EndpointID", identifier, schemeID=scheme)
        if data.get("trading_name") and data.get("trading_name") != data.get("name"):
            self.cbc(self.cac(party, "PartyName"), "Name", data["trading_name"])
        address = self.cac(party, "PostalAddress")
        for key, name in (("street", "StreetName"), ("city", "CityName"), ("postcode", "PostalZone")):
            if data.get(key):
                self.cbc(address, name, data[key])
        self.cbc(self.cac(address, "Country"), "IdentificationCode", data.get("country") or "BE")
        if data.get("vat_number"):
            tax = self.cac(party, "PartyTaxScheme")
            self.cbc(tax, "CompanyID", data["vat_number"])
            self.cbc(self.cac(tax, "TaxScheme"), "ID", "VAT")
        legal = self.cac(party, "PartyLegalEntity")
        self.cbc(legal, "RegistrationName", data["name"])
        if data.get("enterprise_number"):
            self.cbc(legal, "CompanyID", data["enterprise_number"], schemeID="0208")
        if data.get("email") and seller:
            self.cbc(self.cac(party, "Contact"), "ElectronicMail", data["email"])

    def payment(self, root):
        inv = self.invoice
        if not self.credit and inv.seller.get("iban") and inv.payable_amount > 0:
            means = self.cac(root, "PaymentMeans")
            self.cbc(means, "PaymentMeansCode", PAYMENT_MEANS_CREDIT_TRANSFER)
            if inv.payment_reference:
                self.cbc(means, "PaymentID", ogm_display(inv.payment_reference))
            account = self.cac(means, "PayeeFinancialAccount")
            self.cbc(account, "ID", inv.seller["iban"])
            self.cbc(account, "Name", inv.seller["name"])
            if inv.seller.get("bic"):
                self.cbc(self.cac(account, "FinancialInstitutionBranch"), "ID", inv.seller["bic"])
        with translation.override(inv.language):
            if self.credit:
                terms = _("Credit note for invoice %(number)s") % {"number": inv.credited_invoice.number}
            elif inv.payable_amount > 0:
                terms = _("Payment within %(days)s days, by %(date)s") % {
                    "days": inv.payment_terms_days, "date": inv.due_date.isoformat()}
            else:
                terms = _("Paid")
        self.cbc(self.cac(root, "PaymentTerms"), "Note", terms)

    def tax_category(self, parent, name: str, category: str, percent, reason: str = ""):
        element = self.cac(parent, name)
        self.cbc(element, "ID", category)
        self.cbc(element, "Percent", number(percent))
        if reason and category not in ("S", "Z"):
            self.cbc(element, "TaxExemptionReason", reason)
        self.cbc(self.cac(element, "TaxScheme"), "ID", "VAT")

    def taxes(self, root):
        inv = self.invoice
        total = self.cac(root, "TaxTotal")
        self.money(total, "TaxAmount", inv.total_vat)
        for row in inv.vat_breakdown.all():
            sub = self.cac(total, "TaxSubtotal")
            self.money(sub, "TaxableAmount", row.taxable_amount)
            self.money(sub, "TaxAmount", row.vat_amount)
            self.tax_category(sub, "TaxCategory", row.category, row.percent, row.exemption_reason)

    def totals(self, root):
        inv = self.invoice
        total = self.cac(root, "LegalMonetaryTotal")
        self.money(total, "LineExtensionAmount", inv.total_net)
        self.money(total, "TaxExclusiveAmount", inv.total_net)
        self.money(total, "TaxInclusiveAmount", inv.total_gross)
        if inv.prepaid_amount:
            self.money(total, "PrepaidAmount", inv.prepaid_amount)
        if inv.rounding_amount:
            self.money(total, "PayableRoundingAmount", inv.rounding_amount)
        self.money(total, "PayableAmount", inv.payable_amount)

    def line(self, root, line):
        element = self.cac(root, "CreditNoteLine" if self.credit else "InvoiceLine")
        self.cbc(element, "ID", line.position)
        if line.line_note:
            self.cbc(element, "Note", line.line_note)
        self.cbc(element, "CreditedQuantity" if self.credit else "InvoicedQuantity", number(line.quantity),
                 unitCode=line.unit_code)
        self.money(element, "LineExtensionAmount", line.line_net)
        item = self.cac(element, "Item")
        self.cbc(item, "Name", line.description)
        if line.item_code:
            self.cbc(self.cac(item, "SellersItemIdentification"), "ID", line.item_code)
        self.tax_category(item, "ClassifiedTaxCategory", line.vat_category, line.vat_percent)
        price = self.cac(element, "Price")
        self.cbc(price, "PriceAmount", number(line.unit_price), currencyID=self.invoice.currency)


def peppol_ready(invoice: Invoice) -> bool:
    return (invoice.is_issued and invoice.kind in (Invoice.Kind.INVOICE, Invoice.Kind.CREDIT_NOTE)
            and bool(invoice.buyer.get("peppol_id")) and bool(invoice.seller.get("peppol_id")))


def invoice_ubl(invoice: Invoice) -> bytes:
    """The UBL 2.1 XML of an issued business invoice or credit note, as bytes."""
    if not peppol_ready(invoice):
        raise NotPeppolReady(f"{invoice} is not an issued document for a buyer on Peppol")
    return _Builder(invoice).build()
