"""Orders of a cycle with totals and payment status, marking a payment by hand.

Bank statements are imported on the one Payments page (invoicing), which matches orders and invoices alike;
the old import address here sends there."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from coop.payments import ogm_display
from invoicing.services.matching import order_payment_record
from orders.forms_manage import PaymentForm
from orders.models import Order, OrderCycle

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
    """Record money received for an order (bank transfer seen by hand, cash at pickup ...); once the order is
    invoiced, the money goes to its invoice, which the order follows."""
    order = get_object_or_404(Order, pk=order_id)
    form = PaymentForm(request.POST, prefix=f"o{order.pk}")
    if form.is_valid():
        try:
            order_payment_record(order_id=order.pk, amount=form.cleaned_data["amount"],
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
    """Retired: statements are imported once, on the Payments page. A POSTed upload follows with 307 (method and
    file kept), so an old form or script still lands in the one import."""
    target = reverse("invoice_payments", kwargs={"coop_slug": coop_slug})
    response = HttpResponseRedirect(target)
    if request.method == "POST":
        response.status_code = 307
    return response
