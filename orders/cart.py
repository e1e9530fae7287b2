"""The shopping cart: offer id -> quantity for the open cycle, kept in the session (no rows until checkout).

One cart per cooperative and open cycle (usually one); a cart is dropped once its cycle's cut-off has passed.
When the member already has an order in the cycle, the cart edits that order (`order_id`), and what the
order already holds (`reserved`) counts as available when checking what is left.
"""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from coop.numbers import display
from orders.models import Offer, OrderCycle
from orders.services.ordering import _check_line  # the ordering service's own rule for min/step/decimals

SESSION_KEY = "shop_carts"


def parse_quantity(raw) -> Decimal:
    """'1,5' or '1.5' -> Decimal; refuses what is not a positive number."""
    try:
        quantity = Decimal(str(raw or "").strip().replace(",", "."))
    except InvalidOperation as exc:
        raise ValidationError(_("Give a quantity, e.g. 1 or 0.5.")) from exc
    if not quantity.is_finite() or quantity < 0:
        raise ValidationError(_("Give a quantity, e.g. 1 or 0.5."))
    return quantity


class Cart:
    def __init__(self, session, *, coop_id: int, cycle: OrderCycle):
        self.session = session
        self.coop_key = str(coop_id)
        self.cycle = cycle
        data = (session.get(SESSION_KEY, {}).get(self.coop_key) or {}).get(str(cycle.pk)) or {}
        self.lines: dict[int, Decimal] = {int(k): Decimal(v) for k, v in (data.get("lines") or {}).items()}
        self.order_id: int | None = data.get("order")
        self.reserved: dict[int, Decimal] = {int(k): Decimal(v) for k, v in (data.get("reserved") or {}).items()}

    def __len__(self) -> int:
        return len(self.lines)

    def save(self) -> None:
        carts = dict(self.session.get(SESSION_KEY, {}))
        # One cart per open cycle; carts of cycles that closed meanwhile are dropped.
        per_cycle = {k: v for k, v in (carts.get(self.coop_key) or {}).items()
                     if isinstance(v, dict) and v.get("cutoff", 0) > timezone.now().timestamp()}
        per_cycle[str(self.cycle.pk)] = {
            "cutoff": self.cycle.cutoff_at.timestamp(),
            "lines": {str(k): str(v) for k, v in self.lines.items()},
            "order": self.order_id,
            "reserved": {str(k): str(v) for k, v in self.reserved.items()},
        }
        carts[self.coop_key] = per_cycle
        self.session[SESSION_KEY] = carts

    def clear(self) -> None:
        self.lines, self.order_id, self.reserved = {}, None, {}
        self.save()

    def as_order_lines(self) -> list[dict]:
        return [{"offer": offer_id, "quantity": str(q)} for offer_id, q in sorted(self.lines.items())]

    def attach_order(self, order_id: int, order_lines: dict[int, Decimal], *, merge: bool) -> None:
        """Edit an existing order: its lines fill the cart (plus what was in the cart, when merging)."""
        lines = dict(order_lines)
        if merge:
            for offer_id, quantity in self.lines.items():
                lines[offer_id] = lines.get(offer_id, Decimal("0")) + quantity
        self.lines, self.order_id, self.reserved = lines, order_id, dict(order_lines)
        self.save()

    def detach_order(self) -> None:
        self.order_id, self.reserved = None, {}
        self.save()

    # --- changes, checked against the offer ---------------------------------------------------------------

    def _check(self, offer: Offer | None, quantity: Decimal) -> None:
        if offer is None or offer.cycle_id != self.cycle.pk:
            raise ValidationError(_("This product is not offered in this order round."))
        _check_line(offer, quantity)
        available = None if offer.remaining is None else offer.remaining + self.reserved.get(offer.pk, Decimal("0"))
        if available is not None and quantity > available:
            if available <= 0:
                raise ValidationError(_("%(product)s is sold out.") % {"product": offer.product.name_nl})
            raise ValidationError(_("Only %(left)s left of %(product)s.")
                                  % {"left": display(available), "product": offer.product.name_nl})

    def add(self, offer: Offer | None, quantity: Decimal) -> Decimal:
        """Add `quantity` to what is in the cart; returns the new quantity. Raises ValidationError."""
        if quantity <= 0:
            raise ValidationError(_("Quantities must be more than zero."))
        total = self.lines.get(offer.pk if offer else 0, Decimal("0")) + quantity
        self._check(offer, total)
        self.lines[offer.pk] = total
        self.save()
        return total

    def set(self, offer: Offer | None, quantity: Decimal) -> Decimal:
        """Set the quantity; 0 removes the line."""
        if quantity == 0:
            if offer is not None:
                self.remove(offer.pk)
            return quantity
        self._check(offer, quantity)
        self.lines[offer.pk] = quantity
        self.save()
        return quantity

    def remove(self, offer_id: int) -> None:
        self.lines.pop(offer_id, None)
        self.save()
