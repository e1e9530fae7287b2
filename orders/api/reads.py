"""Reads behind the orders API: who sees which cycles, offers and orders, and offers priced per member.

Lists cost a fixed number of queries: relations joined, deposits prefetched, the producer price valid at
each offer's cycle opening annotated by a subquery, and one PricingContext per cycle (not per offer).
"""

from django.db.models import DateTimeField, F, IntegerField, OuterRef, Prefetch, Q, Subquery, Value
from django.utils.translation import get_language

from catalog.models import ProducerPrice, ProductDeposit
from catalog.pricing import PricingContext
from members.models import Role
from orders.models import CyclePickupPoint, Offer, Order, OrderCycle, OrderLine, PickupPoint

HIDDEN_FROM_CUSTOMERS = (OrderCycle.Status.DRAFT,)


def localized(obj, base: str) -> str:
    """`obj.<base>_<language>`, falling back to Dutch."""
    lang = (get_language() or "nl").split("-")[0]
    return getattr(obj, f"{base}_{lang}", "") or getattr(obj, f"{base}_nl", "")


def sees_drafts(membership) -> bool:
    """Producers prepare offers in draft cycles; fixers and admins run them. Customers see the rest."""
    return membership is not None and (membership.is_manager or membership.has_role(Role.PRODUCER))


def cycles_visible_to(membership):
    cycles = OrderCycle.objects.all()
    if not sees_drafts(membership):
        cycles = cycles.exclude(status__in=HIDDEN_FROM_CUSTOMERS)
    return cycles.order_by("-delivery_date", "-pk")


def offers_visible_to(membership):
    """Customers see live offers of visible cycles; producers also their own withdrawn ones; managers all."""
    offers = Offer.objects.filter(cycle__in=cycles_visible_to(membership).values("pk"))
    if membership is not None and membership.is_manager:
        return offers
    if membership is not None and membership.has_role(Role.PRODUCER):
        return offers.filter(Q(is_withdrawn=False) | Q(producer__membership=membership))
    return offers.filter(is_withdrawn=False)


def offers_for_display(offers):
    """Everything the offer serializer needs, in a fixed number of queries."""
    price_at_opening = Subquery(
        ProducerPrice.objects.filter(product=OuterRef("product_id"), valid_from__lte=OuterRef("cycle__opens_at"))
        .order_by("-valid_from").values("price")[:1])
    return (offers.select_related("cycle", "producer", "product__category")
            .prefetch_related(Prefetch("product__deposits", queryset=ProductDeposit.objects.select_related("item")))
            .annotate(price_at_opening=price_at_opening)
            .order_by("cycle_id", "product__name_nl", "pk"))


class OfferPricer:
    """Prices offers for one member as order_place will charge them: catalog.pricing at the cycle's
    opening, the offer's weekly price replacing the product's, for the account the member buys for."""

    def __init__(self, *, coop, membership):
        self.coop = coop
        self.account = membership.business_account if membership and membership.business_account_id else None
        self._contexts: dict[int, PricingContext] = {}

    @property
    def business(self) -> bool:
        return self.account is not None

    def context(self, cycle: OrderCycle) -> PricingContext:
        if cycle.pk not in self._contexts:
            self._contexts[cycle.pk] = PricingContext(coop=self.coop, account=self.account, at=cycle.opens_at)
        return self._contexts[cycle.pk]

    def price(self, offer: Offer):
        producer_price = offer.price if offer.price is not None else getattr(offer, "price_at_opening", None)
        if producer_price is None:
            return None  # no price at the cycle's opening: the product cannot be ordered
        return self.context(offer.cycle).price(offer.product, producer_price=producer_price)


def pickup_points_for(cycle_id: int | None):
    """Active pickup points; for a cycle only the ones serving it, with its collection window and room."""
    if cycle_id is None:
        return (PickupPoint.objects.filter(is_active=True)
                .annotate(pickup_from=Value(None, output_field=DateTimeField()),
                          pickup_until=Value(None, output_field=DateTimeField()),
                          places_left=Value(None, output_field=IntegerField()))
                .order_by("name", "pk"))
    slots = CyclePickupPoint.objects.filter(cycle_id=cycle_id, pickup_point=OuterRef("pk"))
    return (PickupPoint.objects.filter(cycle_slots__cycle_id=cycle_id)
            .annotate(pickup_from=Subquery(slots.values("pickup_from")[:1]),
                      pickup_until=Subquery(slots.values("pickup_until")[:1]),
                      places_left=Subquery(slots.annotate(left=F("capacity") - F("orders_count")).values("left")[:1]))
            .order_by("name", "pk"))


def orders_visible_to(membership):
    """A customer sees their own orders; fixers and admins see every order of the coop."""
    orders = (Order.objects.select_related("cycle", "customer__user", "pickup")
              .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("product_name", "pk")))
              .order_by("-placed_at", "-pk"))
    if membership is not None and membership.is_manager:
        return orders
    return orders.filter(customer=membership)

