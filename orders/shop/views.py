"""The shop front and the cart. Anyone may browse a listed coop's shop and fill a cart; ordering needs a login.

Cart changes answer htmx requests with the cart fragment (plus out-of-band updates of the product's note)
and plain form posts with a redirect back, so the shop works without JavaScript.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from catalog import selectors as catalog
from coop.numbers import display
from coop.tenancy.access import coop_public
from orders import selectors
from orders.cart import parse_quantity
from orders.forms_shop import CartLineForm

from . import listing, page_cache
from .common import cart_context, check_shop_access, current_cycle, load_cart, safe_next


@coop_public
@require_safe
def shop(request, coop_slug):
    check_shop_access(request)
    kept = page_cache.lookup(request)
    if isinstance(kept, HttpResponse):
        return kept
    cycle, open_cycles = current_cycle(request)
    if cycle is None:
        return render(request, "orders/shop/closed.html", {"next_cycle": selectors.cycle_next_opening()})
    several = len(open_cycles) > 1
    listed = listing.lookup(request, cycle.pk, several=several)  # its tokens before the cart's offers are read
    cart = load_cart(request, cycle)
    # Prices are computed only when something needs them: a cart with lines, a listing not in the cache.
    pricing = selectors.shop_pricing(coop=request.coop, membership=request.membership, cycle=cycle) if cart else None
    context = cart_context(request, cycle, cart, pricing)
    found = listing.shop_listing(request, cycle, listed, several=several, pricing=pricing)
    context.update(listing_filters=page_cache.FILTERS_MARK, listing_results=page_cache.RESULTS_MARK,
                   csrf_token=page_cache.CSRF_PLACEHOLDER, open_cycles=open_cycles,
                   business_prices=not context["cart"].prices_include_vat)
    shell = render_to_string("orders/shop/shop.html", context, request).encode()
    page_cache.keep(request, kept, cycle=cycle, open_cycles=open_cycles, listed=listed, status=found.status,
                    shell=shell, cart_lines=cart.lines)
    return HttpResponse(page_cache.page(shell, found, cart.lines, request), status=found.status)


@coop_public
@require_safe
def cart_page(request, coop_slug):
    check_shop_access(request)
    cycle, _open = current_cycle(request)
    if cycle is None:
        return redirect("shop_home", coop_slug=coop_slug)
    context = cart_context(request, cycle, load_cart(request, cycle))
    template = "orders/shop/_cart.html" if request.htmx else "orders/shop/cart.html"
    return render(request, template, context)


def _change_cart(request, coop_slug, change):
    """Apply `change(cart, offer, quantity) -> success message` and answer htmx or a plain post."""
    check_shop_access(request)
    cycle, _open = current_cycle(request)
    if cycle is None:
        messages.error(request, _("There is no open order round at the moment."))
        return redirect("shop_home", coop_slug=coop_slug)
    cart = load_cart(request, cycle)
    form = CartLineForm(request.POST)
    offer, note, ok = None, "", False
    if not form.is_valid():
        note = _("Choose a product and a quantity.")
    else:
        offer = selectors.offers_with_products(cycle=cycle, offer_ids=[form.cleaned_data["offer"]]).get(
            form.cleaned_data["offer"])
        try:
            note, ok = change(cart, offer, form.cleaned_data["offer"], form.cleaned_data["quantity"]), True
        except ValidationError as exc:
            note = " ".join(exc.messages)
    if request.htmx:
        context = cart_context(request, cycle, cart)
        offer_id = form.cleaned_data.get("offer") if form.is_valid() else None
        context.update(note=note, note_ok=ok, offer_id=offer_id, in_cart=cart.lines.get(offer_id))
        return render(request, "orders/shop/_cart_response.html", context)
    (messages.success if ok else messages.error)(request, note)
    return redirect(safe_next(request, "shop_home"))


def _product_name(offer):
    return catalog.localized(offer.product, "name")


@coop_public
@require_POST
def cart_add(request, coop_slug):
    def add(cart, offer, offer_id, raw):
        quantity = cart.add(offer, parse_quantity(raw or "1"))
        return _("%(product)s: %(quantity)s in your cart.") % {"product": _product_name(offer),
                                                               "quantity": display(quantity)}

    return _change_cart(request, coop_slug, add)


@coop_public
@require_POST
def cart_update(request, coop_slug):
    def update(cart, offer, offer_id, raw):
        quantity = parse_quantity(raw)
        if quantity == 0 and offer is None:
            cart.remove(offer_id)
            return _("Removed from your cart.")
        cart.set(offer, quantity)
        if quantity == 0:
            return _("%(product)s removed from your cart.") % {"product": _product_name(offer)}
        return _("%(product)s: %(quantity)s in your cart.") % {"product": _product_name(offer),
                                                               "quantity": display(quantity)}

    return _change_cart(request, coop_slug, update)


@coop_public
@require_POST
def cart_remove(request, coop_slug):
    def remove(cart, offer, offer_id, raw):
        cart.remove(offer_id)
        return _("Removed from your cart.")

    return _change_cart(request, coop_slug, remove)
