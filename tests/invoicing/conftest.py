"""Invoicing fixtures: a small shop (products at 6 % and 21 %, one with a deposit) and delivered orders.

Orders are written directly as snapshot rows, the way orders.services leave them, and marked delivered the way
the cut-off/logistics work will (weighed quantities, shortages), so invoicing can be tested on its own.
"""

import itertools
import sys
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from coop import money
from coop.payments import ogm_from_base
from orders.models import Order, OrderCycle, OrderLine
from tests import factories

PEPPOL_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "peppol"
_numbers = itertools.count(1)


@dataclass
class Shop:
    coop: object
    cycle: object
    slot: object
    consumer: object
    account: object
    buyer: object  # a business membership buying for `account`
    offers: dict = field(default_factory=dict)


def make_shop(coop) -> Shop:
    from catalog.services import product_set_deposits

    with scopes_disabled():
        cycle = factories.open_cycle(coop)
        slot = cycle.pickup_points.get()
        consumer = factories.MembershipFactory(coop=coop, user__first_name="Ann", user__last_name="Peeters")
        account = factories.BusinessAccountFactory(coop=coop, name="Woonzorgcentrum De Linde vzw",
                                                   enterprise_number="0765.432.146", vat_number="BE0765432146",
                                                   payment_terms_days=30)
        buyer = factories.MembershipFactory(coop=coop, roles=["business"], business_account=account)
        deposit = factories.deposit_item(coop, code="fles", value="0.20")
        specs = {
            "wortelen": {"sell_unit": "kg", "price_unit": "kg", "vat_class": "food"},
            "bloemkool": {"sell_unit": "piece", "price_unit": "kg", "is_weighed": True, "est_weight_kg": "1.200",
                          "vat_class": "food"},
            "melk": {"sell_unit": "litre", "price_unit": "litre", "vat_class": "food"},
            "wijn": {"sell_unit": "bottle", "price_unit": "bottle", "vat_class": "alcohol"},
            "tas": {"sell_unit": "piece", "price_unit": "piece", "vat_class": "other"},
        }
        offers = {}
        for name, spec in specs.items():
            product = factories.ProductFactory(coop=coop, name_nl=name.capitalize(), **spec)
            offers[name] = factories.offer_for(cycle, product)
        product_set_deposits(product=offers["melk"].product, deposits={deposit.code: 1})
    return Shop(coop=coop, cycle=cycle, slot=slot, consumer=consumer, account=account, buyer=buyer, offers=offers)


@pytest.fixture
def shop(coop):
    return make_shop(coop)


def delivered_order(shop: Shop, lines, *, business: bool = False, customer=None, po: str = "",
                    paid=Decimal("0"), fee=Decimal("0"), status=Order.Status.DELIVERED, delivered_on=None) -> Order:
    """An order with snapshot lines [(offer name, quantity, {unit_net, weighed, short, deposit})], delivered.

    Prices follow the shop: a consumer line amount is round(billed x unit gross), a business one excl. VAT.
    """
    n = next(_numbers)
    customer = customer or (shop.buyer if business else shop.consumer)
    with scope(coop=shop.coop):
        # One active order per customer and cycle: every order gets a cycle of its own.
        delivered_on = delivered_on or timezone.localdate() - timedelta(days=1 + n % 20)
        opens = timezone.now() - timedelta(days=30)
        cycle = OrderCycle.objects.create(coop=shop.coop, name=f"Week {n}", opens_at=opens,
                                          cutoff_at=opens + timedelta(days=2), delivery_date=delivered_on,
                                          status=OrderCycle.Status.DELIVERED)
        order = Order.objects.create(
            coop=shop.coop, cycle=cycle, customer=customer,
            business_account=shop.account if business else None, number=f"T-{n:06d}", status=status,
            fulfilment=Order.Fulfilment.BUSINESS if business else Order.Fulfilment.PICKUP,
            pickup=None if business else shop.slot, prices_include_vat=not business,
            purchase_order_reference=po, payment_reference=ogm_from_base(1_500_000_000 + n),
            delivery_fee=fee, paid_amount=paid, language="nl")
        for name, quantity, extra in lines:
            offer = shop.offers[name]
            product = offer.product
            vat = money.vat_percent(product.vat_class)
            unit_net = Decimal(str(extra.get("unit_net", "2.00")))
            unit_gross = money.add_vat(unit_net, vat)
            quantity = Decimal(str(quantity))
            weight = Decimal(str(product.est_weight_kg))
            billed = money.round_quantity(quantity * weight) if product.is_weighed else quantity
            deposit = Decimal(str(extra.get("deposit", "0.20" if name == "melk" else "0")))
            OrderLine.objects.create(
                coop=shop.coop, order=order, offer=offer, product=product, product_name=product.name_nl,
                quantity=quantity, sell_unit=product.sell_unit, price_unit=product.price_unit,
                is_weighed=product.is_weighed, billed_quantity=billed, producer_price=unit_net,
                margin_percent=0, unit_net=unit_net, unit_gross=unit_gross, vat_percent=vat,
                deposit_per_unit=deposit,
                line_amount=money.round_amount(billed * (unit_net if business else unit_gross)),
                line_deposit=money.round_amount(quantity * deposit),
                weighed_quantity=extra.get("weighed"), short_quantity=extra.get("short", 0))
    return order


def peppol_validate():
    """check.validate from ../shared/peppol, or skip the test with the reason."""
    if not (PEPPOL_DIR / "check.py").is_file():
        pytest.skip(f"the offline Peppol validator is not at {PEPPOL_DIR.resolve()}")
    pytest.importorskip("saxonche", reason="the Peppol validator needs saxonche (pip install saxonche)")
    if str(PEPPOL_DIR) not in sys.path:
        sys.path.insert(0, str(PEPPOL_DIR))
    from check import validate

    return validate


def fatal(findings) -> list[str]:
    return [str(f) for f in findings if f.flag == "fatal"]
