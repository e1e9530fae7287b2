"""A farm delivering to a coop, for the settlement tests: products at 6 % (one weighed) and 21 %, and delivered
orders written as the snapshot rows orders and the hub leave (producer price, weighed kilos, shortages)."""

import itertools
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django_scopes import scope, scopes_disabled

from coop import money
from invoicing.settlements.models import ProducerSettlementTerms, SettlementPolicy
from members.models import Producer
from orders.models import Order, OrderCycle, OrderLine
from tests import factories

_numbers = itertools.count(1)

SPECS = {
    "wortelen": {"sell_unit": "kg", "price_unit": "kg", "vat_class": "food"},
    "bloemkool": {"sell_unit": "piece", "price_unit": "kg", "is_weighed": True, "est_weight_kg": "1.200",
                  "vat_class": "food"},
    "eieren": {"sell_unit": "dozen", "price_unit": "dozen", "vat_class": "food"},
    "cider": {"sell_unit": "bottle", "price_unit": "bottle", "vat_class": "alcohol"},
}


@dataclass
class Farm:
    coop: object
    producer: object
    consumer: object
    slot: object
    products: dict = field(default_factory=dict)


def make_farm(coop=None, *, vat_status=Producer.VatStatus.NORMAL, agreed_on: date | None = date(2026, 1, 1),
              fee_percent="0", fee_per_unit="0", contest_days=7, language="nl", iban="BE71096123456769",
              email=None, consumer=None) -> Farm:
    with scopes_disabled():
        coop = coop or factories.CooperativeFactory(vat_number="", street="Markt 1")
        n = next(_numbers)
        producer = factories.ProducerFactory(
            coop=coop, farm_name=f"Hoeve Zonneveld {n}", vat_status=vat_status, iban=iban,
            enterprise_number="0417.497.106", street="Veldstraat 3",
            membership__user__email=email or f"boer{n}@{coop.slug}.example", membership__user__language=language)
        if agreed_on is not None:
            ProducerSettlementTerms.objects.create(coop=coop, producer=producer, self_billing_agreed_on=agreed_on)
        SettlementPolicy.objects.update_or_create(coop=coop, defaults={
            "fee_percent": Decimal(fee_percent), "fee_per_unit": Decimal(fee_per_unit), "contest_days": contest_days})
        consumer = consumer or factories.MembershipFactory(coop=coop)
        slot = factories.open_cycle(coop).pickup_points.get()
        products = {name: factories.ProductFactory(coop=coop, producer=producer, name_nl=name.capitalize(), **spec)
                    for name, spec in SPECS.items()}
    return Farm(coop=coop, producer=producer, consumer=consumer, slot=slot, products=products)


def deliver(farm: Farm, lines, *, on: date, status=Order.Status.DELIVERED) -> Order:
    """An order delivered on `on`: lines [(product name, quantity, {price, weighed, short})].

    `price` is the producer price (per price unit); the customer's price is higher (a 20 % margin)."""
    n = next(_numbers)
    coop = farm.coop
    with scope(coop=coop):
        cycle = OrderCycle.objects.create(coop=coop, name=f"Week {n}", opens_at=f"{on.isoformat()}T00:00:00Z",
                                          cutoff_at=f"{on.isoformat()}T01:00:00Z", delivery_date=on,
                                          status=OrderCycle.Status.DELIVERED)
        order = Order.objects.create(coop=coop, cycle=cycle, customer=farm.consumer, number=f"S-{n:06d}",
                                     status=status, fulfilment=Order.Fulfilment.PICKUP, pickup=farm.slot,
                                     prices_include_vat=True, payment_reference=f"{n:012d}", language="nl")
        for name, quantity, extra in lines:
            product = farm.products[name]
            offer = factories.offer_for(cycle, product)
            vat = money.vat_percent(product.vat_class)
            price = Decimal(str(extra.get("price", "2.00")))
            unit_net = money.with_margin(price, Decimal("20"))
            quantity = Decimal(str(quantity))
            billed = money.round_quantity(quantity * Decimal(product.est_weight_kg)) if product.is_weighed \
                else quantity
            OrderLine.objects.create(
                coop=coop, order=order, offer=offer, product=product, product_name=product.name_nl,
                quantity=quantity, sell_unit=product.sell_unit, price_unit=product.price_unit,
                is_weighed=product.is_weighed, billed_quantity=billed, producer_price=price, margin_percent=20,
                unit_net=unit_net, unit_gross=money.add_vat(unit_net, vat), vat_percent=vat,
                line_amount=money.round_amount(billed * money.add_vat(unit_net, vat)),
                weighed_quantity=extra.get("weighed"), short_quantity=extra.get("short", 0))
    return order
