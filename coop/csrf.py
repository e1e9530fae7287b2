"""The CSRF token for a page served from the cache, made with one call for randomness instead of 32.

Django masks the CSRF secret afresh for every response (so that compressed pages do not leak it, BREACH):
`get_token` draws the 32 characters of the mask one by one from the system's random source, a system call
each, which is a noticeable part of a page that is otherwise served from the cache. This draws the mask from
one `secrets.token_bytes` and leaves the rest as `get_token` does it: the same token format (mask + masked
secret, 64 letters and digits) that the CSRF middleware checks, the cookie renewed, a new secret made when
the request has none.
"""

import secrets

from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH, get_token

_CHARS = CSRF_ALLOWED_CHARS
_INDEX = {char: i for i, char in enumerate(_CHARS)}
_UNBIASED = 256 - 256 % len(_CHARS)  # bytes below this map evenly onto the characters


def _random_indexes(count: int) -> list[int]:
    indexes: list[int] = []
    while len(indexes) < count:
        indexes += [byte % len(_CHARS) for byte in secrets.token_bytes(count + 8) if byte < _UNBIASED]
    return indexes[:count]


def masked_token(request) -> str:
    """What `django.middleware.csrf.get_token(request)` returns, cheaper."""
    secret = request.META.get("CSRF_COOKIE")
    if secret is None or len(secret) != CSRF_SECRET_LENGTH:
        return get_token(request)  # no secret yet: Django makes one and sets the cookie
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True  # as get_token: the cookie is sent again, its expiry renewed
    mask = _random_indexes(CSRF_SECRET_LENGTH)
    cipher = "".join(_CHARS[(_INDEX[char] + m) % len(_CHARS)] for char, m in zip(secret, mask, strict=True))
    return "".join(_CHARS[m] for m in mask) + cipher
