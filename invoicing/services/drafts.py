"""Draft invoices from delivered orders (issue 11 item 1): lines from the OrderLine snapshots.

Quantities: what was delivered (invoicing.services.delivered: the weighing, otherwise the billed quantity minus
shortages; the one rule the economics and the settlements use too). Deposits are lines of their own, outside the
VAT base (building.DEPOSIT_CATEGORY), charged per delivered sell unit; returned packaging is credited with
negative deposit lines.

Amounts (DESIGN.md section 4):
- business documents (prices excl. VAT): line net = round(quantity x unit net), VAT per rate on the sum;
- consumer documents (the shop showed prices incl. VAT): each line's gross = round(quantity x unit gross) as in
  the shop; coop.money.split_gross turns the gross per rate into line nets and EN 16931 VAT, and the rare
  cent that no net can explain becomes the rounding amount, so the consumer pays exactly what the shop showed.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, Sum
from django.utils import translation
from django.utils.translation import gettext as _

from coop import money
from invoicing.models import Invoice, InvoiceOrder, Series
from orders.models import Order, OrderLine

from . import parties
from .building import DEPOSIT_CATEGORY, LineDraft, consumer_nets, deposit_exemption_reason, save_document
from .delivered import delivered, with_delivered

CONSUMER_PAYMENT_DAYS = 14
LANGUAGES = ("nl", "fr", "en")


@dataclass(frozen=True)
class DepositReturn:
    """Packaging brought back: credited on the invoice as a negative deposit line."""

    description: str
    quantity: Decimal
    unit_value: Decimal


def orders_on_live_invoices(order_ids: Iterable[int]) -> set[int]:
    """Orders already on a draft or issued invoice that credit notes have not cancelled in full."""
    links = list(InvoiceOrder.objects.filter(order_id__in=list(order_ids), invoice__kind=Invoice.Kind.INVOICE)
                 .values_list("order_id", "invoice_id", "invoice__total_gross"))
    credited = dict(Invoice.objects.filter(credited_invoice_id__in={i for _o, i, _g in links},
                                           status=Invoice.Status.ISSUED)
                    .values("credited_invoice_id").annotate(total=Sum("total_gross"))
                    .values_list("credited_invoice_id", "total"))
    return {order_id for order_id, invoice_id, gross in links if credited.get(invoice_id, money.ZERO) < gross}


def _language(orders: list[Order], account) -> str:
    candidates = [getattr(account, "language", "") if account else "", orders[0].language,
                  orders[0].customer.user.language, orders[0].coop.default_language]
    return next((c for c in candidates if c in LANGUAGES), "nl")


def _check_orders(orders: list[Order]) -> None:
    if not orders:
        raise ValidationError(_("Choose at least one order to invoice."))
    undelivered = [o.number for o in orders if o.status != Order.Status.DELIVERED]
    if undelivered:
        raise ValidationError(_("Only delivered orders can be invoiced: %(orders)s.")
                              % {"orders": ", ".join(undelivered)})
    first = orders[0]
    if any(o.business_account_id != first.business_account_id for o in orders):
        raise ValidationError(_("One invoice covers the orders of one business account."))
    if first.business_account_id is None and any(o.customer_id != first.customer_id for o in orders):
        raise ValidationError(_("One invoice covers the orders of one customer."))
    if any(o.prices_include_vat != first.prices_include_vat for o in orders):
        raise ValidationError(_("Orders with and without VAT in their prices cannot share an invoice."))
    taken = orders_on_live_invoices(o.pk for o in orders)
    if taken:
        numbers = ", ".join(o.number for o in orders if o.pk in taken)
        raise ValidationError(_("Already invoiced: %(orders)s.") % {"orders": numbers})


def _order_lines(order: Order, language: str, *, consumer: bool) -> list[LineDraft]:
    drafts = []
    with translation.override(language):
        note = _("Order %(number)s, delivered %(date)s") % {
            "number": order.number, "date": order.cycle.delivery_date.strftime("%d/%m/%Y")}
        for line in order.lines.all():
            done = delivered(line)
            if done.quantity > 0:
                unit_price = line.unit_net
                drafts.append(LineDraft(
                    kind="goods", description=line.product_name, item_code=line.product.sku, line_note=note,
                    quantity=done.quantity, unit=line.price_unit, unit_price=unit_price,
                    line_net=money.round_amount(done.quantity * unit_price), vat_percent=line.vat_percent,
                    order_line_id=line.pk,
                    gross=money.round_amount(done.quantity * line.unit_gross) if consumer else None))
            if line.deposit_per_unit and done.sell_units > 0:
                drafts.append(LineDraft(
                    kind="deposit", description=_("Deposit: %(product)s") % {"product": line.product_name},
                    line_note=note, quantity=done.sell_units, unit=line.sell_unit,
                    unit_price=line.deposit_per_unit,
                    line_net=money.round_amount(done.sell_units * line.deposit_per_unit),
                    vat_percent=money.ZERO, vat_category=DEPOSIT_CATEGORY,
                    exemption_reason=deposit_exemption_reason(language), order_line_id=line.pk))
        if order.delivery_fee:
            # The delivery fee follows the VAT of the food delivered (vat.md section 5), as orders charge it.
            percent = money.vat_percent(money.VatClass.FOOD, order.cycle.delivery_date)
            fee = order.delivery_fee
            drafts.append(LineDraft(
                kind="fee", description=_("Home delivery"), line_note=note, quantity=Decimal("1"), unit="piece",
                unit_price=fee if not consumer else money.round_amount(fee / (1 + percent / 100)),
                line_net=fee, vat_percent=percent, gross=fee if consumer else None))
    return drafts


def _returns(returned: Sequence[DepositReturn], language: str) -> list[LineDraft]:
    with translation.override(language):
        return [LineDraft(kind="deposit", description=_("Returned: %(item)s") % {"item": r.description},
                          quantity=-Decimal(r.quantity), unit="piece", unit_price=Decimal(r.unit_value),
                          line_net=-money.round_amount(Decimal(r.quantity) * Decimal(r.unit_value)),
                          vat_percent=money.ZERO, vat_category=DEPOSIT_CATEGORY,
                          exemption_reason=deposit_exemption_reason(language))
                for r in returned if r.quantity]


def _address(order: Order) -> dict:
    return {"street": order.delivery_street, "postcode": order.delivery_postcode, "city": order.delivery_city}


def _references(orders: list[Order], account, buyer_reference: str) -> tuple[str, str]:
    """(BT-10 buyer reference, BT-13 purchase order). Peppol needs one of them (PEPPOL-EN16931-R003)."""
    purchase_orders = sorted({o.purchase_order_reference for o in orders if o.purchase_order_reference})
    order_reference = purchase_orders[0] if len(purchase_orders) == 1 else ""
    if not buyer_reference and account is not None:
        buyer_reference = getattr(account, "buyer_reference", "") or ""
    if not buyer_reference and len(purchase_orders) > 1:
        buyer_reference = ", ".join(purchase_orders)
    if not buyer_reference and not order_reference:
        # No purchase order: the customer's code with us identifies whose invoice it is.
        buyer_reference = account.key if account is not None else ", ".join(o.number for o in orders)
    return buyer_reference[:100], order_reference


def invoice_draft_for_orders(*, orders, returned_deposits: Sequence[DepositReturn] = (), buyer_reference: str = "",
                             note: str = "", created_by=None) -> Invoice:
    """A draft invoice over delivered orders of one customer (or one business account).

    `orders`: Order objects or ids. Raises ValidationError when an order is not delivered, belongs to another
    customer, or is already on an invoice that was not credited in full. Orders are locked while drafting, so
    two fixers cannot put the same order on two invoices.
    """
    ids = sorted({getattr(o, "pk", o) for o in orders})
    with transaction.atomic():
        locked = list(Order.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
        if len(locked) != len(ids):
            raise ValidationError(_("Unknown order(s)."))
        orders = list(Order.objects.filter(pk__in=ids).select_related("cycle", "customer__user", "business_account",
                                                                       "coop")
                      .prefetch_related(Prefetch("lines", queryset=with_delivered(OrderLine.objects.all())),
                                        "lines__product").order_by("cycle__delivery_date", "number"))
        _check_orders(orders)
        first = orders[0]
        account = first.business_account
        consumer = first.prices_include_vat
        language = _language(orders, account)
        lines = [li for order in orders for li in _order_lines(order, language, consumer=consumer)]
        lines += _returns(returned_deposits, language)
        if not lines:
            raise ValidationError(_("Nothing was delivered: there is nothing to invoice."))
        rounding = money.ZERO
        if consumer:
            lines, rounding = consumer_nets(lines)
        if account is not None:
            buyer = parties.business_buyer_snapshot(account, fallback_address=_address(first))
        else:
            buyer = parties.consumer_buyer_snapshot(first.customer, address=_address(first))
        ref, po = _references(orders, account, buyer_reference)
        # A consumer pays an order with its own OGM; one invoice for that one order keeps it, so payments
        # already made or still to come match both.
        single_ogm = first.payment_reference if (len(orders) == 1 and consumer) else ""
        dates = [o.cycle.delivery_date for o in orders]
        fields = {
            "coop": first.coop, "kind": Invoice.Kind.INVOICE,
            "series": Series.BUSINESS if account is not None else Series.CONSUMER,
            "customer": first.customer, "business_account": account,
            "seller": parties.seller_snapshot(first.coop), "buyer": buyer, "language": language,
            "prices_include_vat": consumer,
            "payment_terms_days": account.payment_terms_days if account is not None else CONSUMER_PAYMENT_DAYS,
            "payment_reference": single_ogm, "buyer_reference": ref, "order_reference": po,
            "supply_from": min(dates), "supply_until": max(dates), "note": note[:300], "created_by": created_by,
        }
        paid = sum((o.paid_amount for o in orders), money.ZERO)
        return save_document(fields=fields, lines=lines, rounding=rounding, prepaid=paid, order_ids=ids)


def invoice_draft_delete(*, invoice_id: int) -> None:
    """Drafts may be thrown away (they have no number yet, so no gap is left)."""
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().filter(pk=invoice_id).first()
        if invoice is None:
            raise ValidationError(_("This invoice does not exist."))
        if invoice.is_issued:
            raise ValidationError(_("An issued invoice cannot be deleted; issue a credit note."))
        invoice.delete()
