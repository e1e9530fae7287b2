"""Reads for the fixer's pages and the producers' offer pages (fixed numbers of queries per page)."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, DecimalField, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from catalog.models import Product
from catalog.pricing import with_producer_price
from catalog.services import product_is_sellable
from members.models import Producer
from orders.models import CyclePickupPoint, Offer, Order, OrderCycle, PickupPoint

ZERO = Decimal("0.00")
LIVE = (OrderCycle.Status.DRAFT, OrderCycle.Status.OPEN)


def _count(queryset):
    return Coalesce(Subquery(queryset.order_by().values("cycle").annotate(n=Count("pk")).values("n")[:1]),
                    Value(0), output_field=IntegerField())


def cycles_with_counts():
    """Every cycle with its number of live orders and offers, newest delivery first."""
    orders = Order.objects.filter(cycle=OuterRef("pk")).exclude(status=Order.Status.CANCELLED)
    offers = Offer.objects.filter(cycle=OuterRef("pk"), is_withdrawn=False)
    turnover = Subquery(orders.order_by().values("cycle").annotate(t=Sum("total_to_pay")).values("t")[:1])
    return (OrderCycle.objects.select_related("schedule")
            .annotate(order_count=_count(orders), offer_count=_count(offers),
                      turnover=Coalesce(turnover, Value(ZERO), output_field=DecimalField()))
            .order_by("-delivery_date", "-pk"))


def cycles_live():
    return OrderCycle.objects.filter(status__in=LIVE).order_by("delivery_date", "pk")


@dataclass(frozen=True)
class OrderTotals:
    count: int
    to_pay: Decimal
    paid: Decimal

    @property
    def outstanding(self) -> Decimal:
        return self.to_pay - self.paid


def cycle_orders(cycle: OrderCycle):
    return (Order.objects.filter(cycle=cycle).select_related("customer__user", "pickup__pickup_point",
                                                              "delivery_zone", "business_account")
            .order_by("status", "number"))


def cycle_order_totals(cycle: OrderCycle) -> OrderTotals:
    row = (Order.objects.filter(cycle=cycle).exclude(status=Order.Status.CANCELLED)
           .aggregate(count=Count("pk"), to_pay=Sum("total_to_pay"), paid=Sum("paid_amount")))
    return OrderTotals(row["count"], row["to_pay"] or ZERO, row["paid"] or ZERO)


@dataclass
class PickupRow:
    point: PickupPoint
    slot: CyclePickupPoint | None


def cycle_pickup_rows(cycle: OrderCycle) -> list[PickupRow]:
    """Active pickup points plus any point serving the cycle, each with its slot in this cycle (or None)."""
    slots = {s.pickup_point_id: s for s in CyclePickupPoint.objects.filter(cycle=cycle)}
    points = PickupPoint.objects.filter(Q(is_active=True) | Q(pk__in=list(slots))).order_by("name", "pk")
    return [PickupRow(point, slots.get(point.pk)) for point in points]


def pickup_points_all():
    return PickupPoint.objects.order_by("-is_active", "name", "pk")


def producers_all():
    return Producer.objects.filter(is_active=True).order_by("farm_name", "pk")


# --- offers page ----------------------------------------------------------------------------------------

@dataclass
class OfferRow:
    product: Product
    offer: Offer | None
    usual_price: Decimal | None  # the producer price valid at the cycle's opening
    sellable: bool
    reason: str


def producer_offer_rows(*, producer: Producer, cycle: OrderCycle) -> list[OfferRow]:
    """The producer's active products with this cycle's offer, in a fixed number of queries."""
    offers = {o.product_id: o for o in Offer.objects.filter(cycle=cycle, producer=producer)}
    products = with_producer_price(
        Product.objects.filter(producer=producer).filter(Q(is_active=True) | Q(pk__in=list(offers)))
        .order_by("name_nl", "pk"), at=cycle.opens_at)
    rows = []
    for product in products:
        sellable, reason = product_is_sellable(product)
        rows.append(OfferRow(product, offers.get(product.pk), product.producer_price_at, sellable, reason))
    return rows


def producer_previous_cycle(*, producer: Producer, cycle: OrderCycle) -> OrderCycle | None:
    """The cycle "copy last week" copies from (as offers_copy_last_week picks it)."""
    return (OrderCycle.objects.filter(offers__producer=producer, delivery_date__lt=cycle.delivery_date)
            .exclude(status=OrderCycle.Status.CANCELLED).order_by("-delivery_date").first())
