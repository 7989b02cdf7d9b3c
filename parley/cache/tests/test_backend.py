"""The Redis backend that keeps its clients: it must behave as Django's does."""

import uuid

import pytest
import redis
from django.core.cache import caches

SHARED_REDIS = "redis://127.0.0.1:6379/0"


@pytest.fixture
def redis_cache(settings):
    try:
        redis.Redis.from_url(SHARED_REDIS, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    prefix = f"parley-test-{uuid.uuid4().hex[:10]}"
    settings.CACHES = {
        "default": {
            "BACKEND": "parley.cache.backend.RedisCache",
            "LOCATION": SHARED_REDIS,
            "KEY_PREFIX": prefix,
        }
    }
    yield caches["default"]
    client = redis.Redis.from_url(SHARED_REDIS)
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)


def test_it_stores_and_reads_like_djangos(redis_cache):
    redis_cache.set("a", {"x": 1}, 30)
    assert redis_cache.add("a", "other", 30) is False
    assert redis_cache.add("b", b"bytes", 30) is True
    assert redis_cache.get_many(["a", "b", "missing"]) == {"a": {"x": 1}, "b": b"bytes"}
    redis_cache.delete("a")
    assert redis_cache.get("a") is None


def test_it_builds_one_client_per_pool(redis_cache):
    inner = redis_cache._cache
    first = inner.get_client(write=False)
    assert inner.get_client(write=True) is first  # one server: one pool, one client
    redis_cache.set("k", 1, 30)
    assert inner.get_client() is first


def test_every_request_context_shares_one_client_and_its_connections(redis_cache):
    """Django keeps cache objects per context (under ASGI each request has its own, in a
    thread of its own): they must not each open a new connection pool."""
    import threading

    from django.core.cache import caches

    seen: list[tuple[object, object]] = []  # the objects themselves: ids could be reused

    def one_request() -> None:
        backend = caches["default"]
        backend.set("shared", 1, 30)
        pool = backend._cache.get_client(write=True).connection_pool  # type: ignore[attr-defined]
        seen.append((backend, pool))

    for _ in range(5):
        thread = threading.Thread(target=one_request)
        thread.start()
        thread.join()
    assert len({id(backend) for backend, _ in seen}) == 5  # Django's: one per context
    assert len({id(pool) for _, pool in seen}) == 1  # ours: one pool for them all
