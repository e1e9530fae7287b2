"""Reads for the webshop: the open cycle, its offers as shop items, the cart priced, and a customer's orders.

Prices come from catalog.pricing with the same inputs the ordering service uses when it snapshots a line
(the cycle's opening time, the offer's weekly price, the customer's business account), so the price shown
is the price charged. Lists are built for a constant number of queries.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import F, FilteredRelation, OuterRef, Prefetch, Q, Subquery
from django.utils import timezone

from catalog import selectors as catalog
from catalog.allergens import AllergenStatus
from catalog.models import ProducerPrice, Product, ProductAllergen, ProductDeposit, Unit
from catalog.pricing import PricingContext, with_producer_price
from catalog.services import product_is_sellable
from coop import money
from coop.numbers import display, plain
from coop.payments import epc_qr_svg, ogm_display
from orders.models import CyclePickupPoint, DeliveryZone, Offer, Order, OrderCycle, OrderLine

LOW_STOCK_UNITS = Decimal("5")  # "only N left" at or below this many units ...
LOW_STOCK_SHARE = Decimal("0.2")  # ... or at or below this share of the offered quantity


# --- cycles ---------------------------------------------------------------------------------------------

def cycles_open_for_orders(now=None, *, customer=None) -> list[OrderCycle]:
    """The cycles customers can order in now, the earliest cut-off first (usually just one). With a
    `customer`, each carries `customer_order_id`: their order in it that is not cancelled (or None), read in
    the same query (the shop asks on every page)."""
    now = now or timezone.now()
    cycles = OrderCycle.objects.filter(status=OrderCycle.Status.OPEN, opens_at__lte=now, cutoff_at__gt=now)
    if customer is not None:
        orders = Order.objects.filter(customer=customer, cycle=OuterRef("pk")).exclude(status=Order.Status.CANCELLED)
        cycles = cycles.annotate(customer_order_id=Subquery(orders.order_by("pk").values("pk")[:1]))
    return list(cycles.order_by("cutoff_at", "pk"))


def cycle_open_for_orders(cycle_id=None, now=None) -> OrderCycle | None:
    """The open cycle `cycle_id`, or the one with the earliest cut-off."""
    cycles = cycles_open_for_orders(now)
    return next((c for c in cycles if str(c.pk) == str(cycle_id)), cycles[0] if cycles else None)


def cycle_next_opening(now=None) -> OrderCycle | None:
    """The next cycle that will open, to tell visitors when they can order again."""
    now = now or timezone.now()
    return (OrderCycle.objects.filter(status__in=(OrderCycle.Status.DRAFT, OrderCycle.Status.OPEN),
                                      opens_at__gt=now).order_by("opens_at", "pk").first())


def shop_pricing(*, coop, membership, cycle: OrderCycle) -> PricingContext:
    """Priced as order_place prices a line: at the cycle's opening, for the account the member buys for."""
    return PricingContext(coop=coop, account=catalog.business_account_of(membership), at=cycle.opens_at)


# --- the shop's offers ----------------------------------------------------------------------------------

def shop_products(*, cycle: OrderCycle, filters: catalog.ProductFilter, tree):
    """Sellable products with a live offer in `cycle`, searched and filtered like the catalogue, each
    annotated with its offer (`offer_id`, `offer_remaining`, `offer_cap`, `offer_price`)."""
    products = (Product.objects.filter(catalog.SELLABLE)
                .annotate(shop_offer=FilteredRelation(
                    "offers", condition=Q(offers__cycle=cycle, offers__is_withdrawn=False)))
                .filter(shop_offer__isnull=False)
                .annotate(offer_id=F("shop_offer__id"), offer_remaining=F("shop_offer__remaining"),
                          offer_cap=F("shop_offer__quantity_cap"), offer_price=F("shop_offer__price")))
    products = catalog.product_search(products, filters, tree=tree)
    # Cards show only what a product contains or may contain (every shop product has all 14 answered), so
    # the "absent" answers, most of them, are not loaded.
    shown_allergens = ProductAllergen.objects.exclude(status=AllergenStatus.ABSENT)
    return with_producer_price(
        products.select_related("producer", "category").prefetch_related(
            Prefetch("allergens", queryset=shown_allergens),
            Prefetch("deposits", queryset=ProductDeposit.objects.select_related("item"))),
        at=cycle.opens_at,
    )


@dataclass(frozen=True)
class ShopItem:
    card: catalog.ProductCard  # price, unit price per kg/l, deposit, labels, allergens (catalog's card)
    offer_id: int
    remaining: Decimal | None  # None: unlimited
    low_stock: bool
    in_cart: Decimal | None
    step: Decimal
    minimum: Decimal

    @property
    def sold_out(self) -> bool:
        return self.remaining is not None and self.remaining <= 0

    # Plain numbers for <input type="number"> attributes (never localized: "0.5", not "0,5").
    @property
    def step_attr(self) -> str:
        return plain(self.step)

    @property
    def minimum_attr(self) -> str:
        return plain(self.minimum)


def is_low_stock(remaining: Decimal | None, cap: Decimal | None) -> bool:
    if remaining is None or remaining <= 0:
        return False
    return remaining <= LOW_STOCK_UNITS or (bool(cap) and remaining <= cap * LOW_STOCK_SHARE)


def shop_items(products, *, pricing: PricingContext, tree, cart_lines: dict[int, Decimal]) -> list[ShopItem]:
    roots = {node.id: node.root_slug for node in tree}
    items = []
    for product in products:
        if product.offer_price is not None:  # a price for this week replaces the product's
            product.producer_price_at = product.offer_price
        items.append(ShopItem(
            card=catalog.product_card(product, pricing=pricing, roots=roots), offer_id=product.offer_id,
            remaining=product.offer_remaining, low_stock=is_low_stock(product.offer_remaining, product.offer_cap),
            in_cart=cart_lines.get(product.offer_id), step=product.order_step, minimum=product.min_quantity,
        ))
    return items


# --- the cart -------------------------------------------------------------------------------------------

def offers_with_products(*, cycle: OrderCycle, offer_ids):
    """Offers of `cycle` with everything needed to check and price them, in a fixed number of queries."""
    price_at_opening = Subquery(ProducerPrice.objects.filter(product=OuterRef("product_id"),
                                                             valid_from__lte=cycle.opens_at)
                                .order_by("-valid_from").values("price")[:1])
    offers = (Offer.objects.filter(cycle=cycle, pk__in=list(offer_ids))
              .select_related("product__producer", "product__category")
              .prefetch_related(Prefetch("product__deposits",
                                         queryset=ProductDeposit.objects.select_related("item")))
              .annotate(product_price_at_opening=price_at_opening))
    found = {}
    for offer in offers:
        offer.product.producer_price_at = offer.price if offer.price is not None else offer.product_price_at_opening
        found[offer.pk] = offer
    return found


@dataclass(frozen=True)
class CartLine:
    offer: Offer
    name: str
    quantity: Decimal
    unit_amount: Decimal | None  # per price unit, incl. VAT for consumers, excl. for business
    billed_quantity: Decimal  # in price units (estimated kg for weighed goods)
    amount: Decimal  # as OrderLine.line_amount will be
    deposit: Decimal
    vat_percent: Decimal
    problem: str = ""  # why this line cannot be ordered as it is (sold out, withdrawn ...)

    @property
    def quantity_attr(self) -> str:
        return plain(self.quantity)

    @property
    def step_attr(self) -> str:
        return plain(self.offer.product.order_step)


@dataclass
class CartSummary:
    lines: list[CartLine] = field(default_factory=list)
    prices_include_vat: bool = True
    goods: Decimal = money.ZERO  # incl. VAT for consumers, excl. for business
    net: Decimal = money.ZERO
    vat: Decimal = money.ZERO
    gross: Decimal = money.ZERO
    by_rate: tuple = ()
    deposit: Decimal = money.ZERO

    @property
    def total(self) -> Decimal:
        return self.gross + self.deposit

    @property
    def count(self) -> int:
        return len(self.lines)

    @property
    def has_weighed(self) -> bool:
        return any(line.offer.product.is_weighed for line in self.lines)

    @property
    def has_problems(self) -> bool:
        return any(line.problem for line in self.lines)

    def quantities(self) -> dict[int, Decimal]:
        return {line.offer.pk: line.quantity for line in self.lines}


def _line_problem(offer: Offer, quantity: Decimal, reserved: Decimal) -> str:
    from django.utils.translation import gettext as _

    sellable, reason = product_is_sellable(offer.product)
    if offer.is_withdrawn or not sellable:
        return reason or _("No longer offered this week.")
    if offer.remaining is not None and quantity - reserved > offer.remaining:
        return _("Only %(left)s left.") % {"left": display(offer.remaining + reserved)}
    return ""


def cart_summary(*, lines: dict[int, Decimal], cycle: OrderCycle, pricing: PricingContext,
                 reserved: dict[int, Decimal] | None = None) -> CartSummary:
    """The cart priced line by line exactly as order_place will snapshot it (catalog.pricing + coop.money).

    `reserved` holds what the order being changed already holds per offer (it counts as available)."""
    reserved = reserved or {}
    include_vat = not pricing.business
    offers = offers_with_products(cycle=cycle, offer_ids=lines)
    summary = CartSummary(prices_include_vat=include_vat)
    for offer_id, quantity in lines.items():
        offer = offers.get(offer_id)
        if offer is None:  # an offer of another cycle, or deleted: drop it
            continue
        product = offer.product
        price = pricing.price(product)
        billed = money.round_quantity(quantity * product.est_weight_kg) if product.is_weighed else quantity
        unit = None if price is None else (price.unit_gross if include_vat else price.unit_net)
        summary.lines.append(CartLine(
            offer=offer, name=catalog.localized(product, "name"), quantity=quantity, unit_amount=unit,
            billed_quantity=billed, amount=money.round_amount(billed * unit) if unit is not None else money.ZERO,
            deposit=money.round_amount(quantity * price.deposit) if price else money.ZERO,
            vat_percent=price.vat_percent if price else money.ZERO,
            problem=_line_problem(offer, quantity, reserved.get(offer_id, Decimal("0"))),
        ))
    summary.lines.sort(key=lambda line: line.name.lower())
    totals = money.document_totals([(line.amount, line.vat_percent) for line in summary.lines],
                                   prices_include_vat=include_vat)
    summary.goods = sum((line.amount for line in summary.lines), money.ZERO)
    summary.net, summary.vat, summary.gross, summary.by_rate = totals.net, totals.vat, totals.gross, totals.by_rate
    summary.deposit = sum((line.deposit for line in summary.lines), money.ZERO)
    return summary


# --- checkout -------------------------------------------------------------------------------------------

def pickup_slots(cycle: OrderCycle) -> list[CyclePickupPoint]:
    return list(CyclePickupPoint.objects.filter(cycle=cycle).select_related("pickup_point")
                .order_by("pickup_point__name", "pk"))


def delivery_zones() -> list[DeliveryZone]:
    return list(DeliveryZone.objects.filter(is_active=True).order_by("name", "pk"))


def delivery_zone_for(postcode: str) -> DeliveryZone | None:
    return DeliveryZone.objects.filter(is_active=True, postcodes__contains=[postcode.strip()]).first()


# --- orders ---------------------------------------------------------------------------------------------

def order_by_idempotency_key(*, customer, key: str) -> Order | None:
    if not key:
        return None
    return Order.objects.filter(customer=customer, idempotency_key=key).first()


def order_lines_quantities(order: Order | int) -> dict[int, Decimal]:
    return dict(OrderLine.objects.filter(order=order).values_list("offer_id", "quantity"))


def orders_of(customer):
    return (Order.objects.filter(customer=customer).select_related("cycle", "pickup__pickup_point")
            .order_by("-cycle__delivery_date", "-placed_at"))


def orders_visible_to(membership):
    """A customer sees their own orders; fixers and admins see every order of the coop."""
    orders = Order.objects.select_related("cycle", "customer__user", "pickup__pickup_point", "delivery_zone")
    if membership is not None and membership.is_manager:
        return orders
    return orders.filter(customer=membership)


@dataclass(frozen=True)
class OrderSummary:
    lines: list[OrderLine]
    by_rate: tuple  # money.RateTotal per VAT rate, delivery fee included
    ogm: str  # +++123/4567/89012+++
    qr_svg: str  # EPC "scan to pay" QR code as inline SVG, "" when nothing is left to pay by transfer


def order_summary(order: Order, *, coop=None) -> OrderSummary:
    """Lines, VAT per rate and the payment details of an order, as the confirmation page and e-mail show it."""
    lines = list(OrderLine.objects.filter(order=order).select_related("product"))
    units = dict(Unit.choices)
    for line in lines:
        line.price_unit_label = units.get(line.price_unit, line.price_unit)
    amounts = [(line.line_amount, line.vat_percent) for line in lines]
    if order.delivery_fee:
        # order_recalculate charges the delivery fee at the food rate on the delivery date.
        amounts.append((order.delivery_fee, money.vat_percent(money.VatClass.FOOD, order.cycle.delivery_date)))
    by_rate = money.document_totals(amounts, prices_include_vat=order.prices_include_vat).by_rate
    qr = ""
    if (order.payment_method == Order.PaymentMethod.TRANSFER and order.status != Order.Status.CANCELLED
            and order.balance_due > 0):
        coop = coop or order.coop
        qr = epc_qr_svg(name=coop.legal_name or coop.name, iban=coop.iban, bic=coop.bic,
                        amount=order.balance_due, ogm=order.payment_reference)
    return OrderSummary(lines=lines, by_rate=by_rate, ogm=ogm_display(order.payment_reference), qr_svg=qr)
