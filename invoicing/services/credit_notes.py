"""Credit notes: the only way to correct an issued invoice (invoicing.md section 3), whole or in part.

A credit note is a draft until issued (in the credit-note series), references the invoice, and copies the
lines it credits with positive amounts (Peppol credit notes carry positive amounts). Nothing can be credited
twice: every line keeps track of what earlier credit notes (drafts included) took from it.

Exactness: when a credit note takes everything that is left of every line at one VAT rate, it returns exactly
the VAT the invoice charged at that rate (minus what earlier credit notes returned), and a credit note that
empties the whole invoice also returns its rounding amount, so a full credit brings the balance to zero to the
cent. A partial line is credited at round(quantity x unit price), VAT per rate on the sum, as EN 16931 wants.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from coop import money
from coop.numbers import display
from invoicing.models import Invoice, InvoiceLine, InvoiceVatBreakdown, Series

from . import parties
from .building import LineDraft, save_document


@dataclass
class _Left:
    quantity: Decimal
    net: Decimal


def _already_credited(invoice: Invoice) -> dict[int, _Left]:
    taken = (InvoiceLine.objects.filter(credited_line__invoice=invoice)
             .values("credited_line_id").annotate(quantity=Sum("quantity"), net=Sum("line_net")))
    return {row["credited_line_id"]: _Left(row["quantity"], row["net"]) for row in taken}


def _parse_request(lines, originals: dict[int, InvoiceLine]) -> dict[int, Decimal | None]:
    """[{"line_id", "quantity"}] -> {line id: quantity (None = all that is left)}."""
    if lines is None:
        return dict.fromkeys(originals)
    wanted: dict[int, Decimal | None] = {}
    for raw in lines:
        try:
            line_id = int(raw["line_id"])
            quantity = raw.get("quantity")
            quantity = None if quantity in (None, "") else Decimal(str(quantity))
        except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
            raise ValidationError(_("Every credited line needs a line id and a quantity.")) from exc
        if line_id not in originals:
            raise ValidationError(_("Line %(id)s is not on this invoice.") % {"id": line_id})
        if line_id in wanted:
            raise ValidationError(_("A line appears twice in the credit note."))
        wanted[line_id] = quantity
    if not wanted:
        raise ValidationError(_("Choose at least one line to credit."))
    return wanted


def _credit_line(line: InvoiceLine, quantity: Decimal | None, left: _Left) -> LineDraft | None:
    if quantity is None or quantity == left.quantity:
        quantity, net = left.quantity, left.net
    else:
        # Same sign as the line (a returned-deposit line is negative), at most what is left.
        if quantity == 0 or (quantity > 0) != (line.quantity > 0) or abs(quantity) > abs(left.quantity):
            raise ValidationError(_("%(line)s: credit at most %(left)s.")
                                  % {"line": line.description, "left": display(left.quantity)})
        net = money.round_amount(abs(quantity) * line.unit_price)
        net = net if quantity > 0 else -net
    if quantity == 0:
        return None
    return LineDraft(kind=line.kind, description=line.description, item_code=line.item_code,
                     line_note=line.line_note, quantity=quantity, unit=line.unit, unit_price=line.unit_price,
                     line_net=net, vat_percent=line.vat_percent, vat_category=line.vat_category,
                     exemption_reason=line.exemption_reason, order_line_id=line.order_line_id,
                     credited_line_id=line.pk)


def _exact_vat(invoice: Invoice, drafts: list[LineDraft], left_after: dict[int, _Left],
               originals: dict[int, InvoiceLine]) -> dict:
    """VAT per (category, rate) for groups this credit note empties: what the invoice charged minus what
    earlier credit notes returned."""
    groups: dict[tuple, list[int]] = defaultdict(list)
    for line in originals.values():
        groups[(line.vat_category, line.vat_percent)].append(line.pk)
    emptied = {key for key, ids in groups.items() if all(left_after[i].quantity == 0 for i in ids)}
    touched = {(d.vat_category, d.vat_percent) for d in drafts}
    charged = {(b.category, b.percent): b.vat_amount for b in invoice.vat_breakdown.all()}
    returned = defaultdict(lambda: money.ZERO)
    for b in InvoiceVatBreakdown.objects.filter(invoice__credited_invoice=invoice):
        returned[(b.category, b.percent)] += b.vat_amount
    return {key: charged.get(key, money.ZERO) - returned[key] for key in emptied & touched}


def credit_note_for(*, invoice_id: int, lines=None, note: str = "", created_by=None) -> Invoice:
    """A draft credit note for an issued invoice: everything not yet credited (`lines=None`) or the given
    lines [{"line_id": id, "quantity": q}] (quantity optional: all that is left). Issue it with invoice_issue."""
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().filter(pk=invoice_id).first()
        if invoice is None:
            raise ValidationError(_("This invoice does not exist."))
        if not invoice.is_issued or invoice.kind != Invoice.Kind.INVOICE:
            raise ValidationError(_("Only an issued invoice can be credited."))
        originals = {line.pk: line for line in invoice.lines.all()}
        credited = _already_credited(invoice)
        left = {pk: _Left(line.quantity - credited.get(pk, _Left(0, 0)).quantity,
                          line.line_net - credited.get(pk, _Left(0, 0)).net) for pk, line in originals.items()}
        drafts = []
        for line_id, quantity in _parse_request(lines, originals).items():
            if left[line_id].quantity == 0:
                if lines is None:
                    continue
                raise ValidationError(_("%(line)s is already credited.") % {"line": originals[line_id].description})
            draft = _credit_line(originals[line_id], quantity, left[line_id])
            if draft is not None:
                drafts.append(draft)
        if not drafts:
            raise ValidationError(_("Everything on this invoice has already been credited."))
        left_after = dict(left)
        for d in drafts:
            before = left[d.credited_line_id]
            left_after[d.credited_line_id] = _Left(before.quantity - d.quantity, before.net - d.line_net)
        rounding = money.ZERO
        if all(v.quantity == 0 for v in left_after.values()):
            earlier = (Invoice.objects.filter(credited_invoice=invoice)
                       .aggregate(r=Sum("rounding_amount"))["r"] or money.ZERO)
            rounding = invoice.rounding_amount - earlier
        fields = {
            "coop": invoice.coop, "kind": Invoice.Kind.CREDIT_NOTE, "series": Series.CREDIT_NOTE,
            "credited_invoice": invoice, "customer": invoice.customer, "business_account": invoice.business_account,
            "producer": invoice.producer, "seller": parties.seller_snapshot(invoice.coop), "buyer": invoice.buyer,
            "language": invoice.language, "prices_include_vat": invoice.prices_include_vat,
            "payment_terms_days": 0, "buyer_reference": invoice.buyer_reference,
            "order_reference": invoice.order_reference, "supply_from": invoice.supply_from,
            "supply_until": invoice.supply_until, "note": note[:300], "created_by": created_by,
        }
        order_ids = list(invoice.order_links.values_list("order_id", flat=True))
        return save_document(fields=fields, lines=drafts, rounding=rounding, order_ids=order_ids,
                             vat_override=_exact_vat(invoice, drafts, left_after, originals))
