"""Which invoices are issued when (issue 11 item 2).

- Business accounts invoiced monthly get one invoice per month over their delivered orders not yet invoiced
  (the monthly run, on the first working day of the next month: invoicing.tasks_billing).
- Business accounts invoiced per delivery get one invoice per delivered order, as soon as it is delivered.
- Consumers: when the coop invoices them automatically, one invoice per delivered order (delivered on or after
  the day that was switched on); otherwise only when they ask for it on their invoices page.

Only orders that were never on an invoice are picked up: an order whose invoice was credited is left to the
fixer (crediting it was a decision; re-invoicing it behind their back would undo it). Every invoice is drafted
and issued in one transaction, and the draft service locks the orders and refuses one that is already on an
invoice, so running twice, or two runs at the same time, never invoices an order twice.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Prefetch, Q, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from coop import money
from coop.services import job_report_progress
from invoicing.models import BillingRun, BillingSettings, DepositReturnCredit, Invoice
from logistics.services.closing import PACKING_CRATE_CODE
from members.models import BusinessAccount, Membership
from orders.models import Order, OrderLine

from .calendar import month_end
from .delivered import delivered, with_delivered
from .drafts import DepositReturn, invoice_draft_for_orders
from .issuing import invoice_issue

MONTHLY = BusinessAccount.InvoicingFrequency.MONTHLY


def billing_settings(coop) -> BillingSettings:
    settings, _created = BillingSettings.objects.get_or_create(coop=coop)
    return settings


def billing_settings_update(*, coop, consumer_invoices: str, **fields) -> BillingSettings:
    """Save the settings; switching consumer invoices to automatic starts from today's deliveries."""
    with transaction.atomic():
        settings = billing_settings(coop)
        settings = BillingSettings.objects.select_for_update().get(pk=settings.pk)
        automatic = BillingSettings.ConsumerInvoices.AUTOMATIC
        if consumer_invoices == automatic and settings.consumer_invoices != automatic:
            settings.automatic_since = timezone.localdate()
        settings.consumer_invoices = consumer_invoices
        for name, value in fields.items():
            setattr(settings, name, value)
        settings.full_clean()
        settings.save()
    return settings


@dataclass
class PlannedInvoice:
    """One invoice a run will issue: whose, which orders, and the orders' totals (before weighing changes)."""

    kind: str  # "monthly", "per_delivery" or "consumer"
    label: str
    order_ids: list[int]
    order_numbers: list[str]
    total_net: Decimal
    total_gross: Decimal
    business_account_id: int | None = None
    customer_id: int | None = None


@dataclass
class RunResult:
    issued: list[str] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"issued": self.issued, "issued_count": len(self.issued), "skipped": self.skipped}


def _never_invoiced(until: date):
    return (Order.objects.filter(status=Order.Status.DELIVERED, cycle__delivery_date__lte=until)
            .exclude(invoice_links__invoice__kind=Invoice.Kind.INVOICE))


def _has_something_delivered(order: Order) -> bool:
    return bool(order.delivery_fee) or any(delivered(line).quantity > 0 or
                                           (line.deposit_per_unit and delivered(line).sell_units > 0)
                                           for line in order.lines.all())


def billing_plan(*, coop, until: date, monthly: bool) -> list[PlannedInvoice]:
    """The invoices a run would issue now over orders delivered until `until`; `monthly` includes the
    business accounts invoiced per month (the monthly run), otherwise only per-delivery and consumer ones."""
    settings = billing_settings(coop)
    wanted = Q(business_account__invoicing_frequency=BusinessAccount.InvoicingFrequency.PER_DELIVERY)
    if monthly:
        wanted |= Q(business_account__invoicing_frequency=MONTHLY, prices_include_vat=False)
    if settings.consumer_invoices == BillingSettings.ConsumerInvoices.AUTOMATIC:
        wanted |= Q(business_account__isnull=True,
                    cycle__delivery_date__gte=settings.automatic_since or date.min)
    orders = (_never_invoiced(until).filter(wanted).select_related("business_account", "customer__user", "cycle")
              .prefetch_related(Prefetch("lines", queryset=with_delivered(OrderLine.objects.all())))
              .order_by("cycle__delivery_date", "number"))
    per_account: dict[int, list[Order]] = defaultdict(list)
    plan = []
    for order in orders:
        account = order.business_account
        if account is not None and account.invoicing_frequency == MONTHLY:
            per_account[account.pk].append(order)
        elif _has_something_delivered(order):
            plan.append(_planned("per_delivery" if account else "consumer", [order]))
    plan += [_planned("monthly", found) for found in per_account.values()
             if any(_has_something_delivered(o) for o in found)]
    return plan


def _planned(kind: str, orders: list[Order]) -> PlannedInvoice:
    first = orders[0]
    account = first.business_account
    label = account.name if account else (first.customer.user.get_full_name() or first.customer.user.email)
    return PlannedInvoice(kind=kind, label=label, order_ids=[o.pk for o in orders],
                          order_numbers=[o.number for o in orders],
                          total_net=sum((o.total_net for o in orders), money.ZERO),
                          total_gross=sum((o.total_gross for o in orders), money.ZERO),
                          business_account_id=account.pk if account else None,
                          customer_id=None if account else first.customer_id)


def _returns_to_credit(planned: PlannedInvoice, until: date) -> tuple[list[DepositReturn], list[int]]:
    """Returned product deposits (bottles, jars ...) of this customer not credited yet, booked until `until`,
    as long as the invoice stays positive."""
    from logistics.models import DepositMovement  # the crate ledger; read only

    if planned.business_account_id:
        customers = list(Membership.objects.filter(business_account_id=planned.business_account_id)
                         .values_list("pk", flat=True))
    else:
        customers = [planned.customer_id]
    credited = DepositReturnCredit.objects.values("movement_id")
    # The packing crate is lent with packed orders but never charged, so never credited on return.
    movements = (DepositMovement.objects.filter(customer_id__in=customers, direction=DepositMovement.Direction.BACK,
                                                created_at__date__lte=until)
                 .exclude(item__code=PACKING_CRATE_CODE).exclude(pk__in=credited)
                 .select_related("item").order_by("created_at", "pk"))
    room = (OrderLine.objects.filter(order_id__in=planned.order_ids)
            .aggregate(total=Sum(F("line_amount") + F("line_deposit")))["total"] or money.ZERO)
    returns, used = [], []
    for movement in movements:
        value = money.round_amount(movement.quantity * movement.item.value)
        if value > room:
            break
        room -= value
        returns.append(DepositReturn(description=movement.item.name_nl, quantity=Decimal(movement.quantity),
                                     unit_value=movement.item.value))
        used.append(movement.pk)
    return returns, used


def invoice_planned(planned: PlannedInvoice, *, until: date, issue_date: date | None = None, user=None,
                    dispatch: bool = True) -> Invoice:
    """Draft and issue one planned invoice in one transaction (all or nothing)."""
    with transaction.atomic():
        returns, used = _returns_to_credit(planned, until)
        draft = invoice_draft_for_orders(orders=planned.order_ids, returned_deposits=returns, created_by=user)
        DepositReturnCredit.objects.bulk_create([DepositReturnCredit(coop=draft.coop, movement_id=pk, invoice=draft)
                                                 for pk in used])
        return invoice_issue(invoice_id=draft.pk, issue_date=issue_date, dispatch=dispatch)


def billing_issue(*, coop, until: date, monthly: bool, job_id: int | None = None, issue_date: date | None = None,
                  user=None, dispatch: bool = True) -> RunResult:
    """Issue every planned invoice; one that cannot be issued is reported and does not stop the others."""
    plan = billing_plan(coop=coop, until=until, monthly=monthly)
    result = RunResult()
    for done, planned in enumerate(plan, start=1):
        try:
            invoice = invoice_planned(planned, until=until, issue_date=issue_date, user=user, dispatch=dispatch)
        except (ValidationError, IntegrityError) as exc:
            # Typically another run (or a fixer) invoiced one of these orders meanwhile: nothing is lost.
            reason = " ".join(exc.messages) if isinstance(exc, ValidationError) else _("Changed meanwhile.")
            result.skipped.append({"customer": planned.label, "orders": planned.order_numbers, "reason": reason})
        else:
            result.issued.append(invoice.number)
        if job_id is not None:
            job_report_progress(job_id=job_id, progress=int(done * 99 / len(plan)),
                                message=_("%(done)s of %(total)s invoices") % {"done": done, "total": len(plan)})
    return result


def billing_run(*, coop, period: date, job_id: int | None = None, issue_date: date | None = None, user=None,
                dispatch: bool = True) -> RunResult:
    """The monthly run over `period` (a month's first day): monthly business invoices over orders delivered
    until the month's end, plus any per-delivery and automatic consumer invoice still missing. Idempotent."""
    return billing_issue(coop=coop, until=month_end(period), monthly=True, job_id=job_id, issue_date=issue_date,
                         user=user, dispatch=dispatch)


def billing_run_launch(*, coop, period: date, trigger: str, task, user=None) -> BillingRun | None:
    """Record a run and queue `task(coop_id, job_id=, run_id=)` after commit. The scheduled run of a month is
    launched once (None when it already was)."""
    from coop.services import job_create
    from coop.tenancy.tasks import enqueue_on_commit

    try:
        with transaction.atomic():
            run = BillingRun.objects.create(coop=coop, period=period, trigger=trigger, created_by=user)
            with translation.override(coop.default_language):
                job = job_create(coop=coop, kind="invoicing.billing_run", created_by=user,
                                 message=_("Invoices for %(month)s") % {"month": period.strftime("%m/%Y")})
            BillingRun.objects.filter(pk=run.pk).update(job=job)
            run.job = job
            enqueue_on_commit(task, coop.pk, job_id=job.pk, run_id=run.pk)
    except IntegrityError:
        return None
    return run


def invoice_on_request(*, membership: Membership, order_id: int) -> Invoice:
    """A consumer asks for the invoice of one of their delivered orders: issued now, or the one already there."""
    order = Order.objects.filter(pk=order_id, customer=membership, business_account__isnull=True).first()
    if order is None:
        raise ValidationError(_("This order does not exist."))
    existing = (Invoice.objects.filter(order_links__order=order, kind=Invoice.Kind.INVOICE,
                                       status=Invoice.Status.ISSUED).order_by("-pk").first())
    if existing is not None:
        return existing
    if order.status != Order.Status.DELIVERED:
        raise ValidationError(_("An invoice can be asked for once the order is delivered."))
    planned = _planned("consumer", [order])
    return invoice_planned(planned, until=timezone.localdate(), user=membership.user)


def orders_to_request(membership: Membership):
    """The member's delivered consumer orders without an invoice (for the "ask for an invoice" buttons)."""
    return (_never_invoiced(timezone.localdate()).filter(customer=membership, business_account__isnull=True)
            .select_related("cycle").order_by("-cycle__delivery_date")[:20])
