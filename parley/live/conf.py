"""Live-discussion knobs. REDIS_URL and PARLEY_LIVE_IDLE_DAYS are in settings.py; the
others have defaults here and may be set in settings or, for server processes started by
tests and the bench, in the environment (a test shortens the heartbeat)."""

import os

from django.conf import settings


def _knob(name: str, default: str) -> str:
    value = getattr(settings, name, None)
    return str(value) if value is not None else os.environ.get(name, default)


def redis_url() -> str:
    return str(getattr(settings, "REDIS_URL", "") or "")


def channel_prefix() -> str:
    """Redis channels are `<prefix>:<article id>`; the one subscription per process is the
    pattern `<prefix>:*`."""
    return _knob("PARLEY_LIVE_CHANNEL_PREFIX", "parley:live")


def idle_days() -> int:
    return int(getattr(settings, "PARLEY_LIVE_IDLE_DAYS", 14))


def backlog_size() -> int:
    """Events kept per article for Last-Event-ID resume; a reader further behind refetches."""
    return int(_knob("PARLEY_LIVE_BACKLOG", "500"))


def heartbeat_seconds() -> float:
    return float(_knob("PARLEY_LIVE_HEARTBEAT_SECONDS", "15"))


def stream_lifetime_seconds() -> float:
    """A stream ends after this long and the browser reconnects (with Last-Event-ID): the
    idle cut-off and the reader's permissions are checked again, and load rebalances."""
    return float(_knob("PARLEY_LIVE_STREAM_SECONDS", "1800"))


def retry_ms() -> tuple[int, int]:
    """The `retry:` hint is drawn from this range so that readers cut off together (a
    restart, a Redis failover) do not all come back in the same millisecond."""
    low, high = getattr(settings, "PARLEY_LIVE_RETRY_MS", (1000, 5000))
    return int(low), int(high)


def poll_ms() -> int:
    """How often a page polls while the stream is unavailable."""
    return int(_knob("PARLEY_LIVE_POLL_MS", "10000"))


def listener_queue() -> int:
    """Undelivered events one connection may hold before it is cut off to resume later."""
    return int(_knob("PARLEY_LIVE_LISTENER_QUEUE", "256"))
