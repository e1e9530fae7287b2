"""The shop's product items, pre-rendered and memoized in the cache under a digest of what they show.

Rendering the items is most of the shop page's cost, and an item looks the same to every visitor with the
same prices. Its HTML is cached under a digest of all its inputs (language, prices, stock, allergens, labels,
photo, the template's own source), so a change anywhere gives a new key: nothing is ever stale and nothing
needs invalidating. The form (CSRF token, return address) and the "in your cart" note stay live.
"""

import hashlib
import logging
from dataclasses import fields
from functools import lru_cache

from django.core.cache import cache
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from orders.selectors import ShopItem

logger = logging.getLogger(__name__)

HEAD, CONTROLS = "orders/shop/_item_head.html", "orders/shop/_item_controls.html"
TTL = 6 * 60 * 60


ITEM_TEMPLATES = (HEAD, CONTROLS, "catalog/_price.html", "catalog/_allergen_summary.html", "catalog/_placeholder.html")


@lru_cache(maxsize=8)
def templates_digest(names: tuple[str, ...] = ITEM_TEMPLATES) -> str:
    """Changes with the templates (a deploy), so old fragments are never served for new templates."""
    sources = "".join(get_template(name).template.source for name in names)
    return hashlib.sha256(sources.encode()).hexdigest()[:16]


def _key(item: ShopItem, coop_slug: str) -> str:
    card, product = item.card, item.card.product
    shown = [getattr(card, f.name) for f in fields(card) if f.name != "product"]
    parts = (templates_digest(), get_language(), coop_slug, item.offer_id, item.remaining, item.low_stock,
             item.step, item.minimum, product.pk, product.price_unit, product.sell_unit, shown)
    return "shop-item:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def item_rows(items: list[ShopItem], *, coop) -> list[tuple[ShopItem, SafeString, SafeString]]:
    """(item, head html, controls html) per item, from the cache where possible (one round trip)."""
    keys = [_key(item, coop.slug) for item in items]
    try:
        found = cache.get_many(keys)
    except Exception:  # a cache outage slows the page down, it does not break it
        logger.warning("shop item cache unavailable", exc_info=True)
        found = {}
    head, controls = get_template(HEAD), get_template(CONTROLS)
    rows, new = [], {}
    for item, key in zip(items, keys, strict=True):
        parts = found.get(key)
        if parts is None:
            context = {"item": item, "card": item.card, "coop": coop}
            parts = new[key] = (head.render(context), controls.render(context))
        rows.append((item, mark_safe(parts[0]), mark_safe(parts[1])))  # noqa: S308 - our own rendered templates
    if new:
        try:
            cache.set_many(new, TTL)
        except Exception:
            logger.warning("shop item cache unavailable", exc_info=True)
    return rows
