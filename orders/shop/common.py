"""Helpers shared by the shop's views: who may see the shop, the request's cart, where to go back to."""

from django.http import Http404
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from orders import selectors
from orders.cart import Cart
from orders.models import OrderCycle


def check_shop_access(request) -> None:
    """Like the catalogue: a listed coop's shop is open to anyone, an unlisted one to its members only."""
    if not request.coop.is_listed and request.membership is None:
        raise Http404(_("Not found."))


def current_cycle(request) -> tuple[OrderCycle | None, list[OrderCycle]]:
    """The open cycle this request shops in (`?cycle=` / a form's `cycle` when several are open), and all
    open cycles."""
    cycles = selectors.cycles_open_for_orders(customer=request.membership)
    wanted = request.POST.get("cycle") or request.GET.get("cycle")
    return next((c for c in cycles if str(c.pk) == wanted), cycles[0] if cycles else None), cycles


def shop_url(request, cycle: OrderCycle | None = None) -> str:
    url = resolve_url("shop_home", coop_slug=request.coop.slug)
    return f"{url}?cycle={cycle.pk}" if cycle is not None else url


def load_cart(request, cycle: OrderCycle) -> Cart:
    """The request's cart for `cycle` (from current_cycle). A member who already ordered in this cycle edits
    that order."""
    cart = Cart(request.session, coop_id=request.coop.pk, cycle=cycle)
    if request.membership is None:
        return cart
    order_id = cycle.customer_order_id  # current_cycle read it with the cycle
    if order_id is None:
        if cart.order_id is not None:  # the order was cancelled meanwhile: the cart starts a new one
            cart.detach_order()
    elif cart.order_id != order_id:
        cart.attach_order(order_id, selectors.order_lines_quantities(order_id), merge=bool(cart.lines))
    return cart


def cart_context(request, cycle: OrderCycle, cart: Cart, pricing=None) -> dict:
    if cart.lines:
        pricing = pricing or selectors.shop_pricing(coop=request.coop, membership=request.membership, cycle=cycle)
        summary = selectors.cart_summary(lines=cart.lines, cycle=cycle, pricing=pricing, reserved=cart.reserved)
    else:  # nothing to price (no query for margins and contract prices)
        membership = request.membership
        summary = selectors.CartSummary(prices_include_vat=membership is None or not membership.business_account_id)
    # Where a plain (no-JavaScript) cart form comes back to: the page the cart is shown on.
    back = request.get_full_path()
    if request.htmx or request.method != "GET":
        back = request.htmx.current_url_abs_path if request.htmx else None
        if not back:
            back = safe_next(request, "shop_home")
    checkout_path = resolve_url("shop_checkout", coop_slug=request.coop.slug)
    return {"cart": summary, "cart_order_id": cart.order_id, "cycle": cycle, "back": back,
            "on_checkout": back.split("?")[0].endswith(checkout_path), "can_order": request.membership is not None}


def safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return resolve_url(default, coop_slug=request.coop.slug)
