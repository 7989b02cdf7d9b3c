"""One Redis pub/sub subscription held for the life of a process, in a daemon thread:
what the live broker (parley/live/broker.py) and the page cache's front
(parley/cache/front.py) each keep to hear the other processes; and the client they
publish with.

The connection retries nothing inside redis-py: a dropped connection must surface here, so
that the owner learns it may have missed messages (`on_down`) before it subscribes again,
after a short pause that doubles up to two seconds.
"""

import contextlib
import logging
import threading
from collections.abc import Callable
from functools import lru_cache

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

log = logging.getLogger(__name__)


@lru_cache(maxsize=4)
def publishing_client(url: str) -> redis.Redis:
    """A client that fails fast (half a second, no retries): a publisher that cannot
    reach Redis must not hold up the request that published."""
    return redis.Redis.from_url(
        url, socket_timeout=0.5, socket_connect_timeout=0.5, retry=Retry(NoBackoff(), 0)
    )


def listen_forever(
    url: str,
    *,
    stop: threading.Event,
    pattern: str = "",
    channel: str = "",
    on_up: Callable[[], None],
    on_message: Callable[[bytes], object],
    on_down: Callable[[Exception | None], None],
) -> None:
    """Subscribes to `pattern` (psubscribe) or `channel` until `stop` is set. `on_up` runs
    once subscribed, `on_message` for each message, `on_down` whenever the subscription
    ends (with the error, if one ended it)."""
    delay = 0.1
    while not stop.is_set():
        pubsub = None
        error: Exception | None = None
        try:
            client = redis.Redis.from_url(
                url,
                socket_connect_timeout=1.0,
                socket_timeout=30.0,
                health_check_interval=10,
                retry=Retry(NoBackoff(), 0),
            )
            pubsub = client.pubsub()
            if pattern:
                pubsub.psubscribe(pattern)
            else:
                pubsub.subscribe(channel)
            while not stop.is_set():
                message = pubsub.get_message(timeout=1.0)
                if message is None:
                    continue
                if message["type"] in ("subscribe", "psubscribe"):
                    delay = 0.1
                    on_up()
                elif message["type"] in ("message", "pmessage"):
                    on_message(message["data"])
        except (redis.RedisError, OSError) as lost:
            error = lost
        finally:
            if pubsub is not None:
                with contextlib.suppress(redis.RedisError, OSError):
                    pubsub.close()
        on_down(error)
        stop.wait(delay)
        delay = min(delay * 2, 2.0)
