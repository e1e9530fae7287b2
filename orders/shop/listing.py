"""The shop's listing (search form and one page of offers), rendered once and kept whole in the cache.

It looks the same to every visitor who sees the same prices, so it is cached per cooperative, cycle, language,
pricing (consumer prices, or one business account's), query string and templates, together with the version
tokens it was made from (coop/versions.py): the coop's catalogue (products, allergens, deposits, prices,
margins, price groups, producers) and the cycle's offers (caps, weekly prices, withdrawals, and what is left
after every order placed, changed or cancelled). When a token changed, the listing is rendered again: a page
never shows a stale price or quantity. Nothing personal is cached: the CSRF token is a placeholder filled in
per response, the "in your cart" notes are put in per response, the page head and the cart are rendered live.
"""

import hashlib
import logging
import re
from dataclasses import dataclass
from decimal import Decimal

from django.core.cache import cache
from django.core.paginator import Paginator
from django.middleware.csrf import get_token
from django.template.defaultfilters import floatformat
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from catalog import selectors as catalog
from catalog.services import catalogue_version
from coop import versions
from orders import selectors
from orders.models import OrderCycle
from orders.services.offers import offers_version

from .fragments import ITEM_TEMPLATES, item_rows, templates_digest

logger = logging.getLogger(__name__)

PAGE_SIZE = 48
TTL = 10 * 60  # only a safety net (a bulk write nobody bumped for): the tokens retire what is out of date
FILTERS, RESULTS = "catalog/_filters.html", "orders/shop/_results.html"
TEMPLATES = (FILTERS, RESULTS, "catalog/_pagination.html")  # what the listing is rendered from, with ITEM_TEMPLATES
QUERY_KEYS = frozenset({"q", "category", "producer", "label", "without_allergen", "storage", "page", "cycle"})
CSRF_PLACEHOLDER = "csrf-token-placeholder-5d1c0b7e"
EMPTY_NOTE = re.compile(r'(<p id="offer-note-(\d+)" class="offer-note" aria-live="polite">)(</p>)')


@dataclass(frozen=True)
class Listing:
    status: int  # 400 when a filter was not understood
    filters: str
    results: str


def _cache_key(request, cycle: OrderCycle, *, account_id: int | None, several: bool) -> str | None:
    """None for a query the shop's own links and form do not make (unknown or repeated parameters, very
    long): such a page is rendered but not cached, so odd URLs cannot fill the cache."""
    query = request.META.get("QUERY_STRING", "")
    if len(query) > 400 or any(name not in QUERY_KEYS or len(values) > 1 for name, values in request.GET.lists()):
        return None
    parts = (request.coop.pk, cycle.pk, get_language(), account_id, several, query)
    return "shop-listing:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def _render(request, cycle: OrderCycle, *, pricing, several: bool) -> Listing:
    filters, errors = catalog.product_filter_parse(request.GET)
    tree = catalog.category_tree()
    products = selectors.shop_products(cycle=cycle, filters=filters, tree=tree)
    page = Paginator(products, PAGE_SIZE).get_page(request.GET.get("page"))
    items = selectors.shop_items(page.object_list, pricing=pricing, tree=tree, cart_lines={})
    shop_url = reverse("shop_home", kwargs={"coop_slug": request.coop.slug})
    context = {
        "cycle": cycle,
        "filters": filters,
        "errors": errors,
        "page_obj": page,
        "rows": item_rows(items, coop=request.coop),
        "add_url": reverse("shop_cart_add", kwargs={"coop_slug": request.coop.slug}),
        "here": request.get_full_path(),
        **catalog.filter_choices(tree),
        "filter_url": shop_url,
        "filter_target": "shop-results",
        "filter_cycle": cycle.pk if several else None,
        "clear_url": f"{shop_url}?cycle={cycle.pk}" if several else shop_url,
        "csrf_token": CSRF_PLACEHOLDER,
    }
    return Listing(400 if errors else 200, render_to_string(FILTERS, context, request),
                   render_to_string(RESULTS, context, request))


def shop_listing(request, cycle: OrderCycle, *, several: bool, pricing=None) -> Listing:
    """The listing for this request, from the cache when its tokens are current. `pricing`: the request's
    PricingContext when already made (otherwise made only when the listing has to be rendered)."""
    membership = request.membership
    account_id = membership.business_account_id if membership is not None else None
    key = _cache_key(request, cycle, account_id=account_id, several=several)
    stamp = cached = None
    if key is not None:
        names = [catalogue_version(request.coop.pk), offers_version(cycle.pk)]
        try:  # tokens first, then the data they cover (coop/versions.py); one round trip when all is there
            found = cache.get_many([versions.key(name) for name in names] + [key])
            stamp = (templates_digest(ITEM_TEMPLATES + TEMPLATES), *versions.tokens(names, found))
            cached = found.get(key)
        except Exception:  # a cache outage slows the shop down, it does not break it
            logger.warning("shop listing cache unavailable", exc_info=True)
            key = None
    if cached is not None and cached[0] == stamp:
        return Listing(*cached[1:])
    pricing = pricing or selectors.shop_pricing(coop=request.coop, membership=membership, cycle=cycle)
    listing = _render(request, cycle, pricing=pricing, several=several)
    if key is not None:
        try:
            cache.set(key, (stamp, listing.status, listing.filters, listing.results), TTL)
        except Exception:
            logger.warning("shop listing cache unavailable", exc_info=True)
    return listing


def listing_for_visitor(listing: Listing, request, cart_lines: dict[int, Decimal]) -> tuple[SafeString, SafeString]:
    """The listing's HTML for this visitor: their CSRF token, and a note on each offer that is in their cart."""
    results = listing.results.replace(CSRF_PLACEHOLDER, get_token(request))
    if cart_lines:
        def note(match):
            quantity = cart_lines.get(int(match.group(2)))
            if quantity is None:
                return match.group(0)
            text = _("In your cart: %(n)s") % {"n": floatformat(quantity, "-3")}
            return f"{match.group(1)}{escape(text)}{match.group(3)}"

        results = EMPTY_NOTE.sub(note, results)
    return mark_safe(listing.filters), mark_safe(results)  # noqa: S308 - our own rendered templates
