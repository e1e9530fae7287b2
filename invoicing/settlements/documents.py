"""A settlement's PDF (WeasyPrint, in the producer's language) and its e-mail to the producer, each done once.

The PDF is rendered by the `documents` queue after issuing and stored as a SettlementDocument; rendering again
returns the stored one. The e-mail is sent after the PDF exists; `emailed_at` is set in the transaction that
holds the document's row lock, so a retried or repeated task sends nothing (a crash between the mail server's
answer and the commit can still send twice; the mail is never lost).
"""

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from invoicing.services.building import UNIT_LABELS

from . import mentions
from .models import Settlement, SettlementDocument


def title(settlement: Settlement) -> str:
    if settlement.invoice_id and settlement.invoice.is_credit_note:
        return _("Credit note on self-billing invoice") if settlement.document == Settlement.Document.SELF_BILLING \
            else _("Credit note on purchase slip")
    return {
        Settlement.Document.SELF_BILLING: _("Self-billing invoice"),
        Settlement.Document.PURCHASE_SLIP: _("Purchase slip"),
        Settlement.Document.STATEMENT: _("Settlement statement"),
    }[settlement.document]


def legal_mentions(settlement: Settlement) -> list[str]:
    language = settlement.language
    if settlement.document == Settlement.Document.SELF_BILLING:
        return mentions.self_billing(language, agreed=settlement.self_billing_agreed_on,
                                     until=settlement.contest_until)
    if settlement.document == Settlement.Document.PURCHASE_SLIP:
        percents = sorted({line.compensation_percent for line in settlement.lines.all() if line.compensation_percent})
        return mentions.purchase_slip(language, percents)
    if settlement.statement_reason == Settlement.Reason.SMALL_BUSINESS:
        return mentions.small_business(language, total=settlement.total)
    return mentions.no_agreement(language, total=settlement.total, number=settlement.number)


def rate_rows(settlement: Settlement) -> list[dict]:
    """VAT (or compensation) per rate as stored on the lines: base and amount rounded once per rate."""
    from coop import money

    rows: dict = {}
    for line in settlement.lines.all():
        if line.compensation_percent:
            key = ("compensation", line.compensation_percent)
        elif line.vat_percent:
            key = ("vat", line.vat_percent)
        else:
            continue
        rows[key] = rows.get(key, money.ZERO) + line.line_net
    result = []
    for (kind, percent), base in sorted(rows.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        amount = money.compensation_of(base, percent) if kind == "compensation" else money.vat_of(base, percent)
        label = mentions.compensation_label(settlement.language, percent) if kind == "compensation" else None
        result.append({"kind": kind, "percent": percent, "base": base, "amount": amount, "label": label})
    return result


def pdf_context(settlement: Settlement) -> dict:
    lines = list(settlement.lines.all())
    for line in lines:
        line.unit_label = str(UNIT_LABELS.get(line.unit, line.unit))
    return {
        "settlement": settlement, "title": title(settlement), "lines": lines, "rates": rate_rows(settlement),
        "mentions": legal_mentions(settlement), "invoice": settlement.invoice,
        "p": settlement.producer_snapshot, "c": settlement.coop_snapshot,
    }


def settlement_pdf_bytes(settlement: Settlement) -> bytes:
    from weasyprint import HTML  # loading Pango costs time pages without PDFs need not pay

    with translation.override(settlement.language):
        html = render_to_string("invoicing/settlements/pdf/settlement.html", pdf_context(settlement))
    return HTML(string=html).write_pdf()


def settlement_render_pdf(*, settlement_id: int) -> SettlementDocument:
    existing = SettlementDocument.objects.filter(settlement_id=settlement_id).first()
    if existing is not None:
        return existing
    settlement = Settlement.objects.select_related("invoice", "corrects").get(pk=settlement_id)
    document = SettlementDocument(coop=settlement.coop, settlement=settlement)
    document.file.save(f"{settlement.legal_number}.pdf", ContentFile(settlement_pdf_bytes(settlement)), save=False)
    try:
        with transaction.atomic():
            document.save()
    except IntegrityError:  # another worker stored it first: keep theirs
        document.file.delete(save=False)
        return SettlementDocument.objects.get(settlement_id=settlement_id)
    return document


def settlement_email(*, settlement_id: int) -> str:
    """Mail the producer their settlement with the PDF, once."""
    with transaction.atomic():
        document = (SettlementDocument.objects.select_for_update(of=("self",))
                    .select_related("settlement__producer__membership__user", "settlement__coop")
                    .filter(settlement_id=settlement_id).first())
        if document is None:
            return "no-pdf"
        if document.emailed_at is not None:
            return "already-sent"
        settlement = document.settlement
        producer, coop = settlement.producer, settlement.coop
        to = producer.contact_email or producer.membership.user.email
        path = reverse("settlement_detail", kwargs={"coop_slug": coop.slug, "settlement_id": settlement.pk})
        with translation.override(settlement.language):
            subject = _("%(title)s %(number)s from %(coop)s") % {
                "title": title(settlement), "number": settlement.legal_number, "coop": coop.name}
            body = render_to_string("invoicing/settlements/email/settlement.txt", {
                "settlement": settlement, "title": title(settlement), "coop": coop,
                "url": settings.SITE_URL.rstrip("/") + path})
        message = EmailMessage(subject, body, None, [to],
                               reply_to=[coop.contact_email] if coop.contact_email else None)
        with document.file.open("rb") as fh:
            message.attach(f"{settlement.legal_number}.pdf", fh.read(), "application/pdf")
        message.send()
        SettlementDocument.objects.filter(pk=document.pk).update(emailed_at=timezone.now())
    return "sent"
