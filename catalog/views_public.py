"""The public catalogue: products (search, filters, cards), a product's page, producers with a map pin.

A cooperative that is listed shows its catalogue to anyone; an unlisted one only to its members, with the
same 404 that an unknown cooperative gives.
"""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from coop.tenancy.access import coop_public

from . import selectors

PAGE_SIZE = 24


def _check_catalogue_access(request) -> None:
    if not request.coop.is_listed and request.membership is None:
        raise Http404(_("Not found."))


def _map_points(coop, producers) -> list[dict]:
    return [{"lat": float(p.latitude), "lng": float(p.longitude), "name": p.farm_name,
             "url": reverse("catalog_producer_detail", kwargs={"coop_slug": coop.slug, "producer_id": p.pk})}
            for p in producers if p.latitude is not None and p.longitude is not None]


@coop_public
@require_safe
def product_list(request, coop_slug):
    _check_catalogue_access(request)
    filters, errors = selectors.product_filter_parse(request.GET)
    tree = selectors.category_tree()
    products = selectors.product_search(selectors.products_visible_to(request.membership), filters, tree=tree)
    page = Paginator(selectors.products_for_display(products), PAGE_SIZE).get_page(request.GET.get("page"))
    pricing = selectors.pricing_context_for(coop=request.coop, membership=request.membership)
    url = reverse("catalog_product_list", kwargs={"coop_slug": coop_slug})
    context = {
        "filters": filters,
        "errors": errors,
        "page_obj": page,
        "cards": selectors.product_cards(page.object_list, pricing=pricing, tree=tree),
        **selectors.filter_choices(tree),
        "filter_url": url, "filter_target": "catalogue-results", "clear_url": url,
        "business_prices": pricing.business,
    }
    return render(request, "catalog/public/product_list.html", context, status=400 if errors else 200)


@coop_public
@require_safe
def product_detail(request, coop_slug, product_id):
    _check_catalogue_access(request)
    visible = selectors.products_visible_to(request.membership)
    product = get_object_or_404(selectors.products_for_display(visible), pk=product_id)
    pricing = selectors.pricing_context_for(coop=request.coop, membership=request.membership)
    context = selectors.product_page(product, pricing=pricing, tree=selectors.category_tree())
    context.update(product=product, producer=product.producer, business_prices=pricing.business)
    return render(request, "catalog/public/product_detail.html", context)


@coop_public
@require_safe
def producer_list(request, coop_slug):
    _check_catalogue_access(request)
    producers = list(selectors.producers_with_product_counts(request.membership).order_by("farm_name"))
    return render(request, "catalog/public/producer_list.html",
                  {"producers": producers, "map_points": _map_points(request.coop, producers)})


@coop_public
@require_safe
def producer_detail(request, coop_slug, producer_id):
    _check_catalogue_access(request)
    producer = get_object_or_404(selectors.producers_visible_to(request.membership), pk=producer_id)
    tree = selectors.category_tree()
    products = selectors.products_visible_to(request.membership).filter(producer=producer).order_by("name_nl")
    pricing = selectors.pricing_context_for(coop=request.coop, membership=request.membership)
    context = {
        "producer": producer,
        "cards": selectors.product_cards(selectors.products_for_display(products), pricing=pricing, tree=tree),
        "map_points": _map_points(request.coop, [producer]),
        "business_prices": pricing.business,
    }
    return render(request, "catalog/public/producer_detail.html", context)
