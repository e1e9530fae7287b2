"""Placing standing orders: every due one exactly once per cycle, with every decision recorded.

How "exactly once" holds (DESIGN.md section 5):
1. Claim: a `StandingOrderRun` row (status "claimed") is created in its own short transaction;
   UNIQUE (standing_order, cycle) means concurrent workers and retries all find the same row.
2. Place: a second transaction locks that row (FOR UPDATE, re-checking status = claimed), places the order
   and sets the final status; the order and the status commit together or not at all. A worker that dies
   halfway leaves the row "claimed" and unlocked (PostgreSQL rolls back and drops the lock of a lost
   connection), so the next attempt completes it; a concurrent worker waits for the lock and then finds
   the run finished.
Unexpected errors are counted on the run (attempts, last_error) and retried by the task; after
MAX_ATTEMPTS the run is marked failed, so it shows up for the fixer and the account is told.
"""

import logging
from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from catalog.pricing import PricingContext
from catalog.services import product_is_sellable
from coop.numbers import display, plain
from members.models import BusinessAccount, Membership, Role
from orders.models import Offer, Order, OrderCycle, OrderLine, StandingOrder, StandingOrderLine, StandingOrderRun
from orders.selectors_b2b import pause_on, standing_orders_for_cycle

from .b2b import account_order_in_cycle, minimum_waived
from .ordering import Destination, OfferShortage, order_change_lines, order_place

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
Status = StandingOrderRun.Status


class StandingPlacementError(Exception):
    """Some standing orders hit an unexpected error; their runs stay claimed and the task retries."""


@dataclass
class Candidate:
    line: StandingOrderLine
    offer: Offer
    quantity: Decimal
    substituted: bool = False
    notes: list[str] = field(default_factory=list)


def _fit(quantity: Decimal, product) -> Decimal:
    """Round down to the product's order step; zero when below its minimum."""
    step = product.order_step or Decimal("1")
    fitted = (quantity / step).to_integral_value(rounding=ROUND_FLOOR) * step
    return fitted if fitted >= product.min_quantity and fitted > 0 else Decimal("0")


class _Planner:
    """Turns the standing lines into order lines for one cycle, following each line's rule."""

    def __init__(self, standing_order: StandingOrder, cycle: OrderCycle):
        self.cycle = cycle
        self.lines = list(standing_order.lines.select_related("product", "substitute").order_by("pk"))
        product_ids = {ln.product_id for ln in self.lines} | {ln.substitute_id for ln in self.lines if ln.substitute_id}
        self.offers = {o.product_id: o for o in Offer.objects.filter(cycle=cycle, product_id__in=product_ids)
                       .select_related("product")}
        self.pricing = PricingContext(coop=cycle.coop, account=standing_order.account, at=cycle.opens_at)
        self.candidates: dict[int, Candidate] = {}  # by offer id
        self.skipped: dict[int, str] = {}  # line id -> reason

    def unavailable(self, product) -> str:
        offer = self.offers.get(product.pk)
        if offer is None:
            return _("not offered this cycle")
        if offer.is_withdrawn:
            return _("withdrawn by the producer")
        sellable, reason = product_is_sellable(product)
        if not sellable:
            return str(reason)
        if self.pricing.price(product, producer_price=offer.price) is None:
            return _("has no price")
        if offer.remaining is not None and offer.remaining <= 0:
            return _("sold out")
        return ""

    def plan(self) -> None:
        for line in self.lines:
            reason = self.unavailable(line.product)
            quantity = _fit(line.quantity, line.product)
            if not reason and quantity == 0:
                reason = _("the quantity does not fit the product's order step or minimum")
            if not reason:
                self.candidates[self.offers[line.product_id].pk] = Candidate(line, self.offers[line.product_id],
                                                                             quantity)
            else:
                self.fallback(line, reason)

    def fallback(self, line: StandingOrderLine, reason: str, left: Decimal | None = None) -> None:
        """The line's rule when its product is missing or short (`left`: what is still available)."""
        name = line.product.name_nl
        if line.rule == StandingOrderLine.Rule.TAKE_REMAINING and left is not None:
            quantity = _fit(left, line.product)
            if quantity > 0:
                offer = self.offers[line.product_id]
                self.candidates[offer.pk] = Candidate(line, offer, quantity, notes=[
                    _("only %(left)s left of %(product)s") % {"left": display(left), "product": name}])
                return
        if line.rule == StandingOrderLine.Rule.SUBSTITUTE and line.substitute_id:
            substitute = line.substitute
            why = self.unavailable(substitute)
            offer = self.offers.get(substitute.pk)
            quantity = _fit(line.quantity, substitute)
            if not why and offer.pk in self.candidates:
                why = _("already on the order")
            if not why and quantity == 0:
                why = _("the quantity does not fit its order step")
            if not why:
                self.candidates[offer.pk] = Candidate(line, offer, quantity, substituted=True, notes=[
                    _("%(product)s %(reason)s; substituted by %(substitute)s")
                    % {"product": name, "reason": reason, "substitute": substitute.name_nl}])
                return
            reason = _("%(reason)s; substitute %(substitute)s: %(why)s") % {
                "reason": reason, "substitute": substitute.name_nl, "why": why}
        self.skipped[line.pk] = f"{name}: {reason}"

    def handle_shortages(self, shortages) -> None:
        for shortage in shortages:
            candidate = self.candidates.pop(shortage.offer_id)
            line = candidate.line
            reason = _("only %(left)s left") % {"left": display(shortage.remaining)}
            if candidate.substituted:
                self.skipped[line.pk] = _("%(product)s: not available, and the substitute is short (%(reason)s)") % {
                    "product": line.product.name_nl, "reason": reason}
            else:
                self.fallback(line, reason, left=shortage.remaining)

    def order_lines(self) -> list[dict]:
        return [{"offer": offer_id, "quantity": c.quantity} for offer_id, c in sorted(self.candidates.items())]

    def outcomes(self, *, placed: bool = True) -> list[dict]:
        """One row per standing line; `placed=False` when the order as a whole was not placed."""
        placed = {c.line.pk: c for c in self.candidates.values()} if placed else {}
        rows = []
        for line in self.lines:
            candidate = placed.get(line.pk)
            row = {"line_id": line.pk, "product_id": line.product_id, "product": line.product.name_nl,
                   "requested": plain(line.quantity)}
            if candidate is None:
                row.update(placed="0", outcome="skipped", reason=self.skipped.get(line.pk, ""))
            else:
                outcome = ("substituted" if candidate.substituted
                           else "reduced" if candidate.quantity < line.quantity else "placed")
                row.update(placed=plain(candidate.quantity), outcome=outcome,
                           placed_product_id=candidate.offer.product_id, placed_product=candidate.offer.product.name_nl,
                           reason="; ".join(candidate.notes))
            rows.append(row)
        return rows


def _customer_for(standing_order: StandingOrder) -> Membership | None:
    """The person the order is placed for: the chosen one, else any active business user of the account."""
    customer = standing_order.customer
    if customer.left_at is None and customer.business_account_id == standing_order.account_id:
        return customer
    return (Membership.objects.filter(business_account_id=standing_order.account_id, left_at__isnull=True,
                                      roles__contains=[Role.BUSINESS]).order_by("pk").first())


def _place(run: StandingOrderRun, standing_order: StandingOrder, cycle: OrderCycle) -> bool:
    """Fill in the run (status, order, outcomes, message) inside the caller's transaction.
    Returns whether to tell the account (not for a pause they asked for themselves)."""
    pause = pause_on(standing_order, cycle.delivery_date)
    if pause is not None:
        run.status = Status.SKIPPED
        run.message = _("Paused from %(start)s to %(end)s%(reason)s.") % {
            "start": pause.start.strftime("%d/%m/%Y"), "end": pause.end.strftime("%d/%m/%Y"),
            "reason": f" ({pause.reason})" if pause.reason else ""}
        return False
    customer = _customer_for(standing_order)
    if customer is None:
        run.status, run.message = Status.FAILED, _("The account has no active business user to order for.")
        return True
    existing = account_order_in_cycle(account=standing_order.account, cycle_id=cycle.pk)
    if existing is not None and not StandingOrderRun.objects.filter(cycle=cycle, order=existing).exists():
        run.status, run.order = Status.SKIPPED, existing
        run.message = _("The account already ordered for this cycle (order %(number)s); that order was kept "
                        "as it is.") % {"number": existing.number}
        return True
    planner = _Planner(standing_order, cycle)
    planner.plan()
    for _attempt in range(2 * len(planner.lines) + 2):  # every retry drops or shrinks a line: it ends
        if not planner.candidates:
            break
        try:
            with transaction.atomic(), minimum_waived():
                run.order = _order_for(existing, customer, cycle, standing_order, planner.order_lines())
            break
        except OfferShortage as exc:
            planner.handle_shortages(exc.shortages)
        except ValidationError as exc:
            run.status, run.message = Status.FAILED, " ".join(exc.messages)[:500]
            run.outcomes = planner.outcomes(placed=False)
            return True
    run.outcomes = planner.outcomes(placed=run.order is not None)
    if run.order is None:
        run.status, run.message = Status.FAILED, _("Nothing of this standing order could be placed.")
    elif all(row["outcome"] == "placed" for row in run.outcomes):
        run.status, run.message = Status.PLACED, _("Placed as usual.")
    else:
        run.status, run.message = Status.PARTLY_PLACED, _("Placed with changes; see the lines.")
    return True


def _order_for(existing, customer, cycle, standing_order, lines) -> Order:
    if existing is None:
        return order_place(customer=customer, cycle_id=cycle.pk, lines=lines,
                           destination=Destination(Order.Fulfilment.BUSINESS),
                           payment_method=Order.PaymentMethod.INVOICE,
                           purchase_order_reference=standing_order.purchase_order_reference,
                           note=_("Standing order: %(name)s") % {"name": standing_order.name})
    # Another standing order of the account already placed this cycle's order: add to it.
    merged = dict(OrderLine.objects.filter(order=existing).values_list("offer_id", "quantity"))
    for line in lines:
        merged[line["offer"]] = merged.get(line["offer"], Decimal("0")) + line["quantity"]
    return order_change_lines(order_id=existing.pk, lines=[{"offer": k, "quantity": v} for k, v in merged.items()])


def _claim(standing_order: StandingOrder, cycle: OrderCycle) -> StandingOrderRun:
    with transaction.atomic():
        run, _created = StandingOrderRun.objects.get_or_create(
            standing_order=standing_order, cycle=cycle, defaults={"coop": cycle.coop})
    return run


def standing_order_place(*, standing_order: StandingOrder, cycle: OrderCycle, notify: bool = True) -> StandingOrderRun:
    """Place one standing order in one cycle, at most once. Returns its run (final, or still claimed when
    an unexpected error occurred; the caller retries)."""
    run = _claim(standing_order, cycle)
    if run.status != Status.CLAIMED:
        return run
    StandingOrderRun.objects.filter(pk=run.pk, status=Status.CLAIMED).update(attempts=F("attempts") + 1)
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '60s'")  # a stuck lock: error, counted, retried
            locked = StandingOrderRun.objects.select_for_update(of=("self",)).filter(
                pk=run.pk, status=Status.CLAIMED).first()
            if locked is None:  # another worker finished it while we waited for the lock
                return StandingOrderRun.objects.get(pk=run.pk)
            BusinessAccount.objects.select_for_update().filter(pk=standing_order.account_id).first()
            tell = _place(locked, standing_order, cycle)
            locked.finished_at = timezone.now()
            locked.last_error = ""
            locked.save()
            if tell and notify:
                transaction.on_commit(lambda: standing_run_notify(run_id=locked.pk))
        return locked
    except Exception as exc:
        logger.exception("standing order %s in cycle %s failed", standing_order.pk, cycle.pk)
        _record_error(run, exc)
        return StandingOrderRun.objects.get(pk=run.pk)


def _record_error(run: StandingOrderRun, exc: Exception) -> None:
    error = f"{type(exc).__name__}: {exc}"[:500]
    with transaction.atomic():
        current = StandingOrderRun.objects.select_for_update().filter(pk=run.pk, status=Status.CLAIMED).first()
        if current is None:
            return
        current.last_error = error
        if current.attempts >= MAX_ATTEMPTS:
            current.status, current.finished_at = Status.FAILED, timezone.now()
            current.message = _("Could not be placed after %(n)s attempts.") % {"n": current.attempts}
            transaction.on_commit(lambda: standing_run_notify(run_id=current.pk))
        current.save(update_fields=["last_error", "status", "finished_at", "message"])


def standing_orders_place_for_cycle(*, cycle: OrderCycle, notify: bool = True) -> dict[str, int]:
    """Place every standing order due in the cycle exactly once; returns counts per run status.

    Raises StandingPlacementError after doing all it can when some hit an unexpected error."""
    counts: Counter = Counter()
    finished = set(StandingOrderRun.objects.filter(cycle=cycle, status__in=StandingOrderRun.FINAL)
                   .values_list("standing_order_id", flat=True))
    for standing_order in standing_orders_for_cycle(cycle):
        if standing_order.pk in finished:
            counts["already"] += 1
            continue
        run = standing_order_place(standing_order=standing_order, cycle=cycle, notify=notify)
        counts[run.status] += 1
    if counts[Status.CLAIMED]:
        raise StandingPlacementError(f"{counts[Status.CLAIMED]} standing order(s) to retry in cycle {cycle.pk}")
    return dict(counts)


def standing_order_run_retry(*, run: StandingOrderRun, user=None) -> bool:
    """Let a failed run be tried again (the fixer fixed the cause); the next tick or task places it."""
    with transaction.atomic():
        reopened = StandingOrderRun.objects.filter(pk=run.pk, status=Status.FAILED).update(
            status=Status.CLAIMED, attempts=0, last_error="", finished_at=None, resolved_at=None, message="")
        if reopened:
            from orders.tasks import standing_orders_place as task

            transaction.on_commit(lambda: task.delay(run.coop_id, run.cycle_id))
    return bool(reopened)


def standing_order_run_resolve(*, run: StandingOrderRun, user) -> None:
    StandingOrderRun.objects.filter(pk=run.pk, resolved_at__isnull=True).update(resolved_at=timezone.now(),
                                                                               resolved_by=user)


# --- telling the account --------------------------------------------------------------------------------

def run_recipients(account: BusinessAccount) -> list[str]:
    emails = {account.invoice_email} if account.invoice_email else set()
    emails |= set(Membership.objects.filter(business_account=account, left_at__isnull=True,
                                            roles__contains=[Role.BUSINESS]).values_list("user__email", flat=True))
    return sorted(e.lower() for e in emails if e)


def standing_run_notify(*, run_id: int) -> None:
    """E-mail the account what was placed and what not (after commit; a mail error never undoes the order)."""
    run = (StandingOrderRun.objects.select_related("standing_order__account__coop", "cycle", "order")
           .filter(pk=run_id, notified_at__isnull=True).first())
    if run is None:
        return
    account = run.standing_order.account
    recipients = run_recipients(account)
    if not recipients:
        return
    coop = account.coop
    with translation.override(coop.default_language):
        url = settings.SITE_URL.rstrip("/") + reverse("b2b_quick_order", kwargs={"coop_slug": coop.slug})
        subject = _("Standing order %(name)s for %(cycle)s: %(status)s") % {
            "name": run.standing_order.name, "cycle": run.cycle.name, "status": run.get_status_display()}
        body = render_to_string("orders/b2b/email/standing_run.txt",
                                {"run": run, "account": account, "coop": coop, "url": url})
    try:
        send_mail(subject, body, None, recipients)
    except Exception:  # the order stands; the fixer's overview still shows the run
        logger.exception("could not e-mail standing order run %s", run_id)
        return
    StandingOrderRun.objects.filter(pk=run_id).update(notified_at=timezone.now())
