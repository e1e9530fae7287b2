"""Reads for business customers: which standing orders are due in a cycle, what a kitchen usually buys,
who may see which standing orders, and the fixer's overview."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, DecimalField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from catalog.pricing import PricingContext
from coop import numbers
from members.models import MANAGER_ROLES, BusinessAccount
from orders.models import (
    Offer,
    Order,
    OrderCycle,
    OrderLine,
    StandingOrder,
    StandingOrderLine,
    StandingOrderPause,
    StandingOrderRun,
)
from orders.services.cycles import BRUSSELS, WEEKDAYS

# A cycle whose cut-off passed this long ago is no longer scanned for standing orders that were missed.
MISSED_LOOKBACK = timedelta(days=7)


def delivery_weekday(day: date) -> str:
    return WEEKDAYS[day.weekday()]


def standing_order_matches(standing_order: StandingOrder, cycle: OrderCycle) -> bool:
    """Does the schedule of the standing order include this cycle (ignoring pauses)?"""
    day = cycle.delivery_date
    if not standing_order.is_active or day < standing_order.start_date:
        return False
    if standing_order.end_date and day > standing_order.end_date:
        return False
    if standing_order.created_at and standing_order.created_at >= cycle.cutoff_at:
        return False  # created after that cycle's cut-off: not a missed placement
    frequency = standing_order.frequency
    if frequency == StandingOrder.Frequency.WEEKDAYS:
        return delivery_weekday(day) in standing_order.weekdays
    if frequency == StandingOrder.Frequency.EVERY_SECOND_WEEK:
        first_monday = standing_order.start_date - timedelta(days=standing_order.start_date.weekday())
        return ((day - first_monday).days // 7) % 2 == 0
    return True


def pause_on(standing_order: StandingOrder, day: date) -> StandingOrderPause | None:
    """The pause covering a delivery day (uses prefetched `pauses`)."""
    for pause in standing_order.pauses.all():
        if pause.start <= day <= pause.end:
            return pause
    return None


def standing_orders_for_cycle(cycle: OrderCycle) -> list[StandingOrder]:
    """Standing orders whose schedule includes the cycle (paused ones too: their skip is recorded)."""
    day = cycle.delivery_date
    candidates = (StandingOrder.objects.filter(is_active=True, account__is_active=True, start_date__lte=day)
                  .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
                  .select_related("account", "customer").prefetch_related("pauses").order_by("pk"))
    return [so for so in candidates if standing_order_matches(so, cycle)]


def cycles_with_pending_standing_orders(now=None) -> list[int]:
    """Cycles that opened (or closed recently) and still have a due standing order without a finished run.

    The beat tick queues a placement for each: nothing is missed when a queue message was lost, and a
    cycle that closed before its standing orders could be placed gets a recorded failure, not silence.
    """
    now = now or timezone.now()
    cycles = list(OrderCycle.objects.filter(
        opens_at__lte=now, cutoff_at__gt=now - MISSED_LOOKBACK,
        status__in=[OrderCycle.Status.OPEN, OrderCycle.Status.CLOSING, OrderCycle.Status.CLOSED],
    ).order_by("cutoff_at"))
    if not cycles:
        return []
    finished = set(StandingOrderRun.objects.filter(cycle__in=cycles, status__in=StandingOrderRun.FINAL)
                   .values_list("standing_order_id", "cycle_id"))
    active = list(StandingOrder.objects.filter(is_active=True, account__is_active=True)
                  .filter(Q(end_date__isnull=True) | Q(end_date__gte=min(c.delivery_date for c in cycles))))
    return [c.pk for c in cycles
            if any(standing_order_matches(so, c) and (so.pk, c.pk) not in finished for so in active)]


def standing_orders_visible_to(membership):
    """Managers see every standing order of the coop; a business user only those of their own account."""
    standing = StandingOrder.objects.select_related("account", "customer__user")
    if membership is not None and membership.has_role(*MANAGER_ROLES):
        return standing
    if membership is None or membership.business_account_id is None:
        return standing.none()
    return standing.filter(account_id=membership.business_account_id)


def orders_visible_to(membership):
    """Orders of the member's business account (for quick order and reorder)."""
    if membership is None or membership.business_account_id is None:
        return Order.objects.none()
    return Order.objects.filter(business_account_id=membership.business_account_id)


def next_placement(standing_order: StandingOrder, upcoming: list[OrderCycle], done: set[tuple[int, int]]):
    """The first upcoming cycle (draft or open, soonest first) in which it will be placed, or None."""
    for cycle in upcoming:
        if (standing_order.pk, cycle.pk) in done or not standing_order_matches(standing_order, cycle):
            continue
        if pause_on(standing_order, cycle.delivery_date) is None:
            return cycle
    return None


def upcoming_cycles():
    return list(OrderCycle.objects.filter(status__in=[OrderCycle.Status.DRAFT, OrderCycle.Status.OPEN],
                                          cutoff_at__gt=timezone.now()).order_by("opens_at"))


def with_next_placement(standing_orders) -> list[StandingOrder]:
    """Annotate each standing order with `.next_cycle` in four queries for any number of them."""
    return with_next_placement_list(list(standing_orders.prefetch_related("pauses")))


def with_next_placement_list(standing_orders: list[StandingOrder]) -> list[StandingOrder]:
    """The same for standing orders already loaded (with `pauses` prefetched)."""
    upcoming = upcoming_cycles()
    done = set(StandingOrderRun.objects.filter(cycle__in=upcoming).values_list("standing_order_id", "cycle_id"))
    for so in standing_orders:
        so.next_cycle = next_placement(so, upcoming, done)
    return standing_orders


def open_cycles_for_ordering():
    now = timezone.now()
    return list(OrderCycle.objects.filter(status=OrderCycle.Status.OPEN, opens_at__lte=now, cutoff_at__gt=now)
                .order_by("cutoff_at"))


# --- the quick order grid -------------------------------------------------------------------------------

def plain(value) -> str:
    """2.500 -> "2.5", 10 -> "10" (never "1E+1"); strings (what someone typed) stay as they are."""
    if value is None or value == "":
        return ""
    if isinstance(value, Decimal):
        return numbers.plain(value)
    return str(value)


@dataclass
class QuickRow:
    product: object
    offer: Offer | None
    unit_price: Decimal | None  # excl. VAT
    last_quantity: Decimal | None
    quantity: object  # in this cycle's order, the reordered order, or what was typed
    usual: bool
    autofocus: bool = False

    @property
    def quantity_text(self) -> str:
        return "" if self.quantity in (None, "") or self.quantity == 0 else plain(self.quantity)

    @property
    def last_text(self) -> str:
        return plain(self.last_quantity)

    @property
    def step_text(self) -> str:
        return plain(self.product.order_step)


RECENT_ORDERS = 6


def quick_order_rows(*, account: BusinessAccount, cycle: OrderCycle, current: dict[int, Decimal]) -> list[QuickRow]:
    """The products the account usually buys (standing order lines, recent orders, this order) first,
    then everything else on offer this cycle; prices excl. VAT from the account's price group/contract."""
    recent = list(Order.objects.filter(business_account=account).exclude(status=Order.Status.CANCELLED)
                  .exclude(cycle=cycle).order_by("-cycle__delivery_date").values_list("pk", flat=True)[:RECENT_ORDERS])
    last: dict[int, Decimal] = {}
    for product_id, quantity in (OrderLine.objects.filter(order_id__in=recent)
                                 .order_by("-order__cycle__delivery_date").values_list("product_id", "quantity")):
        last.setdefault(product_id, quantity)
    standing = dict(StandingOrderLine.objects.filter(standing_order__account=account,
                                                     standing_order__is_active=True)
                    .values_list("product_id", "quantity"))
    usual_ids = set(last) | set(standing) | set(current)
    offers = {o.product_id: o for o in Offer.objects.filter(cycle=cycle, is_withdrawn=False)
              .select_related("product", "product__category").prefetch_related("product__deposits__item")}
    from catalog.models import Product

    products = {p.pk: p for p in Product.objects.filter(pk__in=usual_ids).select_related("category")}
    products.update({pid: o.product for pid, o in offers.items()})
    pricing = PricingContext(coop=account.coop, account=account, at=cycle.opens_at)
    rows = []
    for pid, product in products.items():
        offer = offers.get(pid)
        price = pricing.price(product, producer_price=offer.price) if offer else None
        rows.append(QuickRow(product=product, offer=offer, unit_price=price.unit_net if price else None,
                             last_quantity=last.get(pid, standing.get(pid)), quantity=current.get(pid),
                             usual=pid in usual_ids))
    rows.sort(key=lambda r: (not r.usual, r.offer is None, r.product.name_nl.lower()))
    first = next((r for r in rows if r.offer is not None), None)
    if first is not None:
        first.autofocus = True  # the cursor starts in the first quantity: type, Tab, type, Enter
    return rows


# --- the fixer's overview -------------------------------------------------------------------------------

def runs_needing_attention():
    """Failed or partly placed runs nobody handled yet, and claims stuck for more than ten minutes."""
    stuck = timezone.now() - timedelta(minutes=10)
    return (StandingOrderRun.objects.filter(
        Q(status__in=[StandingOrderRun.Status.FAILED, StandingOrderRun.Status.PARTLY_PLACED], resolved_at__isnull=True)
        | Q(status=StandingOrderRun.Status.CLAIMED, claimed_at__lt=stuck))
        .select_related("standing_order__account", "cycle", "order").order_by("-claimed_at"))


def month_bounds(today: date) -> tuple[date, date]:
    first = today.replace(day=1)
    return first, (first + timedelta(days=32)).replace(day=1)


def _volume(start: date, end: date):
    orders = (Order.objects.filter(business_account=OuterRef("pk"), cycle__delivery_date__gte=start,
                                   cycle__delivery_date__lt=end).exclude(status=Order.Status.CANCELLED)
              .order_by().values("business_account").annotate(total=Sum("total_net")).values("total"))
    return Coalesce(Subquery(orders), Decimal("0.00"), output_field=DecimalField(max_digits=12, decimal_places=2))


def accounts_with_volume(today: date | None = None):
    """Every business account with its users, standing orders and this and last month's volume excl. VAT
    (orders by delivery date, cancelled ones excluded) in one query."""
    today = today or timezone.localdate(timezone.now(), BRUSSELS)
    this_start, next_start = month_bounds(today)
    last_start, _ = month_bounds(this_start - timedelta(days=1))
    return (BusinessAccount.objects.annotate(
        users=Count("memberships", filter=Q(memberships__left_at__isnull=True), distinct=True),
        standing=Count("standing_orders", filter=Q(standing_orders__is_active=True), distinct=True),
        volume_this_month=_volume(this_start, next_start),
        volume_last_month=_volume(last_start, this_start),
    ).select_related("price_group_member__price_group").order_by("name"))
