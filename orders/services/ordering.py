"""Placing, changing and cancelling orders without ever overselling (DESIGN.md section 5).

Availability is reserved with a conditional UPDATE on `Offer.remaining` inside the order's transaction,
offers in primary-key order, backed by CHECK (remaining >= 0). A shortage rolls back the whole order.
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from catalog.pricing import PricingContext
from catalog.services import product_is_sellable
from coop import money
from coop.numbers import display
from coop.payments import ogm_from_base
from orders.models import CyclePickupPoint, DeliveryZone, Offer, Order, OrderCycle, OrderLine
from orders.services.payments import payment_status_for

from .cycles import cycle_accepts_orders


@dataclass(frozen=True)
class Shortage:
    offer_id: int
    product: str
    requested: Decimal
    remaining: Decimal


class OfferShortage(Exception):
    """Not enough left of one or more offers; nothing of the order was saved."""

    def __init__(self, shortages: list[Shortage]):
        self.shortages = shortages
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return "; ".join(
            _("Only %(remaining)s left of %(product)s (you asked %(requested)s).")
            % {"remaining": display(s.remaining), "product": s.product, "requested": display(s.requested)}
            for s in self.shortages
        )


@dataclass(frozen=True)
class Destination:
    fulfilment: str
    pickup_id: int | None = None
    street: str = ""
    postcode: str = ""
    city: str = ""


def parse_lines(raw_lines) -> dict[int, Decimal]:
    """[{offer, quantity}] -> {offer_id: quantity}; rejects duplicates, non-numbers and non-positive amounts."""
    lines: dict[int, Decimal] = {}
    for raw in raw_lines or []:
        try:
            offer_id = int(raw["offer"])
            quantity = Decimal(str(raw["quantity"]).replace(",", "."))
        except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
            raise ValidationError(_("Every line needs an offer and a quantity.")) from exc
        if not quantity.is_finite() or quantity <= 0:
            raise ValidationError(_("Quantities must be more than zero."))
        if offer_id in lines:
            raise ValidationError(_("An offer appears twice in the order."))
        lines[offer_id] = quantity
    if not lines:
        raise ValidationError(_("The order has no lines."))
    return lines


def _lock_cycle_for_ordering(cycle_id: int) -> OrderCycle:
    """FOR SHARE: orders go in concurrently, but the cut-off (FOR UPDATE) waits for them and vice versa."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM orders_ordercycle WHERE id = %s FOR SHARE", [cycle_id])
    cycle = OrderCycle.objects.filter(pk=cycle_id).first()
    if cycle is None:
        raise ValidationError(_("This order cycle does not exist."))
    if not cycle_accepts_orders(cycle):
        raise ValidationError(_("This order cycle is not open for orders (the cut-off has passed)."))
    return cycle


def _check_line(offer: Offer, quantity: Decimal) -> None:
    product = offer.product
    sellable, reason = product_is_sellable(product)
    if offer.is_withdrawn or not sellable:
        raise ValidationError(_("%(product)s cannot be ordered: %(reason)s")
                              % {"product": product.name_nl, "reason": reason or _("withdrawn")})
    if quantity < product.min_quantity:
        raise ValidationError(_("%(product)s: order at least %(min)s.")
                              % {"product": product.name_nl, "min": display(product.min_quantity)})
    if quantity % product.order_step != 0:
        raise ValidationError(_("%(product)s: the quantity must be a multiple of %(step)s.")
                              % {"product": product.name_nl, "step": display(product.order_step)})
    if quantity != money.round_quantity(quantity):
        raise ValidationError(_("Quantities have at most three decimals."))


def _change_reservations(deltas: dict[int, Decimal], names: dict[int, str]) -> None:
    """Apply quantity changes per offer in primary-key order; positive deltas only if enough remains. What is left
    is shown by the shop: each update of it bumps the cycle's offers token (coop/versioned.py)."""
    shortages = []
    for offer_id in sorted(deltas):
        delta = deltas[offer_id]
        if delta == 0:
            continue
        limited = Offer.objects.filter(pk=offer_id, remaining__isnull=False)
        unlimited = Offer.objects.filter(pk=offer_id, remaining__isnull=True)
        if delta > 0:
            done = limited.filter(remaining__gte=delta).update(remaining=F("remaining") - delta,
                                                               ordered=F("ordered") + delta)
            done = done or unlimited.update(ordered=F("ordered") + delta)
            if not done:
                left = Offer.objects.filter(pk=offer_id).values_list("remaining", flat=True).first()
                shortages.append(Shortage(offer_id, names[offer_id], delta, left or Decimal("0")))
        else:
            limited.update(remaining=F("remaining") - delta, ordered=F("ordered") + delta)
            unlimited.update(ordered=F("ordered") + delta)
    if shortages:
        raise OfferShortage(shortages)


def _claim_pickup_slot(cycle: OrderCycle, pickup_id: int) -> CyclePickupPoint:
    slot = CyclePickupPoint.objects.filter(pk=pickup_id, cycle=cycle).select_related("pickup_point").first()
    if slot is None:
        raise ValidationError(_("Choose a pickup point of this cycle."))
    if not CyclePickupPoint.objects.filter(pk=slot.pk, orders_count__lt=F("capacity")).update(
            orders_count=F("orders_count") + 1):
        raise ValidationError(_("%(point)s is full this week; choose another pickup point.")
                              % {"point": slot.pickup_point.name})
    return slot


def _release_pickup_slot(slot_id: int | None) -> None:
    if slot_id:
        CyclePickupPoint.objects.filter(pk=slot_id, orders_count__gt=0).update(orders_count=F("orders_count") - 1)


def _delivery_zone(postcode: str) -> DeliveryZone:
    zone = DeliveryZone.objects.filter(is_active=True, postcodes__contains=[postcode.strip()]).first()
    if zone is None:
        raise ValidationError(_("We do not deliver to postcode %(postcode)s; choose a pickup point.")
                              % {"postcode": postcode})
    return zone


def _next_order_sequence() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('orders_order_number_seq')")
        return cursor.fetchone()[0]


def _build_lines(order: Order, offers: dict[int, Offer], quantities: dict[int, Decimal]) -> None:
    pricing = PricingContext(coop=order.coop, account=order.business_account, at=order.cycle.opens_at)
    OrderLine.objects.filter(order=order).exclude(offer_id__in=list(quantities)).delete()
    for offer_id, quantity in quantities.items():
        offer = offers[offer_id]
        product = offer.product
        price = pricing.price(product, producer_price=offer.price)
        if price is None:
            raise ValidationError(_("%(product)s has no price yet.") % {"product": product.name_nl})
        billed = money.round_quantity(quantity * product.est_weight_kg) if product.is_weighed else quantity
        unit = price.unit_gross if order.prices_include_vat else price.unit_net
        OrderLine.objects.update_or_create(
            order=order, offer=offer,
            defaults={
                "coop": order.coop, "product": product, "product_name": product.name_nl, "quantity": quantity,
                "sell_unit": product.sell_unit, "price_unit": product.price_unit, "is_weighed": product.is_weighed,
                "billed_quantity": billed, "producer_price": price.producer_price,
                "margin_percent": price.margin_percent, "unit_net": price.unit_net, "unit_gross": price.unit_gross,
                "vat_percent": price.vat_percent, "deposit_per_unit": price.deposit,
                "line_amount": money.round_amount(billed * unit),
                "line_deposit": money.round_amount(quantity * price.deposit),
            },
        )


def order_recalculate(order: Order) -> Order:
    """Totals from the line snapshots (used after placing, changing, weighing or shortages)."""
    lines = list(OrderLine.objects.filter(order=order))
    amounts = [(line.line_amount, line.vat_percent) for line in lines]
    goods = money.document_totals(amounts, prices_include_vat=order.prices_include_vat).gross
    fee = Decimal("0.00")
    if order.fulfilment == Order.Fulfilment.DELIVERY and order.delivery_zone_id:
        zone = order.delivery_zone
        fee = Decimal("0.00") if zone.free_from is not None and goods >= zone.free_from else zone.fee
    if fee:
        # The delivery fee follows the VAT of the goods delivered (shared/domain/vat.md section 5): food, 6 %.
        amounts.append((fee, money.vat_percent(money.VatClass.FOOD, order.cycle.delivery_date)))
    totals = money.document_totals(amounts, prices_include_vat=order.prices_include_vat)
    order.total_net, order.total_vat, order.total_gross = totals.net, totals.vat, totals.gross
    order.total_deposit = sum((line.line_deposit for line in lines), Decimal("0.00"))
    order.delivery_fee = fee
    order.total_to_pay = order.total_gross + order.total_deposit
    # Paid before a change or the weighing: what was paid may now be too little (or enough).
    order.payment_status = payment_status_for(order.paid_amount, order.total_to_pay)
    order.save(update_fields=["total_net", "total_vat", "total_gross", "total_deposit", "delivery_fee",
                              "total_to_pay", "payment_status", "updated_at"])
    return order


def _load_offers(cycle: OrderCycle, offer_ids) -> dict[int, Offer]:
    offers = {o.pk: o for o in Offer.objects.filter(pk__in=list(offer_ids), cycle=cycle)
              .select_related("product", "producer").prefetch_related("product__deposits__item")}
    missing = sorted(set(offer_ids) - set(offers))
    if missing:
        raise ValidationError(_("Unknown offer(s) for this cycle: %(ids)s") % {"ids": ", ".join(map(str, missing))})
    return offers


def order_place(*, customer, cycle_id: int, lines, destination: Destination,
                payment_method: str = Order.PaymentMethod.TRANSFER, idempotency_key: str = "", note: str = "",
                purchase_order_reference: str = "") -> Order:
    """Place a customer's order for a cycle. Idempotent per `idempotency_key` (a double submit returns the
    first order). Raises ValidationError for bad input and OfferShortage when not enough is left."""
    quantities = parse_lines(lines)
    with transaction.atomic():
        if idempotency_key:
            earlier = Order.objects.filter(customer=customer, idempotency_key=idempotency_key).first()
            if earlier is not None:
                return earlier
        cycle = _lock_cycle_for_ordering(cycle_id)
        if Order.objects.filter(cycle=cycle, customer=customer).exclude(status=Order.Status.CANCELLED).exists():
            raise ValidationError(_("You already have an order in this cycle; change that order instead."))
        offers = _load_offers(cycle, quantities)
        for offer_id, quantity in quantities.items():
            _check_line(offers[offer_id], quantity)
        _change_reservations(quantities, {i: o.product.name_nl for i, o in offers.items()})

        order = Order(coop=cycle.coop, cycle=cycle, customer=customer, business_account=customer.business_account,
                      fulfilment=destination.fulfilment, payment_method=payment_method, note=note[:300],
                      purchase_order_reference=purchase_order_reference[:60], idempotency_key=idempotency_key,
                      prices_include_vat=customer.business_account_id is None,
                      language=customer.user.language or translation.get_language() or "nl")
        _set_destination(order, cycle, destination)
        sequence = _next_order_sequence()
        order.number = f"{cycle.delivery_date:%y}-{sequence:06d}"
        order.payment_reference = ogm_from_base(1_000_000_000 + sequence)  # leading 1: an order, not an invoice
        order.save()
        _build_lines(order, offers, quantities)
        order_recalculate(order)
        _check_minimum(order)
    return order


def _set_destination(order: Order, cycle: OrderCycle, destination: Destination) -> None:
    if destination.fulfilment == Order.Fulfilment.PICKUP:
        order.pickup = _claim_pickup_slot(cycle, destination.pickup_id)
    elif destination.fulfilment == Order.Fulfilment.DELIVERY:
        if not (destination.street and destination.postcode and destination.city):
            raise ValidationError(_("Give the delivery address: street, postcode and municipality."))
        order.delivery_zone = _delivery_zone(destination.postcode)
        order.delivery_street, order.delivery_postcode = destination.street, destination.postcode.strip()
        order.delivery_city = destination.city
    elif destination.fulfilment == Order.Fulfilment.BUSINESS:
        if order.business_account is None:
            raise ValidationError(_("Delivery at the business is for business customers."))
    else:
        raise ValidationError(_("Choose a pickup point or home delivery."))


def _check_minimum(order: Order) -> None:
    if order.fulfilment == Order.Fulfilment.DELIVERY and order.total_gross - order.delivery_fee < \
            order.delivery_zone.minimum_order:
        raise ValidationError(_("Home delivery needs an order of at least € %(min)s.")
                              % {"min": order.delivery_zone.minimum_order})
    if order.business_account_id is not None:
        # B2B rules (minimum order value, PO reference) live in b2b.py; checking here covers every path.
        from .b2b import business_order_check

        business_order_check(order)


def _lock_order_for_change(order_id: int, customer=None) -> Order:
    orders = Order.objects.select_for_update(of=("self",)).select_related("cycle", "delivery_zone")
    if customer is not None:
        orders = orders.filter(customer=customer)
    order = orders.filter(pk=order_id).first()
    if order is None:
        raise ValidationError(_("This order does not exist."))
    if order.status != Order.Status.PLACED:
        raise ValidationError(_("This order can no longer be changed."))
    _lock_cycle_for_ordering(order.cycle_id)
    return order


def order_change_lines(*, order_id: int, lines, customer=None) -> Order:
    """Replace the order's lines before the cut-off; reservations move by the difference only."""
    quantities = parse_lines(lines)
    with transaction.atomic():
        order = _lock_order_for_change(order_id, customer)
        current = dict(OrderLine.objects.filter(order=order).values_list("offer_id", "quantity"))
        offers = _load_offers(order.cycle, set(quantities) | set(current))
        for offer_id, quantity in quantities.items():
            if quantity != current.get(offer_id):
                _check_line(offers[offer_id], quantity)
        deltas = {i: quantities.get(i, Decimal("0")) - current.get(i, Decimal("0"))
                  for i in set(quantities) | set(current)}
        _change_reservations(deltas, {i: o.product.name_nl for i, o in offers.items()})
        _build_lines(order, offers, quantities)
        order_recalculate(order)
        _check_minimum(order)
    return order


def order_cancel(*, order_id: int, customer=None) -> Order:
    """Cancel before the cut-off: every reservation and the pickup slot are released in the same transaction."""
    with transaction.atomic():
        order = _lock_order_for_change(order_id, customer)
        _release_order(order)
    return order


def _release_order(order: Order) -> None:
    current = dict(OrderLine.objects.filter(order=order).values_list("offer_id", "quantity"))
    _change_reservations({i: -q for i, q in current.items()}, {})
    _release_pickup_slot(order.pickup_id)
    order.status = Order.Status.CANCELLED
    order.save(update_fields=["status", "updated_at"])


def order_cancel_all_of_cycle(*, cycle: OrderCycle) -> int:
    orders = list(Order.objects.select_for_update().filter(cycle=cycle, status=Order.Status.PLACED))
    for order in orders:
        _release_order(order)
    return len(orders)


def order_can_change(order: Order, now=None) -> bool:
    return order.status == Order.Status.PLACED and cycle_accepts_orders(order.cycle, now or timezone.now())


