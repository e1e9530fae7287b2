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
"""

import pickle

from django.core.cache.backends.redis import RedisCache, RedisCacheClient, RedisSerializer


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


class ProjectRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _ReusingClient

    def validate_key(self, key):
        pass
