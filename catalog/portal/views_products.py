"""Portal pages for products: list, create/edit, (de)activate, price history. Thin: services do the work."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from catalog import services
from catalog.forms import ProductForm
from catalog.pricing import price_for, product_producer_price

from . import selectors
from .access import acting_for_other, portal_page, portal_producer, portal_product


def _context(request, producer, **extra):
    return {"producer": producer, "acting_for_other": acting_for_other(request, producer), **extra}


@portal_page
@require_GET
def product_list(request, coop_slug, producer_id):
    producer = portal_producer(request, producer_id)
    rows = selectors.producer_product_rows(producer)
    return render(request, "catalog/portal/product_list.html", _context(request, producer, rows=rows))


@portal_page
@require_http_methods(["GET", "POST"])
def product_edit(request, coop_slug, producer_id, product_id=None):
    producer = portal_producer(request, producer_id)
    product = portal_product(producer, product_id) if product_id is not None else None
    initial = None
    if product is not None:
        answers, deposits = selectors.product_form_state(product)
        initial = ProductForm.initial_for(product, price=product_producer_price(product), answers=answers,
                                          deposits=deposits)
    bound = request.method == "POST"
    form = ProductForm(request.POST if bound else None, request.FILES if bound else None, initial=initial,
                       product=product, deposit_items=selectors.deposit_items())
    if bound and form.is_valid():
        try:
            with transaction.atomic():  # the product and its photo together, or neither
                saved = services.product_save(product=product, producer=producer, data=form.service_data(),
                                              user=request.user)
                if form.cleaned_data["remove_photo"]:
                    services.product_set_photo(product=saved, photo=None)
                elif form.cleaned_data["photo"]:
                    services.product_set_photo(product=saved, photo=form.cleaned_data["photo"])
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("%(product)s is saved.") % {"product": saved.name_nl})
            return redirect("portal_product_list", coop_slug=coop_slug, producer_id=producer.pk)
    return render(request, "catalog/portal/product_form.html",
                  _context(request, producer, product=product, form=form),
                  status=400 if form.errors else 200)


def _set_active(request, coop_slug, producer_id, product_id, active: bool):
    producer = portal_producer(request, producer_id)
    product = portal_product(producer, product_id)
    services.product_set_active(product=product, active=active)
    if active:
        messages.success(request, _("%(product)s is for sale again.") % {"product": product.name_nl})
    else:
        messages.success(request, _("%(product)s is no longer for sale.") % {"product": product.name_nl})
    return redirect("portal_product_list", coop_slug=coop_slug, producer_id=producer.pk)


@portal_page
@require_POST
def product_deactivate(request, coop_slug, producer_id, product_id):
    return _set_active(request, coop_slug, producer_id, product_id, active=False)


@portal_page
@require_POST
def product_activate(request, coop_slug, producer_id, product_id):
    return _set_active(request, coop_slug, producer_id, product_id, active=True)


@portal_page
@require_GET
def product_prices(request, coop_slug, producer_id, product_id):
    producer = portal_producer(request, producer_id)
    product = portal_product(producer, product_id)
    history = list(selectors.product_price_history(product))
    now = timezone.now()
    current = next((p for p in history if p.valid_from <= now), None)
    consumer = price_for(product, coop=request.coop) if current else None
    return render(request, "catalog/portal/price_history.html",
                  _context(request, producer, product=product, history=history, current=current, now=now,
                           consumer=consumer))
