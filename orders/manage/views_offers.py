"""Producers post what they can supply per cycle (fixers and admins for any producer): cap or unlimited,
an optional price for the week, reduce or withdraw (never below what is ordered), "copy last week"."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from catalog.models import Product
from coop.numbers import display
from coop.tenancy.access import has_coop_role
from members.models import MANAGER_ROLES
from orders.forms_manage import OfferForm
from orders.models import Offer, OrderCycle
from orders.services.offers import offer_post, offer_withdraw, offers_copy_last_week

from . import selectors
from .access import offers_page, own_producer, producer_for


@offers_page
def offer_home(request, coop_slug):
    """The draft and open cycles; a fixer also picks the producer to act for."""
    is_manager = has_coop_role(request, *MANAGER_ROLES)
    context = {"cycles": list(selectors.cycles_live()), "own": own_producer(request), "is_manager": is_manager,
               "producers": list(selectors.producers_all()) if is_manager else []}
    return render(request, "orders/offers/home.html", context)


def _live_cycle(cycle_id: int) -> OrderCycle:
    return get_object_or_404(OrderCycle, pk=cycle_id, status__in=selectors.LIVE)


def _page(request, cycle, producer, *, bound: OfferForm | None = None, status: int = 200):
    rows = selectors.producer_offer_rows(producer=producer, cycle=cycle)
    for row in rows:
        if bound is not None and bound.data.get("product") == str(row.product.pk):
            row.form = bound
        else:
            offer = row.offer
            initial = {"product": row.product.pk}
            if offer is not None and not offer.is_withdrawn:
                initial.update(quantity_cap=offer.quantity_cap, price=offer.price)
            row.form = OfferForm(initial=initial, auto_id=f"id_%s_{row.product.pk}")
    own = own_producer(request)
    context = {"cycle": cycle, "producer": producer, "rows": rows, "acting_for_other": own is None or own != producer,
               "previous": selectors.producer_previous_cycle(producer=producer, cycle=cycle)}
    return render(request, "orders/offers/edit.html", context, status=status)


@offers_page
@require_http_methods(["GET", "POST"])
def offer_edit(request, coop_slug, cycle_id, producer_id):
    """One producer's offers in one cycle; POST posts (or changes) the offer of one product."""
    producer = producer_for(request, producer_id)
    cycle = _live_cycle(cycle_id)
    if request.method == "GET":
        return _page(request, cycle, producer)
    form = OfferForm(request.POST, auto_id=f"id_%s_{request.POST.get('product', '')}")
    if form.is_valid():
        product = Product.objects.filter(pk=form.cleaned_data["product"], producer=producer).first()
        if product is None:
            form.add_error(None, _("This product is not one of this producer's."))
        else:
            try:
                offer = offer_post(cycle=cycle, product=product, quantity_cap=form.cleaned_data["quantity_cap"],
                                   price=form.cleaned_data["price"], user=request.user)
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("%(product)s offered: %(amount)s.") % {
                    "product": product.name_nl,
                    "amount": display(offer.quantity_cap) if offer.quantity_cap is not None else _("unlimited")})
                return redirect("manage_offer_edit", coop_slug=coop_slug, cycle_id=cycle.pk, producer_id=producer.pk)
    return _page(request, cycle, producer, bound=form, status=400)


@offers_page
@require_POST
def offer_copy(request, coop_slug, cycle_id, producer_id):
    producer = producer_for(request, producer_id)
    cycle = _live_cycle(cycle_id)
    try:
        copied = offers_copy_last_week(producer=producer, cycle=cycle, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(count)s offer(s) copied from the previous cycle.") % {"count": len(copied)})
    return redirect("manage_offer_edit", coop_slug=coop_slug, cycle_id=cycle.pk, producer_id=producer.pk)


@offers_page
@require_POST
def offer_withdraw_view(request, coop_slug, offer_id):
    offer = get_object_or_404(Offer.objects.select_related("product"), pk=offer_id)
    producer = producer_for(request, offer.producer_id)
    try:
        offer_withdraw(offer_id=offer.pk)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(product)s withdrawn; what customers already ordered stays theirs.")
                         % {"product": offer.product.name_nl})
    return redirect("manage_offer_edit", coop_slug=coop_slug, cycle_id=offer.cycle_id, producer_id=producer.pk)
