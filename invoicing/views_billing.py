"""Billing pages under /<coop>/invoices/: the monthly run (preview, issue by hand, progress), billing
settings, bank statements and their matching (the coop's one statement import: invoices and webshop orders),
reminders, a payment recorded by hand, and a consumer asking for the invoice of a delivered order.
Thin: reads from selectors, writes through invoicing.services."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coop.bank import StatementError, parse_statement
from coop.tenancy.access import require_roles
from invoicing import selectors, selectors_billing
from invoicing.forms_billing import BillingSettingsForm, InvoicePaymentForm, MonthForm
from invoicing.models import BankTransaction, BillingRun, InvoiceReminder
from invoicing.services import matching, reminders, runs
from invoicing.services.calendar import month_end, next_monthly_run
from invoicing.tasks_billing import billing_run_task
from members.models import MANAGER_ROLES
from orders.forms_manage import StatementUploadForm
from orders.models import Order, Payment

manager_page = require_roles(*MANAGER_ROLES)


def _direct_order_payments() -> Prefetch:
    """What a transfer gave to orders directly (an order's share of an invoice payment shows as the invoice's)."""
    return Prefetch("order_payments", to_attr="direct_order_payments",
                    queryset=Payment.objects.filter(invoice__isnull=True).select_related("order"))


def _totals(plan) -> dict:
    return {"invoices": len(plan), "orders": sum(len(p.order_ids) for p in plan),
            "net": sum((p.total_net for p in plan), 0), "gross": sum((p.total_gross for p in plan), 0)}


@manager_page
@require_http_methods(["GET", "POST"])
def billing_home(request, coop_slug):
    """Preview the run of a month (which customers, which orders, totals) and issue it by hand."""
    coop = request.coop
    month_form = MonthForm(request.POST or request.GET or None)
    period = month_form.cleaned_data["month"] if month_form.is_bound and month_form.is_valid() else None
    if request.method == "POST" and period is not None:
        run = runs.billing_run_launch(coop=coop, period=period, trigger=BillingRun.Trigger.MANUAL,
                                      task=billing_run_task, user=request.user)
        messages.success(request, _("The invoices are being issued."))
        return redirect(f"{request.path}?month={period:%Y-%m}&run={run.pk}")
    plan = runs.billing_plan(coop=coop, until=month_end(period), monthly=True) if period else []
    today = timezone.localdate()
    context = {
        "month_form": month_form, "period": period, "plan": plan, "totals": _totals(plan),
        "settings_form": BillingSettingsForm(instance=runs.billing_settings(coop)),
        "runs": BillingRun.objects.select_related("job").order_by("-created_at")[:10],
        "next_run": next_monthly_run(today),
    }
    return render(request, "invoicing/billing/home.html", context, status=400 if month_form.errors else 200)


@manager_page
@require_POST
def billing_settings_save(request, coop_slug):
    settings = runs.billing_settings(request.coop)
    form = BillingSettingsForm(request.POST, instance=settings)
    if form.is_valid():
        data = dict(form.cleaned_data)
        runs.billing_settings_update(coop=request.coop, **data)
        messages.success(request, _("The billing settings are saved."))
        return redirect("invoice_billing", coop_slug=coop_slug)
    return render(request, "invoicing/billing/home.html", {
        "month_form": MonthForm(), "plan": [], "totals": _totals([]), "settings_form": form,
        "runs": BillingRun.objects.select_related("job").order_by("-created_at")[:10]}, status=400)


@manager_page
@require_http_methods(["GET", "POST"])
def payments_home(request, coop_slug):
    """Import a statement; what could not be matched stays listed below until matched or set aside."""
    form = StatementUploadForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        try:
            source, entries = parse_statement(form.cleaned_data["statement"].read())
        except StatementError as exc:
            form.add_error("statement", _("This file cannot be read: %(reason)s.") % {"reason": exc})
        else:
            report = matching.statement_import(entries=entries, source=source, user=request.user, coop=request.coop)
            messages.success(request, _("%(matched)s payment(s) matched to invoices, %(orders)s to orders, "
                                        "%(unmatched)s not matched, %(again)s already imported.") % {
                "matched": len(report.matched), "orders": len(report.orders), "unmatched": len(report.unmatched),
                "again": report.already_imported})
    return render(request, "invoicing/billing/payments.html", {
        "form": form, "report": report, "to_review": selectors_billing.transactions_to_review()[:200],
        "recent": BankTransaction.objects.exclude(status=BankTransaction.Status.UNMATCHED)
        .prefetch_related("allocations__invoice", _direct_order_payments())[:30],
    }, status=400 if form.errors else 200)



def _transaction_or_404(transaction_id: int) -> BankTransaction:
    tx = (BankTransaction.objects.prefetch_related("allocations__invoice", _direct_order_payments())
          .filter(pk=transaction_id).first())
    if tx is None:
        raise Http404(_("Not found."))
    return tx


def _candidates(tx: BankTransaction, query: str):
    invoices = selectors_billing.open_invoices().select_related("business_account")
    if query:
        invoices = invoices.filter(Q(number__icontains=query) | Q(buyer__name__icontains=query))
    found = list(invoices[:300])
    # Likely ones first: exactly the amount, then the oldest due.
    found.sort(key=lambda i: (i.open_amount != tx.amount, i.due_date or timezone.localdate()))
    return found[:60]


def _order_candidates(tx: BankTransaction, query: str):
    """Webshop orders not invoiced yet that still owe money (an invoiced order is paid on its invoice)."""
    orders = selectors_billing.open_orders()
    if query:
        orders = orders.filter(Q(number__icontains=query) | Q(customer__user__last_name__icontains=query)
                               | Q(customer__user__first_name__icontains=query)
                               | Q(customer__user__email__icontains=query))
    found = list(orders[:300])
    found.sort(key=lambda o: o.balance_due != tx.amount)
    return found[:60]


@manager_page
@require_http_methods(["GET", "POST"])
def transaction_detail(request, coop_slug, transaction_id):
    tx = _transaction_or_404(transaction_id)
    status = 200
    if request.method == "POST":
        ids = [int(v) for v in request.POST.getlist("invoice") if v.isdigit()]
        order_ids = [int(v) for v in request.POST.getlist("order") if v.isdigit()]
        try:
            numbers = matching.transaction_match_by_hand(transaction_id=tx.pk, invoice_ids=ids, order_ids=order_ids,
                                                         user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            status = 400
        else:
            messages.success(request, _("Matched to %(invoices)s.") % {"invoices": ", ".join(numbers)})
            return redirect("invoice_payments", coop_slug=coop_slug)
    query = request.GET.get("q", "").strip()[:60]
    return render(request, "invoicing/billing/transaction.html", {
        "tx": tx, "candidates": _candidates(tx, query), "orders": _order_candidates(tx, query), "q": query,
        "left": matching.transaction_left(tx)}, status=status)


@manager_page
@require_POST
def transaction_ignore(request, coop_slug, transaction_id):
    tx = _transaction_or_404(transaction_id)
    try:
        matching.transaction_ignore(transaction_id=tx.pk, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The bank entry is set aside."))
    return redirect("invoice_payments", coop_slug=coop_slug)


@manager_page
@require_GET
def reminders_list(request, coop_slug):
    return render(request, "invoicing/billing/reminders.html", {
        "due": reminders.reminders_due(coop=request.coop),
        "sent": InvoiceReminder.objects.select_related("invoice")[:100],
        "overdue": selectors_billing.open_invoices().filter(due_date__lt=timezone.localdate(),
                                                            business_account__isnull=False)
        .prefetch_related("reminders")[:200],
        "settings": runs.billing_settings(request.coop),
    })


@manager_page
@require_POST
def invoice_payment_record(request, coop_slug, invoice_id):
    invoice = selectors.invoice_with_parts(request.membership, invoice_id)
    if invoice is None:
        raise Http404(_("Not found."))
    form = InvoicePaymentForm(request.POST)
    if form.is_valid():
        try:
            matching.invoice_payment_record(invoice_id=invoice.pk, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The payment is recorded."))
    else:
        messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
    return redirect("invoice_detail", coop_slug=coop_slug, invoice_id=invoice.pk)


@require_POST
def invoice_request(request, coop_slug, order_id):
    """A consumer asks for the invoice of one of their delivered orders."""
    if not Order.objects.filter(pk=order_id, customer=request.membership, business_account__isnull=True).exists():
        raise Http404(_("Not found."))
    try:
        invoice = runs.invoice_on_request(membership=request.membership, order_id=order_id)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("my_invoices", coop_slug=coop_slug)
    messages.success(request, _("Your invoice %(number)s is ready.") % {"number": invoice.number})
    return redirect("invoice_detail", coop_slug=coop_slug, invoice_id=invoice.pk)
