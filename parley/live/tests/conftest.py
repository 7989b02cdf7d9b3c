import uuid

import pytest
import redis

from parley.live import broker

SHARED_REDIS = "redis://127.0.0.1:6379/0"


@pytest.fixture(autouse=True)
def fresh_broker():
    """Each test gets its own hubs and publishers; subscriber threads stop after it."""
    broker.reset()
    yield
    broker.reset()


@pytest.fixture
def shared_redis(settings):
    """The machine's Redis, on channels no other test or process uses."""
    try:
        redis.Redis.from_url(SHARED_REDIS, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    settings.REDIS_URL = SHARED_REDIS
    settings.PARLEY_LIVE_CHANNEL_PREFIX = f"parley:live:test:{uuid.uuid4().hex[:12]}"
    return SHARED_REDIS


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """These tests make many users; the real hasher costs about a second each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
