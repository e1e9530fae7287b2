"""Business customers on top of ordering: minimum order value, purchase-order reference, the quick order
(place or change the week's order in one go), price group and contract prices of an account.

`business_order_check` is called by orders.services.ordering for every business order (placing and
changing, from the shop, the API, the quick order page or a standing order), so no path can skip it.
"""

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from catalog.models import ContractPrice, PriceGroup, PriceGroupMember, Product
from catalog.services import parse_price
from members.models import BusinessAccount
from orders.models import Offer, Order

from .ordering import Destination, order_cancel, order_change_lines, order_place

# Standing orders are placed even when the coop's shortages push them under the minimum: a kitchen is
# never punished for what the farms could not supply. Only the standing-order service sets this.
_minimum_waived: ContextVar[bool] = ContextVar("b2b_minimum_waived", default=False)


@contextmanager
def minimum_waived():
    token = _minimum_waived.set(True)
    try:
        yield
    finally:
        _minimum_waived.reset(token)


def account_minimum_order(account: BusinessAccount) -> Decimal:
    """The account's own minimum, else the cooperative's (excl. VAT); 0 means none."""
    if account.minimum_order is not None:
        return account.minimum_order
    return account.coop.business_minimum_order or Decimal("0.00")


def business_order_check(order: Order) -> None:
    """Raise a clear ValidationError when a business order misses its PO reference or the minimum."""
    account = order.business_account
    if account.purchase_order_required and not order.purchase_order_reference.strip():
        raise ValidationError(_("%(account)s needs a purchase-order reference on every order.")
                              % {"account": account.name})
    minimum = account_minimum_order(account)
    if minimum > 0 and not _minimum_waived.get() and order.total_net < minimum:
        raise ValidationError(
            _("The minimum order for %(account)s is € %(minimum)s excl. VAT; this order comes to € %(total)s. "
              "Add € %(missing)s or more.")
            % {"account": account.name, "minimum": number_format(minimum, 2),
               "total": number_format(order.total_net, 2), "missing": number_format(minimum - order.total_net, 2)})


# --- the week's order of an account ---------------------------------------------------------------------

def account_order_in_cycle(*, account: BusinessAccount, cycle_id: int) -> Order | None:
    """The account's active order in a cycle (any of its users may have placed it)."""
    return (Order.objects.filter(cycle_id=cycle_id, business_account=account)
            .exclude(status=Order.Status.CANCELLED).order_by("placed_at").first())


def parse_quantities(raw: dict) -> dict[int, Decimal]:
    """{product_id: "2,5"} -> {product_id: Decimal}; empty means zero; bad numbers raise per product."""
    quantities: dict[int, Decimal] = {}
    for product_id, value in raw.items():
        text = str(value or "").strip().replace(",", ".")
        try:
            quantity = Decimal(text) if text else Decimal("0")
        except InvalidOperation as exc:
            raise ValidationError(_("'%(value)s' is not a number.") % {"value": value}) from exc
        if not quantity.is_finite() or quantity < 0:
            raise ValidationError(_("Quantities cannot be negative."))
        quantities[int(product_id)] = quantity
    return quantities


def b2b_order_save(*, membership, cycle_id: int, quantities: dict[int, Decimal], purchase_order_reference: str = "",
                   idempotency_key: str = "") -> Order | None:
    """Place or change the account's order of a cycle from {product_id: quantity} (0 removes a product;
    all zero cancels the order). Returns the order, or None when it was cancelled."""
    account = membership.business_account
    if account is None or not account.is_active:
        raise ValidationError(_("Your membership is not linked to an active business account."))
    reference = purchase_order_reference.strip()[:60]
    wanted = {pid: q for pid, q in quantities.items() if q > 0}
    offers = dict(Offer.objects.filter(cycle_id=cycle_id, product_id__in=list(wanted))
                  .values_list("product_id", "pk"))
    missing = [pid for pid in wanted if pid not in offers]
    if missing:
        names = ", ".join(Product.objects.filter(pk__in=missing).values_list("name_nl", flat=True)) or missing
        raise ValidationError(_("Not offered in this cycle: %(products)s.") % {"products": names})
    lines = [{"offer": offers[pid], "quantity": q} for pid, q in sorted(wanted.items())]
    with transaction.atomic():
        # One order per account and cycle: the account row serialises its users (and its standing orders).
        BusinessAccount.objects.select_for_update().filter(pk=account.pk).first()
        order = account_order_in_cycle(account=account, cycle_id=cycle_id)
        if order is None:
            if not lines:
                raise ValidationError(_("Enter a quantity for at least one product."))
            return order_place(customer=membership, cycle_id=cycle_id, lines=lines,
                               destination=Destination(Order.Fulfilment.BUSINESS),
                               payment_method=Order.PaymentMethod.INVOICE, idempotency_key=idempotency_key,
                               purchase_order_reference=reference)
        if idempotency_key and Order.objects.filter(customer=membership, idempotency_key=idempotency_key).exists():
            return order  # a double submit of the form that placed it
        if not lines:
            order_cancel(order_id=order.pk)
            return None
        if reference and reference != order.purchase_order_reference:
            Order.objects.filter(pk=order.pk).update(purchase_order_reference=reference)
        return order_change_lines(order_id=order.pk, lines=lines)


# --- price group and contract prices of an account (prices themselves: catalog.pricing) -------------------

def account_set_price_group(*, account: BusinessAccount, price_group: PriceGroup | None) -> None:
    with transaction.atomic():
        if price_group is None:
            PriceGroupMember.objects.filter(account=account).delete()
            return
        PriceGroupMember.objects.update_or_create(account=account,
                                                  defaults={"coop": account.coop, "price_group": price_group})


def contract_price_create(*, account: BusinessAccount, product: Product, price, valid_from: date,
                          valid_until: date | None = None) -> ContractPrice:
    """Agree a price excl. VAT for one product; an open-ended earlier agreement ends the day before."""
    amount = parse_price(price)
    if valid_until is not None and valid_until < valid_from:
        raise ValidationError({"valid_until": _("The end date must be on or after the start date.")})
    if product.coop_id != account.coop_id:
        raise ValidationError(_("Unknown product."))
    with transaction.atomic():
        BusinessAccount.objects.select_for_update().filter(pk=account.pk).first()
        overlapping = ContractPrice.objects.filter(account=account, product=product, valid_from__gte=valid_from)
        if overlapping.exists():
            raise ValidationError({"valid_from": _("There is already a contract price for %(product)s from this "
                                                   "date or later; end or remove it first.")
                                   % {"product": product.name_nl}})
        ContractPrice.objects.filter(account=account, product=product, valid_from__lt=valid_from,
                                     valid_until__isnull=True).update(valid_until=valid_from - timedelta(days=1))
        return ContractPrice.objects.create(coop=account.coop, account=account, product=product, price=amount,
                                            valid_from=valid_from, valid_until=valid_until)


def contract_price_end(*, contract_price: ContractPrice, on: date) -> ContractPrice:
    """Stop a contract price after `on` (ending it before it started removes it)."""
    if contract_price.valid_until is not None and contract_price.valid_until <= on:
        return contract_price  # already ended
    if on < contract_price.valid_from:
        contract_price.delete()
        return contract_price
    contract_price.valid_until = on
    contract_price.save(update_fields=["valid_until"])
    return contract_price
