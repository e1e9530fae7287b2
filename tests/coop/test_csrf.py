"""The CSRF token of a page served from the cache (coop/csrf.py) is one Django's CSRF middleware accepts."""

import string

from django.middleware.csrf import _unmask_cipher_token, get_token
from django.test import RequestFactory

from coop.csrf import masked_token

SECRET = "abcdefghijklmnopqrstuvwxyzABCDEF"


def request_with(secret=None):
    request = RequestFactory().get("/")
    if secret is not None:
        request.META["CSRF_COOKIE"] = secret
    return request


def test_the_token_masks_the_cookies_secret_afresh_each_time():
    request = request_with(SECRET)
    tokens = {masked_token(request) for _ in range(50)}
    assert len(tokens) == 50  # a new mask per response (BREACH)
    for token in tokens:
        assert len(token) == 64 and set(token) <= set(string.ascii_letters + string.digits)
        assert _unmask_cipher_token(token) == SECRET
    assert request.META["CSRF_COOKIE_NEEDS_UPDATE"] is True  # the cookie is renewed, as with get_token


def test_the_mask_uses_every_character_evenly():
    counts = {}
    request = request_with(SECRET)
    for _ in range(2000):
        for char in masked_token(request)[:32]:
            counts[char] = counts.get(char, 0) + 1
    expected = 2000 * 32 / 62
    assert len(counts) == 62 and all(0.85 * expected < n < 1.15 * expected for n in counts.values())


def test_without_a_secret_a_new_one_is_made_as_django_does():
    request = request_with()
    token = masked_token(request)
    secret = request.META["CSRF_COOKIE"]
    assert _unmask_cipher_token(token) == secret and request.META["CSRF_COOKIE_NEEDS_UPDATE"] is True
    assert _unmask_cipher_token(get_token(request)) == secret
