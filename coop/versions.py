"""Version tokens in the cache, for what is kept there and must never be served stale: the shop's listing and
pages (orders/shop/), a request's user, membership and coop (members/request_cache.py).

A token names the state of some data, e.g. `catalogue:<coop id>` (products, prices, margins, producers) or
`offers:<cycle id>` (a cycle's offers and what is left of them). Whatever changes that data calls `bump`
(every write of the rows of models registered with coop/versioned.py's `bump_on_save`: saves, deletes, bulk
updates and creations; raw SQL explicitly), which gives the token a new random value; a cached rendering
stores the tokens it was made from and is used only while they are unchanged.

`bump` sets a new token at once (readers in the same transaction, e.g. a test, see the change) and again
when the transaction commits: a reader that rendered the old rows between the first bump and the commit
stored them under a token that is gone by then. Read the tokens before reading the data they cover.
A cache outage never breaks a write: a bump that fails is logged. While the cache is down nothing is read
from it either; but a bump that failed while the cache was only briefly unreachable leaves what was kept
before it in use until its TTL, so entries that decide access keep a short one.
"""

import logging
import secrets

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

PREFIX = "version:"
TTL = 30 * 24 * 3600  # a token that expires is made again: renderings made from the old one are simply not used


def key(name: str) -> str:
    return PREFIX + name


def _new_tokens(names: list[str]) -> None:
    try:
        cache.set_many({key(name): secrets.token_hex(8) for name in names}, TTL)
    except Exception:
        logger.warning("versions %s not bumped: cache unavailable", ", ".join(names[:10]), exc_info=True)


def bump_many(names) -> None:
    """New tokens for `names`, at once and again when the transaction commits (one round trip each)."""
    names = sorted(set(names))
    if names:
        _new_tokens(names)
        transaction.on_commit(lambda: _new_tokens(names))


def bump(name: str) -> None:
    bump_many([name])


def tokens(names: list[str], found: dict | None = None) -> tuple[str, ...]:
    """The current tokens of `names` (made when missing). `found`: a get_many answer that already holds some."""
    found = dict(found or {})
    missing = [name for name in names if key(name) not in found]
    if missing:
        found.update(cache.get_many([key(name) for name in missing]))
    for name in names:
        if found.get(key(name)) is None:
            cache.add(key(name), secrets.token_hex(8), TTL)  # add: a concurrent first reader's token wins
            found[key(name)] = cache.get(key(name))
    return tuple(found[key(name)] for name in names)


def cached(cache_key: str, names: list[str], load, ttl: int, *, read_ahead=None):
    """`load()`, kept in the cache under `cache_key` while the tokens of `names` are unchanged. One round trip
    when all is there. A cache outage only means `load()` every time.
    `load()` may return None (cached too); an exception in it is not cached. `read_ahead`: (keys asked, the
    get_many answer) of a round trip made before, used when it asked for all these keys."""
    wanted = [key(name) for name in names] + [cache_key]
    try:
        ahead = read_ahead is not None and read_ahead[0].issuperset(wanted)
        found = read_ahead[1] if ahead else cache.get_many(wanted)
        stamp = tokens(names, found)
    except Exception:
        logger.warning("cache unavailable for %s", cache_key, exc_info=True)
        return load()
    entry = found.get(cache_key)
    if entry is not None and entry[0] == stamp:
        return entry[1]
    value = load()
    try:
        cache.set(cache_key, (stamp, value), ttl)
    except Exception:
        logger.warning("cache unavailable for %s", cache_key, exc_info=True)
    return value
