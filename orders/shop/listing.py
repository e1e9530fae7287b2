"""The shop's listing (search form and one page of offers), rendered once and kept whole in the cache.

It looks the same to every visitor who sees the same prices, so it is cached per cooperative, cycle, language,
pricing (consumer prices, or one business account's), query string and templates, together with the version
tokens it was made from (coop/versions.py): the coop's catalogue (products, allergens, deposits, prices,
margins, price groups, producers) and the cycle's offers (caps, weekly prices, withdrawals, and what is left
after every order placed, changed or cancelled). When a token changed, the listing is rendered again: a page
never shows a stale price or quantity. Nothing personal is cached: the CSRF token is a placeholder filled in
per response, the "in your cart" notes are put in per response. The page around the listing is kept per
visitor (orders/shop/page_cache.py). The HTML is kept as UTF-8 bytes: a page is put together and sent without
encoding 80 KiB of text per response. Each process also keeps a copy of the listings it served lately, used
under the same rule (its tokens still current), so a page served again reads only the small tokens.
"""

import hashlib
import logging
import re
from dataclasses import dataclass
from decimal import Decimal

from django.core.cache import cache
from django.core.paginator import Paginator
from django.template.defaultfilters import floatformat
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape
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
COPIES = 64  # listings a process keeps a copy of (about 80 KiB each), besides the shared entries in Redis
_copies: dict[str, tuple[tuple, "Listing"]] = {}  # cache key -> (stamp, listing)
EMPTY_NOTE = re.compile(rb'(<p id="offer-note-(\d+)" class="offer-note" aria-live="polite">)(</p>)')


@dataclass(frozen=True)
class Listing:
    status: int  # 400 when a filter was not understood
    filters: bytes  # UTF-8 HTML
    results: bytes


def cacheable_query(request) -> bool:
    """False for a query the shop's own links and form do not make (unknown or repeated parameters, very long)."""
    query = request.META.get("QUERY_STRING", "")
    return len(query) <= 400 and all(name in QUERY_KEYS and len(values) == 1 for name, values in request.GET.lists())


def _cache_key(request, cycle_id: int, *, account_id: int | None, several: bool) -> str | None:
    """None for a query the shop's own links and form do not make (unknown or repeated parameters, very
    long): such a page is rendered but not cached, so odd URLs cannot fill the cache."""
    if not cacheable_query(request):
        return None
    parts = (request.coop.pk, cycle_id, get_language(), account_id, several, request.META.get("QUERY_STRING", ""))
    return "shop-listing:2:" + hashlib.sha256(repr(parts).encode()).hexdigest()  # 2: kept as bytes


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
    return Listing(400 if errors else 200, render_to_string(FILTERS, context, request).encode(),
                   render_to_string(RESULTS, context, request).encode())


def _listing_key(request, cycle_id: int, several: bool) -> str | None:
    membership = request.membership
    account_id = membership.business_account_id if membership is not None else None
    return _cache_key(request, cycle_id, account_id=account_id, several=several)


@dataclass(frozen=True)
class Lookup:
    key: str | None  # None: not to be cached (an odd query, or the cache is down)
    stamp: tuple | None  # what the listing of this request is made from now: templates and version tokens
    listing: Listing | None  # the cached listing, if it is current


def lookup(request, cycle_id: int, *, several: bool) -> Lookup:
    """This request's listing from the cache, if current. Reads the tokens, so call it before reading the data
    they cover (the cart's offers too)."""
    key = _listing_key(request, cycle_id, several)
    if key is None:
        return Lookup(None, None, None)
    names = [catalogue_version(request.coop.pk), offers_version(cycle_id)]
    wanted = [versions.key(name) for name in names] + ([] if key in _copies else [key])
    try:  # tokens first, then the data they cover (coop/versions.py); one round trip when all is there
        found = cache.get_many(wanted)
        stamp = (templates_digest(ITEM_TEMPLATES + TEMPLATES), *versions.tokens(names, found))
        copy = _copies.get(key)
        if copy is not None and copy[0] == stamp:
            return Lookup(key, stamp, copy[1])
        cached = found.get(key) if key in wanted else cache.get(key)  # a copy out of date: one more read
    except Exception:  # a cache outage slows the shop down, it does not break it
        logger.warning("shop listing cache unavailable", exc_info=True)
        return Lookup(None, None, None)
    if cached is None or cached[0] != stamp:
        return Lookup(key, stamp, None)
    listing = Listing(*cached[1:])
    _copy(key, stamp, listing)
    return Lookup(key, stamp, listing)


def _copy(key: str, stamp: tuple, listing: Listing) -> None:
    """Keep this process's copy of a listing, used while its stamp is current (no 80 KiB read from Redis)."""
    if len(_copies) >= COPIES:
        _copies.clear()
    _copies[key] = (stamp, listing)


def shop_listing(request, cycle: OrderCycle, found: Lookup, *, several: bool, pricing=None) -> Listing:
    """The listing `found` in the cache, or rendered now (and kept). `pricing`: the request's PricingContext
    when already made (otherwise made only when the listing has to be rendered)."""
    if found.listing is not None:
        return found.listing
    pricing = pricing or selectors.shop_pricing(coop=request.coop, membership=request.membership, cycle=cycle)
    listing = _render(request, cycle, pricing=pricing, several=several)
    if found.key is not None:
        try:
            cache.set(found.key, (found.stamp, listing.status, listing.filters, listing.results), TTL)
            _copy(found.key, found.stamp, listing)
        except Exception:
            logger.warning("shop listing cache unavailable", exc_info=True)
    return listing


def with_cart_notes(results: bytes, cart_lines: dict[int, Decimal]) -> bytes:
    """The listing's results with a note on each offer that is in the visitor's cart."""
    if not cart_lines:
        return results

    def note(match):
        quantity = cart_lines.get(int(match.group(2)))
        if quantity is None:
            return match.group(0)
        text = _("In your cart: %(n)s") % {"n": floatformat(quantity, "-3")}
        return match.group(1) + escape(text).encode() + match.group(3)

    return EMPTY_NOTE.sub(note, results)
