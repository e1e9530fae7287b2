"""The shop page kept per visitor, so coming back to the shop (or reloading it) costs no query and no rendering.

The listing (orders/shop/listing.py) looks the same to everyone with the same prices and has its own entry.
What is personal is the page around it: the head (the round, its cut-off, whether they can order, their order
in it), the cart with its prices and problems, the navigation of their roles, their e-mail address. That
"shell" is rendered with markers where the listing goes and a placeholder for the CSRF token, and kept per
visitor (user, or one entry for all anonymous visitors with the same cart), coop, language, address (path and
query) and cart (the session's carts for this coop). It is used only while every token it was made from is
unchanged (coop/versions.py):

- person:<user>            the user and their memberships: roles, business account (members/request_cache.py)
- cooperatives             the coop (name, listed)
- catalogue:<coop>         products, prices, margins, price groups: the cart's prices
- cycles:<coop>            which rounds are open, their names and times (orders/services/offers.py)
- customer-orders:<member> the customer's orders: which one the cart edits
- the listing's own stamp  the cycle's offers and what is left (the cart's problems too), the templates

and only until the first cut-off of the open rounds, or the opening time of a round that is open but not yet
begun. The templates it is rendered from are part of the key. Never cached: a page with messages to show
(after a cart change without JavaScript), htmx requests (the filter form: the cart's return address comes from
a header), queries the shop does not make, the page without an open round.

On a hit the listing comes from its own entry (or this process's copy of it, orders/shop/listing.py); if it is
not current, the page is rendered again. A page the same visitor asked before has all these keys, with the
session's and the request context's, read in one round trip (coop/cache_read_ahead.py).
The CSRF token is filled in per response, and "in your cart" notes are put into the listing. Shell and listing
are kept as UTF-8 bytes and put together as bytes (no 80 KiB of text to encode per response).
"""

import hashlib
import json
import logging
import time
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import HttpResponse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from catalog.services import catalogue_version
from coop import versions
from coop.csrf import masked_token
from members import request_cache
from orders.cart import SESSION_KEY
from orders.models import OrderCycle
from orders.services.offers import customer_orders_version, cycles_version

from . import listing as shop_listing
from .fragments import templates_digest

logger = logging.getLogger(__name__)

FORMAT = 1  # of the entries: a change of _Entry or of what it holds gives new keys
TTL = 10 * 60  # the tokens and the cut-off retire entries; the TTL only limits what a visitor who left keeps
TEMPLATES = ("base.html", "coop/_nav.html", "orders/shop/shop.html", "orders/shop/_cart.html",
             "orders/shop/_cart_badge.html")
FILTERS_MARK = mark_safe("<!--shop-listing-filters-3b91e2-->")  # where the listing goes into the shell
RESULTS_MARK = mark_safe("<!--shop-listing-results-3b91e2-->")
CSRF_PLACEHOLDER = shop_listing.CSRF_PLACEHOLDER
_FILTERS, _RESULTS, _CSRF = FILTERS_MARK.encode(), RESULTS_MARK.encode(), CSRF_PLACEHOLDER.encode()


@dataclass(frozen=True)
class Probe:
    """What the view needs to keep the page it renders: the tokens as read before any data."""

    tokens: tuple | None  # None: this page is not kept


@dataclass(frozen=True)
class _Entry:
    tokens: tuple
    valid_until: float  # a timestamp: the first cut-off, or a round's opening
    cycle_id: int
    several: bool
    listing_stamp: tuple
    status: int
    shell: bytes  # UTF-8 HTML with the markers and the CSRF placeholder
    cart_lines: dict[int, Decimal]


def _names(request) -> list[str]:
    coop_id = request.coop.pk
    names = [request_cache.COOPERATIVES, catalogue_version(coop_id), cycles_version(coop_id)]
    if request.user.is_authenticated:
        names.append(request_cache.person_version(request.user.pk))
    if request.membership is not None:
        names.append(customer_orders_version(request.membership.pk))
    return names


def _key(request) -> str | None:
    if (not settings.SHOP_PAGE_CACHE or request.method != "GET" or request.htmx
            or not shop_listing.cacheable_query(request)
            or len(messages.get_messages(request))):  # len() reads the messages without using them up
        return None
    carts = request.session.get(SESSION_KEY, {}).get(str(request.coop.pk))
    parts = (FORMAT, templates_digest(TEMPLATES), request.user.pk, request.coop.pk, get_language(), request.path,
             request.META.get("QUERY_STRING", ""), json.dumps(carts, sort_keys=True, default=str))
    return "shop-page:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def lookup(request) -> HttpResponse | Probe:
    """The page from the cache when everything it shows is current; otherwise a Probe for `keep`."""
    key = _key(request)
    if key is None:
        return Probe(None)
    names = _names(request)
    try:
        found = cache.get_many([versions.key(name) for name in names] + [key])
        tokens = versions.tokens(names, found)
    except Exception:  # a cache outage slows the shop down, it does not break it
        logger.warning("shop page cache unavailable", exc_info=True)
        return Probe(None)
    entry = found.get(key)
    if entry is not None and entry.tokens == tokens and _now() < entry.valid_until:
        listed = shop_listing.lookup(request, entry.cycle_id, several=entry.several)
        if listed.listing is not None and listed.stamp == entry.listing_stamp:
            return HttpResponse(page(entry.shell, listed.listing, entry.cart_lines, request), status=entry.status)
    return Probe(tokens)


def _now() -> float:
    return time.time()


def page(shell: bytes, listing: shop_listing.Listing, cart_lines: dict[int, Decimal], request) -> bytes:
    """The page for this response: the listing (with the cart's notes) into the shell, the CSRF token in."""
    html = shell.replace(_FILTERS, listing.filters, 1)
    html = html.replace(_RESULTS, shop_listing.with_cart_notes(listing.results, cart_lines), 1)
    return html.replace(_CSRF, masked_token(request).encode())


def _valid_until(open_cycles: list[OrderCycle]) -> float:
    """The first cut-off of the open rounds, or the opening of a round that is open but has not begun."""
    starting = (OrderCycle.objects.filter(status=OrderCycle.Status.OPEN, opens_at__gt=timezone.now())
                .order_by("opens_at").values_list("opens_at", flat=True).first())
    return min([c.cutoff_at for c in open_cycles] + ([starting] if starting else [])).timestamp()


def keep(request, probe: Probe, *, cycle: OrderCycle, open_cycles: list[OrderCycle], listed: shop_listing.Lookup,
         status: int, shell: bytes, cart_lines: dict[int, Decimal]) -> None:
    """Keep the shell just rendered, under the tokens read before it was (the cart as the page left it)."""
    if probe.tokens is None or listed.key is None:
        return
    key = _key(request)
    if key is None:
        return
    entry = _Entry(tokens=probe.tokens, valid_until=_valid_until(open_cycles), cycle_id=cycle.pk,
                   several=len(open_cycles) > 1, listing_stamp=listed.stamp, status=status, shell=shell,
                   cart_lines=dict(cart_lines))
    try:
        cache.set(key, entry, TTL)
    except Exception:
        logger.warning("shop page cache unavailable", exc_info=True)
        return
