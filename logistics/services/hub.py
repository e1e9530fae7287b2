"""At the hub after the cut-off: weighed quantities, shortages (per line or spread per product), crate returns,
and producers confirming their purchase orders. Every change recalculates the order and tells the customer."""

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import DepositItem
from coop import money
from coop.numbers import display
from orders.models import Order, OrderCycle, OrderLine
from orders.services.ordering import order_recalculate

from ..models import DepositMovement, PurchaseOrder, PurchaseOrderLine

HUB_STATES = (OrderCycle.Status.CLOSED, OrderCycle.Status.PACKED)


class ShortageRule:
    FIRST_COME = "first_come"  # the earliest orders are served in full; the latest lose first
    PRO_RATA = "pro_rata"  # every order loses in proportion, in whole order steps


def _lock_line(line_id: int) -> OrderLine:
    line = (OrderLine.objects.select_for_update(of=("self",)).select_related("order__cycle", "product")
            .filter(pk=line_id).first())
    if line is None:
        raise ValidationError(_("This order line does not exist."))
    if line.order.cycle.status not in HUB_STATES or line.order.status != Order.Status.PLACED:
        raise ValidationError(_("Weights and shortages are recorded after the cut-off and before delivery."))
    return line


def _reprice(line: OrderLine) -> None:
    """The amount follows what is really delivered: weighed kilos, or the quantity minus the shortage."""
    delivered = line.quantity - line.short_quantity
    if line.is_weighed:
        if line.weighed_quantity is not None:
            billed = line.weighed_quantity
        else:
            billed = money.round_quantity(delivered * line.product.est_weight_kg)
    else:
        billed = delivered
    unit = line.unit_gross if line.order.prices_include_vat else line.unit_net
    line.billed_quantity = billed
    line.line_amount = money.round_amount(billed * unit)
    line.line_deposit = money.round_amount(delivered * line.deposit_per_unit)
    line.save(update_fields=["billed_quantity", "line_amount", "line_deposit", "weighed_quantity",
                             "short_quantity"])


def _after_change(order: Order) -> None:
    order_recalculate(order)
    from coop.tenancy.tasks import enqueue_on_commit

    from ..tasks import notify_order_changed

    enqueue_on_commit(notify_order_changed, order.coop_id, order.pk)


def line_record_weight(*, line_id: int, weighed_kg) -> OrderLine:
    weighed = Decimal(str(weighed_kg).replace(",", "."))
    with transaction.atomic():
        line = _lock_line(line_id)
        if not line.is_weighed:
            raise ValidationError(_("%(product)s is not sold by weight.") % {"product": line.product_name})
        if weighed < 0:
            raise ValidationError(_("A weight cannot be negative."))
        line.weighed_quantity = money.round_quantity(weighed)
        _reprice(line)
        _after_change(line.order)
    return line


def line_record_shortage(*, line_id: int, short_quantity) -> OrderLine:
    short = Decimal(str(short_quantity).replace(",", "."))
    with transaction.atomic():
        line = _lock_line(line_id)
        if short < 0 or short > line.quantity:
            raise ValidationError(_("The shortage must be between 0 and %(max)s.") % {"max": display(line.quantity)})
        line.short_quantity = short
        _reprice(line)
        _after_change(line.order)
    return line


@dataclass(frozen=True)
class SpreadShare:
    line_id: int
    order_number: str
    ordered: Decimal
    short: Decimal


def spread_shortage(lines: list[tuple[int, str, Decimal]], short: Decimal, step: Decimal, rule: str
                    ) -> list[SpreadShare]:
    """Split `short` over (line id, order number, ordered quantity) lines, in whole steps, exactly.

    Lines come in order of placing. First come first served takes from the latest orders first. Pro rata gives
    each line floor(share / step) steps, then hands out the steps left by largest remainder (latest first on ties).
    """
    total = sum((ordered for _line, _number, ordered in lines), Decimal("0"))
    if short < 0 or short > total:
        raise ValidationError(_("The shortage must be between 0 and the %(total)s ordered.") % {"total": total})
    if short % step:
        raise ValidationError(_("The shortage must be a multiple of the order step %(step)s.") % {"step": step})
    shares: dict[int, Decimal] = {line_id: Decimal("0") for line_id, _number, _ordered in lines}
    if rule == ShortageRule.FIRST_COME:
        left = short
        for line_id, _number, ordered in reversed(lines):
            take = min(ordered, left)
            shares[line_id], left = take, left - take
    elif rule == ShortageRule.PRO_RATA:
        steps_short = int(short / step)
        exact = {line_id: (ordered / total) * steps_short if total else Decimal("0")
                 for line_id, _number, ordered in lines}
        floors = {i: int(v.to_integral_value(rounding=ROUND_FLOOR)) for i, v in exact.items()}
        capacity = {line_id: int(ordered / step) for line_id, _number, ordered in lines}
        remaining = steps_short - sum(floors.values())
        position = {line_id: index for index, (line_id, _number, _ordered) in enumerate(lines)}
        by_remainder = sorted(exact, key=lambda i: (exact[i] - floors[i], position[i]), reverse=True)
        for line_id in by_remainder:
            if remaining == 0:
                break
            if floors[line_id] < capacity[line_id]:
                floors[line_id] += 1
                remaining -= 1
        shares = {i: floors[i] * step for i in floors}
    else:
        raise ValidationError(_("Unknown shortage rule."))
    return [SpreadShare(line_id, number, ordered, shares[line_id]) for line_id, number, ordered in lines]


def product_record_shortage(*, cycle_id: int, product_id: int, short_quantity, rule: str) -> list[SpreadShare]:
    """A producer brought less of a product: spread the shortage over the orders by the coop's rule."""
    short = Decimal(str(short_quantity).replace(",", "."))
    with transaction.atomic():
        rows = list(OrderLine.objects.select_for_update(of=("self",))
                    .filter(order__cycle_id=cycle_id, product_id=product_id, order__status=Order.Status.PLACED)
                    .select_related("product", "order").order_by("order__placed_at", "pk"))
        if not rows:
            raise ValidationError(_("Nobody ordered this product in this cycle."))
        step = rows[0].product.order_step
        shares = spread_shortage([(r.pk, r.order.number, r.quantity) for r in rows], short, step, rule)
        for share in shares:
            line_record_shortage(line_id=share.line_id, short_quantity=share.short)
    return shares


def purchase_order_respond(*, purchase_order_id: int, producer, confirmed: dict[int, Decimal] | None = None,
                           note: str = "") -> PurchaseOrder:
    """The producer confirms what they will bring; less than ordered is a shortage report for the hub."""
    with transaction.atomic():
        po = PurchaseOrder.objects.select_for_update().get(pk=purchase_order_id, producer=producer)
        if timezone.now() > po.respond_before:
            raise ValidationError(_("The deadline to answer has passed; call the hub."))
        lines = {line.pk: line for line in PurchaseOrderLine.objects.filter(purchase_order=po)}
        short = False
        for line_id, line in lines.items():
            quantity = (confirmed or {}).get(line_id, line.quantity)
            quantity = Decimal(str(quantity).replace(",", "."))
            if quantity < 0 or quantity > line.quantity:
                raise ValidationError(_("%(product)s: between 0 and %(max)s.")
                                      % {"product": line.product_name, "max": display(line.quantity)})
            line.confirmed_quantity = quantity
            short = short or quantity < line.quantity
            line.save(update_fields=["confirmed_quantity"])
        po.status = PurchaseOrder.Status.SHORTAGE if short else PurchaseOrder.Status.CONFIRMED
        po.responded_at, po.producer_note = timezone.now(), note[:500]
        po.save(update_fields=["status", "responded_at", "producer_note"])
    return po


def deposit_record_return(*, item_code: str, quantity: int, customer=None, producer=None, cycle=None, note="",
                          user=None) -> DepositMovement:
    """Crates or bottles come back (at pickup, delivery or from a producer)."""
    if (customer is None) == (producer is None):
        raise ValidationError(_("A return comes from one customer or one producer."))
    if int(quantity) <= 0:
        raise ValidationError(_("The number returned must be more than zero."))
    item = DepositItem.objects.filter(code=item_code).first()
    if item is None:
        raise ValidationError(_("Unknown deposit item %(code)s.") % {"code": item_code})
    return DepositMovement.objects.create(coop=item.coop, item=item, customer=customer, producer=producer,
                                          cycle=cycle, direction=DepositMovement.Direction.BACK,
                                          quantity=int(quantity), note=note[:200], recorded_by=user)


def deposit_balances(*, customer=None, producer=None) -> dict[str, int]:
    """Items out minus items back, per deposit item code, for one customer or producer."""
    movements = DepositMovement.objects.filter(customer=customer) if customer else DepositMovement.objects.filter(
        producer=producer)
    balance: dict[str, int] = {}
    for code, direction, total in movements.values_list("item__code", "direction").annotate(total=Sum("quantity")):
        balance[code] = balance.get(code, 0) + (total if direction == DepositMovement.Direction.OUT else -total)
    return balance
