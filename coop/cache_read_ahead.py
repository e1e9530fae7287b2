"""A request's cache reads in one round trip.

A logged-in page asks the cache several times, each question depending on the answer before: the session,
then the user with their membership and coop (members/request_cache.py), then the page or its parts
(orders/shop/page_cache.py). Every round trip costs more than what it reads. So this middleware remembers,
per process, which keys a GET request read, under the request's signature (path, query, cookies, language,
htmx, authorization; kept as a digest); the next request with the same signature reads all of them in one
MGET before the view runs, and the cache backend (coop/cache.py) hands them out from there.

What the request sees:
- the keys read ahead as they were at the start of the request, however often it reads them (a request
  that checks the same version token twice sees the same token: repeatable reads, as in a transaction);
- keys that were not read ahead straight from Redis, when read;
- a write of a key by this request (set, add, delete, incr, touch, clear...) drops what was read ahead of
  it, so the request reads its own writes.
Version tokens (coop/versions.py) are still read no later than the data they cover, as they must be. Nothing
is read ahead outside a request (Celery tasks, commands), for methods other than GET and HEAD, or when the
cache is down.
"""

import hashlib
import logging
from contextvars import ContextVar

from django.core.cache import caches

logger = logging.getLogger(__name__)

SIGNATURES = 4096  # signatures a process remembers (then it starts again): a few per active visitor
MAX_KEYS = 64  # keys remembered per signature: pages read a dozen; more would make the MGET heavy
_HEADERS = ("HTTP_COOKIE", "HTTP_ACCEPT_LANGUAGE", "HTTP_HX_REQUEST", "HTTP_HX_CURRENT_URL", "HTTP_AUTHORIZATION",
            "HTTP_HOST")
NOT_AHEAD = object()  # `Reads.take`: the key was not read ahead
_current: ContextVar = ContextVar("cache_read_ahead", default=None)
_seen: dict[bytes, tuple[str, ...]] = {}  # signature digest -> the (made) keys its last request read


class Reads:
    """The current request's reads: what was read ahead (raw bytes, None where missing) and the keys asked."""

    def __init__(self, client, values: dict[str, bytes | None]):
        self.client = client
        self.values = values
        self.asked: dict[str, None] = {}  # ordered set

    def take(self, key: str):
        if len(self.asked) < MAX_KEYS:
            self.asked[key] = None
        return self.values.get(key, NOT_AHEAD)

    def forget(self, keys) -> None:
        for key in keys:
            self.values.pop(key, None)


def reads_for(client) -> Reads | None:
    """The read-ahead of the current request, when it belongs to `client` (a cache backend's client)."""
    reads = _current.get()
    return reads if reads is not None and reads.client is client else None


def _signature(request) -> bytes:
    meta = request.META
    parts = [request.method, request.path_info, meta.get("QUERY_STRING", "")] + [meta.get(h, "") for h in _HEADERS]
    return hashlib.blake2b("\x00".join(parts).encode(), digest_size=16).digest()


def _read(client, keys: tuple[str, ...]) -> dict[str, bytes | None]:
    try:
        return dict(zip(keys, client.get_client(None).mget(keys), strict=True))
    except Exception:  # the cache down: every read will say so itself
        logger.debug("cache read-ahead failed", exc_info=True)
        return {}


class CacheReadAheadMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        client = getattr(caches["default"], "_cache", None)
        if not getattr(client, "reads_ahead", False):  # another backend (not coop.cache's)
            return self.get_response(request)
        signature = _signature(request)
        known = _seen.get(signature)
        reads = Reads(client, _read(client, known) if known else {})
        token = _current.set(reads)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        if reads.asked:
            if len(_seen) >= SIGNATURES:
                _seen.clear()
            _seen[signature] = tuple(reads.asked)
        return response
