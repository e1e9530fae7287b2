"""Writing a draft document: lines, VAT breakdown and totals in one go, all from coop.money's rules."""

from dataclasses import dataclass, replace
from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coop import money
from invoicing.models import Invoice, InvoiceLine, InvoiceOrder, InvoiceVatBreakdown

# UN/ECE Rec. 20 (units) and Rec. 21 (packages, "X" + code) for the catalogue's units (BR-CL-23).
UNIT_CODES = {"kg": "KGM", "piece": "H87", "bunch": "XBH", "litre": "LTR", "pack": "XPK", "jar": "XJR",
              "bottle": "XBO", "dozen": "DZN", "crate": "XCR"}
DEFAULT_UNIT_CODE = "C62"  # "one"
# How units read on the document (the invoice's language, not the catalogue's).
UNIT_LABELS = {"kg": gettext_lazy("kg"), "piece": gettext_lazy("piece"), "bunch": gettext_lazy("bunch"),
               "litre": gettext_lazy("litre"), "pack": gettext_lazy("pack"), "jar": gettext_lazy("jar"),
               "bottle": gettext_lazy("bottle"), "dozen": gettext_lazy("dozen")}

# Deposits on returnable packaging are outside the taxable amount (shared/domain/vat.md section 4). In Peppol
# they cannot be category O on an invoice with taxed lines (BR-O-*); we use E (exempt) with the reason as
# text, which also prints the legal basis as the law asks for any line without VAT (invoicing.md section 2,
# mention 9). The legal reference is to be confirmed by the cooperative's accountant.
DEPOSIT_CATEGORY = "E"
GOODS_CATEGORY = "S"


def deposit_exemption_reason(language: str) -> str:
    with translation.override(language):
        return _("Deposit on returnable packaging, outside the taxable amount (art. 28, 6° VAT Code)")


def unit_code(unit: str) -> str:
    return UNIT_CODES.get(unit, DEFAULT_UNIT_CODE)


@dataclass(frozen=True)
class LineDraft:
    kind: str
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    line_net: Decimal
    vat_percent: Decimal
    vat_category: str = GOODS_CATEGORY
    exemption_reason: str = ""
    item_code: str = ""
    line_note: str = ""
    order_line_id: int | None = None
    credited_line_id: int | None = None
    gross: Decimal | None = None  # consumer documents: what the customer was charged for this line


def consumer_nets(lines: list[LineDraft]) -> tuple[list[LineDraft], Decimal]:
    """Consumer lines carry the gross they were charged; give them EN 16931 nets (coop.money.split_gross).

    Returns the lines with nets and unit prices excl. VAT, and the rounding amount (BT-114) that keeps the
    payable amount equal to what the customer was charged.
    """
    result = list(lines)
    rounding = money.ZERO
    by_rate: dict[Decimal, list[int]] = {}
    for i, line in enumerate(lines):
        if line.gross is not None:
            by_rate.setdefault(line.vat_percent, []).append(i)
    for percent, indexes in by_rate.items():
        split = money.split_gross([lines[i].gross for i in indexes], percent)
        rounding += split.rounding
        for i, net in zip(indexes, split.line_nets, strict=True):
            line = lines[i]
            result[i] = replace(line, line_net=net, unit_price=_unit_price(net, line.quantity, line.unit_price))
    return result, rounding


def _unit_price(net: Decimal, quantity: Decimal, snapshot: Decimal) -> Decimal:
    """The catalogue's net unit price when quantity x price gives the line net, else the line net over the
    quantity with up to four decimals (so the document adds up; PEPPOL-EN16931-R120 allows 0.02)."""
    if quantity == 0 or money.round_amount(quantity * snapshot) == net:
        return snapshot
    price = abs(net / quantity)
    cents = price.quantize(Decimal("0.01"))
    return cents if cents == price else price.quantize(Decimal("0.0001"))


def save_document(*, fields: dict, lines: list[LineDraft], rounding=money.ZERO, prepaid=money.ZERO,
                  order_ids=(), vat_override: dict | None = None) -> Invoice:
    """Create a draft Invoice with its lines, VAT breakdown, totals and order links.

    `vat_override` {(category, percent): vat} lets a credit note return exactly the VAT an invoice charged.
    """
    breakdown = money.en16931_breakdown((li.vat_category, li.vat_percent, li.line_net) for li in lines)
    vat_override = vat_override or {}
    rows = [(b.category, b.percent, b.net, vat_override.get((b.category, b.percent), b.vat)) for b in breakdown]
    reasons = {(li.vat_category, li.vat_percent): li.exemption_reason for li in lines if li.exemption_reason}
    total_net = sum((li.line_net for li in lines), money.ZERO)
    total_vat = sum((vat for *_rest, vat in rows), money.ZERO)
    total_gross = total_net + total_vat
    prepaid = min(max(prepaid, money.ZERO), max(total_gross + rounding, money.ZERO))
    invoice = Invoice.objects.create(
        **fields, total_net=total_net, total_vat=total_vat, total_gross=total_gross, prepaid_amount=prepaid,
        rounding_amount=rounding, payable_amount=total_gross - prepaid + rounding)
    coop = invoice.coop
    InvoiceLine.objects.bulk_create([
        InvoiceLine(coop=coop, invoice=invoice, position=n, kind=li.kind, description=li.description[:250],
                    item_code=li.item_code, line_note=li.line_note[:200], quantity=li.quantity, unit=li.unit,
                    unit_code=unit_code(li.unit), unit_price=li.unit_price, line_net=li.line_net,
                    vat_category=li.vat_category, vat_percent=li.vat_percent,
                    exemption_reason=li.exemption_reason, order_line_id=li.order_line_id,
                    credited_line_id=li.credited_line_id)
        for n, li in enumerate(lines, start=1)
    ])
    InvoiceVatBreakdown.objects.bulk_create([
        InvoiceVatBreakdown(coop=coop, invoice=invoice, category=category, percent=percent, taxable_amount=net,
                            vat_amount=vat, exemption_reason=reasons.get((category, percent), ""))
        for category, percent, net, vat in rows
    ])
    InvoiceOrder.objects.bulk_create([InvoiceOrder(coop=coop, invoice=invoice, order_id=i) for i in order_ids])
    return invoice
