"""Offers: what producers can supply in a cycle. Caps move only down to what is already ordered."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from catalog.services import parse_price, product_is_sellable
from coop.numbers import display
from orders.models import Offer, OrderCycle

EDITABLE = (OrderCycle.Status.DRAFT, OrderCycle.Status.OPEN)


def offers_version(cycle_id: int) -> str:
    """Name of the version token of a cycle's offers as the shop shows them (coop/versions.py): every write of
    offers and cycles bumps it, bulk ones too (orders/apps.py, coop/versioned.py)."""
    return f"offers:{cycle_id}"


def cycles_version(coop_id: int) -> str:
    """Name of the token of a coop's cycles (which are open, their names and times): every write of cycles
    bumps it, the state moves by conditional update too (orders/apps.py, coop/versioned.py)."""
    return f"cycles:{coop_id}"


def customer_orders_version(membership_id: int) -> str:
    """Name of the token of a customer's orders (which one is open in a cycle, its lines): every change to an
    order's lines or state ends with a write of the order (services/ordering.py), which bumps it (orders/apps.py)."""
    return f"customer-orders:{membership_id}"


def _check_cycle(cycle: OrderCycle) -> None:
    if cycle.status not in EDITABLE:
        raise ValidationError(_("Offers can only be posted for a draft or open cycle."))


def _cap(value) -> Decimal | None:
    if value in (None, ""):
        return None
    cap = Decimal(str(value).replace(",", "."))
    if cap < 0:
        raise ValidationError({"quantity_cap": _("The available quantity cannot be negative.")})
    return cap


def offer_post(*, cycle: OrderCycle, product, quantity_cap=None, price=None, user=None) -> Offer:
    """Offer a product in a cycle (or update the existing offer's cap and weekly price)."""
    _check_cycle(cycle)
    sellable, reason = product_is_sellable(product)
    if not sellable:
        raise ValidationError(reason)
    cap = _cap(quantity_cap)
    weekly_price = parse_price(price) if price not in (None, "") else None
    with transaction.atomic():
        offer, created = Offer.objects.get_or_create(
            cycle=cycle, product=product,
            defaults={"coop": cycle.coop, "producer": product.producer, "quantity_cap": cap, "remaining": cap,
                      "price": weekly_price, "created_by": user},
        )
        if not created:
            offer_set_cap(offer_id=offer.pk, quantity_cap=cap)
            Offer.objects.filter(pk=offer.pk).update(price=weekly_price, is_withdrawn=False)
            offer.refresh_from_db()
    return offer


def offer_set_cap(*, offer_id: int, quantity_cap) -> Offer:
    """Change the available quantity; never below what customers already ordered (conditional update)."""
    cap = _cap(quantity_cap)
    offers = Offer.objects.filter(pk=offer_id)
    if cap is None:
        changed = offers.update(quantity_cap=None, remaining=None)
    else:
        changed = offers.filter(ordered__lte=cap).update(quantity_cap=cap, remaining=cap - F("ordered"))
    if not changed:
        ordered = offers.values_list("ordered", flat=True).first()
        if ordered is None:
            raise ValidationError(_("This offer does not exist."))
        raise ValidationError({"quantity_cap": _("Customers already ordered %(ordered)s; you cannot offer less.")
                               % {"ordered": display(ordered)}})
    return offers.get()


def offer_withdraw(*, offer_id: int) -> Offer:
    """Stop selling: nothing more can be ordered; what customers already ordered stays theirs."""
    with transaction.atomic():
        offer = Offer.objects.select_for_update().get(pk=offer_id)
        _check_cycle(offer.cycle)
        offer.quantity_cap = offer.ordered
        offer.remaining = Decimal("0")
        offer.is_withdrawn = True
        offer.save(update_fields=["quantity_cap", "remaining", "is_withdrawn"])
    return offer


def offers_copy_last_week(*, producer, cycle: OrderCycle, user=None) -> list[Offer]:
    """Post again what the producer offered in their previous cycle (same caps and weekly prices)."""
    _check_cycle(cycle)
    previous = (OrderCycle.objects.filter(offers__producer=producer, delivery_date__lt=cycle.delivery_date)
                .exclude(status=OrderCycle.Status.CANCELLED).order_by("-delivery_date").first())
    if previous is None:
        raise ValidationError(_("There is no earlier cycle with offers of yours to copy."))
    already = set(Offer.objects.filter(cycle=cycle, producer=producer).values_list("product_id", flat=True))
    copied = []
    with transaction.atomic():
        for old in Offer.objects.filter(cycle=previous, producer=producer, is_withdrawn=False).select_related(
                "product"):
            if old.product_id in already or not product_is_sellable(old.product)[0]:
                continue
            copied.append(Offer.objects.create(coop=cycle.coop, cycle=cycle, product=old.product, producer=producer,
                                               quantity_cap=old.quantity_cap, remaining=old.quantity_cap,
                                               price=old.price, created_by=user))
    return copied
