"""The PDF of an invoice (WeasyPrint, templates/invoicing/pdf/invoice.html) in the invoice's language.

An issued invoice's PDF is rendered once (usually by the `documents` Celery queue right after issuing) and
stored as an InvoiceDocument; rendering again returns the stored one. Drafts are rendered on the fly as a
preview marked DRAFT and never stored.
"""

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from coop.payments import epc_qr_svg, ogm_display
from invoicing.models import Invoice, InvoiceDocument

from .building import UNIT_LABELS


def _title(invoice: Invoice) -> str:
    return {
        Invoice.Kind.INVOICE: _("Invoice"),
        Invoice.Kind.CREDIT_NOTE: _("Credit note"),
        Invoice.Kind.SELF_BILLING: _("Self-billing invoice"),
        Invoice.Kind.PURCHASE_SLIP: _("Purchase slip"),
    }[invoice.kind]


def _qr(invoice: Invoice) -> str:
    seller = invoice.seller
    if (invoice.is_credit_note or not invoice.is_issued or invoice.payable_amount <= 0
            or not seller.get("iban") or not invoice.payment_reference):
        return ""
    return epc_qr_svg(name=seller["name"], iban=seller["iban"], amount=invoice.payable_amount,
                      ogm=invoice.payment_reference, bic=seller.get("bic", ""))


def invoice_pdf_context(invoice: Invoice) -> dict:
    """Everything the template shows; call inside translation.override(invoice.language)."""
    lines = list(invoice.lines.all())
    for line in lines:
        line.unit_label = str(UNIT_LABELS.get(line.unit, line.unit))
    return {
        "invoice": invoice,
        "title": _title(invoice),
        "lines": lines,
        "breakdown": list(invoice.vat_breakdown.all()),
        "credited": invoice.credited_invoice if invoice.is_credit_note else None,
        "ogm": ogm_display(invoice.payment_reference) if invoice.payment_reference else "",
        "qr_svg": _qr(invoice),
    }


def invoice_pdf_bytes(invoice: Invoice) -> bytes:
    from weasyprint import HTML  # imported here: loading Pango costs time that pages without PDFs need not pay

    with translation.override(invoice.language):
        html = render_to_string("invoicing/pdf/invoice.html", invoice_pdf_context(invoice))
    return HTML(string=html).write_pdf()


def invoice_render_pdf(*, invoice_id: int) -> InvoiceDocument:
    """Render and store the PDF of an issued invoice once; later calls return the stored document."""
    invoice = Invoice.objects.select_related("credited_invoice").get(pk=invoice_id)
    if not invoice.is_issued:
        raise ValueError("only issued invoices have a stored PDF; drafts are previewed with invoice_pdf_bytes")
    existing = InvoiceDocument.objects.filter(invoice=invoice, kind=InvoiceDocument.Kind.PDF).first()
    if existing is not None:
        return existing
    document = InvoiceDocument(coop=invoice.coop, invoice=invoice, kind=InvoiceDocument.Kind.PDF)
    document.file.save(f"{invoice.number}.pdf", ContentFile(invoice_pdf_bytes(invoice)), save=False)
    try:
        with transaction.atomic():
            document.save()
    except IntegrityError:  # another worker stored it first: keep theirs
        document.file.delete(save=False)
        return InvoiceDocument.objects.get(invoice=invoice, kind=InvoiceDocument.Kind.PDF)
    return document
