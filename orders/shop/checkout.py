"""Checkout: the cart becomes an order (order_place), or changes the member's order of this cycle
(order_change_lines). Nothing is saved on a shortage or bad input, and the cart is kept."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from orders import selectors
from orders.emails import order_confirmation_on_commit
from orders.forms_shop import CheckoutForm
from orders.models import Order
from orders.services.ordering import OfferShortage, order_change_lines, order_place

from .common import cart_context, current_cycle, load_cart, shop_url


@require_http_methods(["GET", "HEAD", "POST"])
def checkout(request, coop_slug):
    """Members only (not coop_public): anonymous visitors are sent to the login page first."""
    cycle, open_cycles = current_cycle(request)
    if cycle is None:
        messages.error(request, _("There is no open order round at the moment."))
        return redirect("shop_home", coop_slug=coop_slug)
    customer = request.membership
    cart = load_cart(request, cycle)
    context = cart_context(request, cycle, cart)
    slots = selectors.pickup_slots(cycle)
    zones = selectors.delivery_zones()
    form = CheckoutForm(request.POST or None, slots=slots, business=customer.business_account_id is not None,
                        delivery=bool(zones))
    order = Order.objects.select_related("pickup__pickup_point", "delivery_zone").filter(
        pk=cart.order_id).first() if cart.order_id else None
    context.update(form=form, slots=slots, zones=zones, editing=order)

    if request.method == "POST":
        # A second submit of the same checkout (double click, reload) finds the order the first one made.
        earlier = selectors.order_by_idempotency_key(customer=customer, key=request.POST.get("idempotency_key", ""))
        if earlier is not None:
            return redirect("shop_order_detail", coop_slug=coop_slug, order_id=earlier.pk)
        if order is None and not form.is_valid():
            return render(request, "orders/shop/checkout.html", context, status=400)
        try:
            if order is not None:
                placed = order_change_lines(order_id=order.pk, lines=cart.as_order_lines(), customer=customer)
            else:
                placed, created = _place(form, customer=customer, cycle=cycle, lines=cart.as_order_lines())
                if not created:
                    return redirect("shop_order_detail", coop_slug=coop_slug, order_id=placed.pk)
        except OfferShortage as shortage:
            context["shortages"] = shortage.shortages
            return render(request, "orders/shop/checkout.html", context, status=409)
        except ValidationError as exc:
            context["order_errors"] = exc.messages
            return render(request, "orders/shop/checkout.html", context, status=400)
        cart.clear()
        order_confirmation_on_commit(placed, changed=order is not None)
        messages.success(request, _("Your order has been changed.") if order is not None
                         else _("Thank you! Your order has been placed."))
        return redirect("shop_order_detail", coop_slug=coop_slug, order_id=placed.pk)

    if not cart.lines and order is None:
        messages.info(request, _("Your cart is empty."))
        return redirect(shop_url(request, cycle if len(open_cycles) > 1 else None))
    return render(request, "orders/shop/checkout.html", context)


def _place(form, *, customer, cycle, lines) -> tuple[Order, bool]:
    """(order, created): False when a concurrent submit with the same key made the order."""
    key = str(form.cleaned_data["idempotency_key"])
    try:
        return order_place(customer=customer, cycle_id=cycle.pk, lines=lines, destination=form.destination(),
                           payment_method=form.cleaned_data["payment_method"], idempotency_key=key,
                           note=form.cleaned_data.get("note", "")), True
    except IntegrityError:
        # Two submits raced past the idempotency check; the database let one win: answer with that order.
        earlier = selectors.order_by_idempotency_key(customer=customer, key=key)
        if earlier is None:
            raise ValidationError(_("You already have an order in this cycle; change that order instead.")) from None
        return earlier, False
