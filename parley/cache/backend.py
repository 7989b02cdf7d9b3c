"""Django's Redis cache backend, less two per-request costs.

Django's RedisCacheClient builds a new `redis.Redis` for every cache operation. With
redis-py 8 that constructor fills a table of some 170 response callbacks, about half a
millisecond of CPU each time: more than the rest of a cached page's hit together
(docs/performance.md). A `redis.Redis` over a connection pool is safe to share between
threads, so this client keeps one per pool.

And Django keeps its cache objects per context: under ASGI every request has its own,
so each request made a client, a connection pool and a new TCP connection to Redis (a
profile of posting under `parley serve` put a tenth of its CPU there). The client, and
with it the pools, is shared by the whole process instead, per server list and options.

Settings name this class in CACHES when REDIS_URL is set; everything else is Django's.
"""

import threading
from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from django.utils.functional import cached_property


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}
        self._clients_lock = threading.Lock()

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:
            with self._clients_lock:
                make = self._client  # type: ignore[attr-defined]
                client = self._clients.setdefault(id(pool), make(connection_pool=pool))
        return client


_shared: dict[str, ReusingRedisCacheClient] = {}
_shared_lock = threading.Lock()


class RedisCache(DjangoRedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient

    @cached_property
    def _cache(self) -> ReusingRedisCacheClient:
        servers, options = self._servers, self._options  # type: ignore[attr-defined]
        key = repr((servers, sorted(options.items())))
        client = _shared.get(key)
        if client is None:
            with _shared_lock:
                client = _shared.setdefault(key, self._class(servers, **options))
        return client
