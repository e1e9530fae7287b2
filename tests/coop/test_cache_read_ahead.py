"""A request's cache reads in one round trip (coop/cache_read_ahead.py): a page seen before reads its keys in
one MGET, and what the request sees stays what Redis holds: its own writes, keys not read ahead, other people's
keys never."""

import pickle

import pytest
import redis
from django.core.cache import cache
from django.http import HttpResponse
from django.test import RequestFactory

from coop import cache_read_ahead
from coop.cache_read_ahead import CacheReadAheadMiddleware
from tests.orders import test_shop

english, shop = test_shop.english, test_shop.shop


@pytest.fixture
def redis_commands(monkeypatch):
    """The commands sent to Redis (names), by any client of the project's cache."""
    sent = []
    real = redis.Redis.execute_command

    def spy(self, *args, **options):
        sent.append(str(args[0]).upper())
        return real(self, *args, **options)

    monkeypatch.setattr(redis.Redis, "execute_command", spy)
    return sent


def run(view, *, cookie="sessionid=a", method="get", path="/somewhere/"):
    """`view(request)` behind the middleware, as a request with this cookie."""
    request = getattr(RequestFactory(), method)(path, HTTP_COOKIE=cookie)
    return CacheReadAheadMiddleware(view)(request)


def reading(*keys):
    def view(request):
        return HttpResponse(repr([cache.get(key) for key in keys]))

    return view


def test_a_logged_in_shop_page_seen_before_makes_one_round_trip(client, shop, redis_commands):
    client.force_login(shop.buyer.user)
    first = client.get(f"{shop.base}/shop/")
    client.get(f"{shop.base}/shop/")  # the page is kept now; this request's reads are remembered
    redis_commands.clear()
    again = client.get(f"{shop.base}/shop/")
    assert again.status_code == 200 and f'id="offer-{shop.offer.pk}"' in again.content.decode()
    assert redis_commands == ["MGET"], redis_commands
    assert first.content.count(b"offer-note") == again.content.count(b"offer-note")


def test_values_read_ahead_are_those_redis_holds_at_the_start(db, redis_commands):
    cache.set("ra-a", 1)
    cache.set("ra-b", 2)
    assert run(reading("ra-a", "ra-b")).content == b"[1, 2]"  # remembered for this signature
    cache.set("ra-a", 10)  # changed between two requests
    redis_commands.clear()
    assert run(reading("ra-a", "ra-b")).content == b"[10, 2]"
    assert redis_commands == ["MGET"]


def test_a_request_reads_its_own_writes(db):
    cache.set("ra-own", "old")

    def view(request):
        before = cache.get("ra-own")
        cache.set("ra-own", "new")
        after = cache.get("ra-own")
        cache.delete("ra-own")
        return HttpResponse(f"{before} {after} {cache.get('ra-own')}")

    run(view)
    cache.set("ra-own", "old")
    assert run(view).content == b"old new None"


def test_reads_are_repeatable_and_keys_not_read_ahead_are_live(db):
    cache.set("ra-seen", "first")
    other = redis.Redis.from_url(cache._cache._servers[0])

    def view(request):
        seen = cache.get("ra-seen")
        other.set(cache.make_key("ra-seen"), pickle.dumps("changed"))  # not through this request's cache
        again = cache.get("ra-seen")
        cache.set("ra-later", "live")
        return HttpResponse(f"{seen} {again} {cache.get('ra-later')}")

    assert run(view).content == b"first changed live"  # nothing read ahead yet: every read is live
    cache.set("ra-seen", "first")
    assert run(view).content == b"first first live"  # one request sees one value of a key, as at its start


def test_another_visitor_and_other_methods_get_nothing_read_ahead(db, redis_commands):
    cache.set("ra-private", "secret")
    run(reading("ra-private"), cookie="sessionid=alice")
    redis_commands.clear()
    run(reading("ra-private"), cookie="sessionid=bob")
    assert redis_commands == ["GET"]  # bob's request read it itself: nothing of alice's request was read ahead
    redis_commands.clear()
    run(reading("ra-private"), cookie="sessionid=alice", method="post")
    assert redis_commands == ["GET"]


def test_the_page_works_when_the_read_ahead_fails(client, shop, monkeypatch):
    client.force_login(shop.buyer.user)
    client.get(f"{shop.base}/shop/")

    def down(*args, **kwargs):
        raise redis.ConnectionError("cache down")

    monkeypatch.setattr(cache._cache.get_client(None), "mget", down)  # the read-ahead's MGET, and get_many's
    response = client.get(f"{shop.base}/shop/")
    assert response.status_code == 200 and f'id="offer-{shop.offer.pk}"' in response.content.decode()


def test_the_remembered_signatures_are_bounded(db, monkeypatch):
    monkeypatch.setattr(cache_read_ahead, "SIGNATURES", 3)
    monkeypatch.setattr(cache_read_ahead, "_seen", {})
    for visitor in range(7):
        run(reading("ra-x"), cookie=f"sessionid={visitor}")
        assert len(cache_read_ahead._seen) <= 3
