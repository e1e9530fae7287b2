"""A customer's orders: the list, the confirmation page (payment reference, QR code), change and cancel
until the cut-off. Customers see their own orders only; fixers and admins see every order (read-only here)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from stdnum import iban as iban_format

from orders import selectors
from orders.cart import Cart
from orders.services.ordering import order_can_change, order_cancel

from .common import shop_url


@require_safe
def order_list(request, coop_slug):
    return render(request, "orders/shop/order_list.html", {"orders": selectors.orders_of(request.membership)})


def _detail(request, order, *, status=200, error=""):
    own = order.customer_id == request.membership.pk
    context = {
        "order": order,
        "summary": selectors.order_summary(order, coop=request.coop),
        "own": own,
        "can_change": own and order_can_change(order),
        "error": error,
        "iban": iban_format.format(request.coop.iban),
    }
    return render(request, "orders/shop/order_detail.html", context, status=status)


@require_safe
def order_detail(request, coop_slug, order_id):
    order = get_object_or_404(selectors.orders_visible_to(request.membership), pk=order_id)
    return _detail(request, order)


def _own_order(request, order_id):
    return get_object_or_404(selectors.orders_of(request.membership), pk=order_id)


def _refused(request, order):
    return _detail(request, order, status=400,
                   error=_("The cut-off has passed: this order can no longer be changed or cancelled."))


@require_POST
def order_change(request, coop_slug, order_id):
    """Back to the shop with the order's lines in the cart; checking out then changes this order."""
    order = _own_order(request, order_id)
    if not order_can_change(order):
        return _refused(request, order)
    cart = Cart(request.session, coop_id=request.coop.pk, cycle=order.cycle)
    cart.attach_order(order.pk, selectors.order_lines_quantities(order), merge=False)
    messages.info(request, _("Change your order %(number)s below, then confirm it at the checkout.")
                  % {"number": order.number})
    several = len(selectors.cycles_open_for_orders()) > 1
    return redirect(shop_url(request, order.cycle if several else None))


@require_http_methods(["GET", "HEAD", "POST"])
def order_cancel_view(request, coop_slug, order_id):
    """GET asks to confirm; POST cancels (reservations and the pickup slot are released)."""
    order = _own_order(request, order_id)
    if not order_can_change(order):
        return _refused(request, order)
    if request.method != "POST":
        return render(request, "orders/shop/order_cancel.html", {"order": order})
    try:
        order = order_cancel(order_id=order.pk, customer=request.membership)
    except ValidationError as exc:
        return _detail(request, order, status=400, error=" ".join(exc.messages))
    cart = Cart(request.session, coop_id=request.coop.pk, cycle=order.cycle)
    if cart.order_id == order.pk:
        cart.clear()
    messages.success(request, _("Your order %(number)s has been cancelled.") % {"number": order.number})
    return redirect("shop_order_detail", coop_slug=coop_slug, order_id=order.pk)
