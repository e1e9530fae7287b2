"""The project's cache backend: Django's Redis cache, made cheaper per call.

A logged-in page makes several cache calls (session, request context, version tokens, cached renderings), so
the fixed cost of a call counts:
- Django's RedisCacheClient builds a new redis.Redis object (and its table of ~170 response callbacks) for
  every call, a tenth of a millisecond each. The client is thread-safe and holds no connection of its own
  (connections come from the pool), so one per pool is enough.
- BaseCache checks every character of every key in Python for what memcached would refuse (control
  characters, spaces, length), to warn about code that would not port to memcached. Redis takes any key,
  and our keys are made by our code (prefix, name, ids, hex digests), so the check is left out.
- Django's serializer tries int() on every value before unpickling it (integers are stored bare, for incr):
  an exception per value read. A pickle starts with its protocol byte, so that is checked first.
- Within a request, reads may come from a read-ahead of the keys the same request read last time, in one
  round trip (coop/cache_read_ahead.py); writes drop what was read ahead of their keys.
"""

import pickle

from django.core.cache.backends.redis import RedisCache, RedisCacheClient, RedisSerializer

from .cache_read_ahead import NOT_AHEAD, reads_for


class _Serializer(RedisSerializer):
    def loads(self, data):
        if data[:1] == b"\x80":  # PROTO opcode: every pickle of protocol 2 and later starts with it
            return pickle.loads(data)  # noqa: S301 - our own cache, as in Django's serializer
        return super().loads(data)


class _ReusingClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}
        if type(self._serializer) is RedisSerializer:  # not one chosen in OPTIONS
            self._serializer = _Serializer(self._serializer.protocol)

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client


class _ReadingAheadClient(_ReusingClient):
    reads_ahead = True  # coop/cache_read_ahead.py uses this client

    def get(self, key, default):
        reads = reads_for(self)
        if reads is not None:
            raw = reads.take(key)
            if raw is not NOT_AHEAD:
                return default if raw is None else self._serializer.loads(raw)
        return super().get(key, default)

    def get_many(self, keys):
        reads = reads_for(self)
        if reads is None:
            return super().get_many(keys)
        found, missing = {}, []
        for key in keys:
            raw = reads.take(key)
            if raw is NOT_AHEAD:
                missing.append(key)
            elif raw is not None:
                found[key] = self._serializer.loads(raw)
        if missing:
            found.update(super().get_many(missing))
        return found

    def _forget(self, keys):
        reads = reads_for(self)
        if reads is not None:
            reads.forget(keys)

    def add(self, key, value, timeout):
        self._forget([key])
        return super().add(key, value, timeout)

    def set(self, key, value, timeout):
        self._forget([key])
        return super().set(key, value, timeout)

    def touch(self, key, timeout):
        self._forget([key])
        return super().touch(key, timeout)

    def delete(self, key):
        self._forget([key])
        return super().delete(key)

    def incr(self, key, delta):
        self._forget([key])
        return super().incr(key, delta)

    def set_many(self, data, timeout):
        self._forget(data)
        return super().set_many(data, timeout)

    def delete_many(self, keys):
        self._forget(keys)
        return super().delete_many(keys)

    def clear(self):
        reads = reads_for(self)
        if reads is not None:
            reads.values.clear()
        return super().clear()


class ProjectRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _ReadingAheadClient

    def validate_key(self, key):
        pass
