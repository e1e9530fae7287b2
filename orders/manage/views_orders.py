"""Orders of a cycle with totals and payment status, marking a payment by hand, importing a bank statement."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from coop.bank import StatementError, parse_statement
from coop.payments import ogm_display
from orders.forms_manage import PaymentForm, StatementUploadForm
from orders.models import Order, OrderCycle
from orders.services.payments import payment_record, payments_import_statement

from . import selectors
from .access import manager_page
from .common import add_errors


@manager_page
def cycle_orders(request, coop_slug, cycle_id):
    cycle = get_object_or_404(OrderCycle, pk=cycle_id)
    orders = list(selectors.cycle_orders(cycle))
    today = timezone.localdate()
    for order in orders:
        order.ogm = ogm_display(order.payment_reference)
        if order.status != Order.Status.CANCELLED and order.balance_due > 0:
            order.payment_form = PaymentForm(initial={"amount": order.balance_due, "received_on": today},
                                             prefix=f"o{order.pk}")
    context = {"cycle": cycle, "orders": orders, "totals": selectors.cycle_order_totals(cycle)}
    return render(request, "orders/manage/cycle_orders.html", context)


@manager_page
@require_POST
def order_payment(request, coop_slug, order_id):
    """Record money received for an order (bank transfer seen by hand, cash at pickup ...)."""
    order = get_object_or_404(Order, pk=order_id)
    form = PaymentForm(request.POST, prefix=f"o{order.pk}")
    if form.is_valid():
        try:
            payment_record(order_id=order.pk, amount=form.cleaned_data["amount"],
                           received_on=form.cleaned_data["received_on"], user=request.user)
        except ValidationError as exc:
            add_errors(form, exc)
    if form.errors:
        messages.error(request, _("Payment for %(order)s not recorded: %(errors)s") % {
            "order": order.number, "errors": " ".join(m for errors in form.errors.values() for m in errors)})
    else:
        messages.success(request, _("Payment of € %(amount)s recorded for %(order)s.")
                         % {"amount": form.cleaned_data["amount"], "order": order.number})
    return redirect("manage_cycle_orders", coop_slug=coop_slug, cycle_id=order.cycle_id)


@manager_page
@require_http_methods(["GET", "POST"])
def statement_import(request, coop_slug):
    """Upload a CAMT.053 or CODA statement: credits are matched on the OGM; importing twice adds nothing."""
    form = StatementUploadForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        try:
            source, entries = parse_statement(form.cleaned_data["statement"].read())
        except StatementError as exc:
            form.add_error("statement", _("This file cannot be read: %(reason)s.") % {"reason": exc})
        else:
            report = payments_import_statement(entries=entries, source=source, user=request.user)
            messages.success(request, _("%(matched)s payment(s) matched, %(again)s already imported, "
                                        "%(unmatched)s not matched.") % {
                "matched": len(report.matched), "again": len(report.already_imported),
                "unmatched": len(report.unmatched)})
    return render(request, "orders/manage/statement_import.html", {"form": form, "report": report},
                  status=400 if form.errors else 200)
