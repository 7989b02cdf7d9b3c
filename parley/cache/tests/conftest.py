"""Two processes' links to the page cache's bumps, on the machine's Redis."""

import time
import uuid
from collections.abc import Iterator

import pytest
import redis

from parley.cache import front

REDIS = "redis://127.0.0.1:6379/0"


@pytest.fixture
def shared_redis(settings) -> str:
    """The machine's Redis (skipped without it), under a cache prefix, and so a bumps
    channel, of the test's own."""
    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": uuid.uuid4().hex}}
    return REDIS


@pytest.fixture
def two_processes(shared_redis) -> Iterator[tuple[front.Bumps, front.Bumps]]:
    """(here, there): here publishes, there hears once `listening(there)`."""
    here = front.Bumps(front.Memo(max_bytes=10_000, max_age=60), REDIS)
    there = front.Bumps(front.Memo(max_bytes=10_000, max_age=60), REDIS)
    yield here, there
    there.stop()


def listening(bumps: front.Bumps, *, within: float = 10) -> None:
    """Subscribes and waits until the subscription is up (its memo serves again)."""
    bumps.ensure_listening()
    deadline = time.monotonic() + within
    while not bumps.memo.serving and time.monotonic() < deadline:
        time.sleep(0.02)
    assert bumps.memo.serving
