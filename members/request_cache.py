"""Who is asking, kept in the cache: the logged-in user, and their membership and cooperative per coop page.

Every logged-in request needs the user, every request under /<coop_slug>/ the membership and the coop; as
queries they were about half of what a small page cost. They are kept in Redis with version tokens
(coop/versions.py): `person:<user id>` is bumped whenever that user or one of their memberships is saved or
deleted (password, active flag, roles, leaving, business account), `cooperatives` whenever a cooperative is.
A stale entry is never used: roles and access are as current as the database; bulk writes of these rows
bump too (coop/versioned.py).

The entries hold pickled model instances; the key carries a digest of the models' fields, so rows pickled
before a migration changed them are not read back. A coop page reads both entries and their tokens in one
round trip (`read_ahead`, around the tenancy middleware's lookup).
"""

import hashlib
import logging
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache as memoize

from django.contrib.auth import SESSION_KEY
from django.core.cache import cache

from coop import versions

logger = logging.getLogger(__name__)

TTL = 300  # the tokens keep entries current; the TTL bounds a change whose bump failed (cache unreachable)
COOPERATIVES = "cooperatives"
_read_ahead: ContextVar = ContextVar("request_cache_read_ahead", default=None)


def person_version(user_id) -> str:
    return f"person:{user_id}"


@memoize
def _schema() -> str:
    from coop.models import Cooperative
    from members.models import Membership, User

    fields = [(m._meta.label, [f.attname for f in m._meta.concrete_fields]) for m in (User, Membership, Cooperative)]
    return hashlib.sha256(repr(fields).encode()).hexdigest()[:12]


def _user_key(user_id) -> str:
    return f"auth-user:{_schema()}:{user_id}"


def _access_key(user_id, coop_slug: str) -> str:
    return f"coop-access:{_schema()}:{user_id}:{coop_slug}"


def _access_names(user_id) -> list[str]:
    return [COOPERATIVES] if user_id is None else [COOPERATIVES, person_version(user_id)]


@contextmanager
def read_ahead(request, coop_slug: str):
    """Within: `user` and `coop_access` of the session's user at `coop_slug` use one round trip made here.
    Only raw cache values are read ahead: Django still checks the session against the user, and every
    entry its tokens. Nothing is read ahead when the cache is down."""
    user_id = request.session.get(SESSION_KEY)  # the id as the session holds it (Django checks it later)
    names = _access_names(user_id) + ([] if user_id is None else [person_version(user_id)])
    keys = {versions.key(name) for name in names} | {_access_key(user_id, coop_slug)}
    if user_id is not None:
        keys.add(_user_key(user_id))
    try:
        found = (keys, cache.get_many(list(keys)))
    except Exception:
        logger.warning("request cache unavailable", exc_info=True)
        found = None
    reset = _read_ahead.set(found)
    try:
        yield
    finally:
        _read_ahead.reset(reset)


def user(user_id, load):
    """The user `user_id` as `load(user_id)` (the auth backend's get_user) returns it (None: unknown or
    inactive), from the cache while neither the user nor their memberships changed."""
    return versions.cached(_user_key(user_id), [person_version(user_id)], lambda: load(user_id), TTL,
                           read_ahead=_read_ahead.get())


def coop_access(user_id, coop_slug: str, load):
    """`load()` -> (membership or None, coop or None) for `user_id` (None: a visitor) at `coop_slug`, from
    the cache while the person's and the cooperatives' tokens are unchanged. An unknown slug is not kept."""
    names = _access_names(user_id)
    key = _access_key(user_id, coop_slug)

    def load_known():
        membership, coop = load()
        if coop is None:
            raise _Unknown
        return membership, coop

    try:
        return versions.cached(key, names, load_known, TTL, read_ahead=_read_ahead.get())
    except _Unknown:
        return None, None


class _Unknown(Exception):
    """An unknown or inactive coop slug: answered, but not cached (odd URLs must not fill the cache)."""
