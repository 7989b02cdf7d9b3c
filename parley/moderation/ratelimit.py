"""Rate limits per account (and per client address where a request is at hand).

Fixed windows: `<prefix>:<action>:<subject>:<window number>` counts hits in Redis (INCR with
an expiry) when REDIS_URL is set, else in the RateCounter table (an upsert decided by its
unique constraint; older windows of the key are deleted as a new one starts). A Redis
failure falls back to the database rather than refusing or waving everyone through. In
the database a refused attempt rolls back with the request's transaction, so it does not
count; in Redis it does: either way the limit holds.

The client address comes from REMOTE_ADDR, or from the proxy header only when REMOTE_ADDR
is one of PARLEY_TRUSTED_PROXIES: anyone can send an X-Forwarded-For header.
"""

import ipaddress
import logging
import time
from functools import lru_cache

import redis
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest

from parley.errors import ParleyError
from parley.moderation import conf
from parley.moderation.models import RateCounter

log = logging.getLogger(__name__)

ACTION_WORDS = {
    "comment": "comments",
    "edit": "edits",
    "vote": "votes",
    "report": "reports",
    "report_ip": "reports",
}


class RateLimited(ParleyError):
    code = "rate_limited"
    status = 429
    message = "You are doing that too often. Wait a minute and try again."


@lru_cache(maxsize=4)
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)


def _redis_hit(url: str, key: str, seconds: int) -> int:
    pipe = _client(url).pipeline()
    pipe.incr(key)
    pipe.expire(key, seconds + 1, nx=True)
    count, _ = pipe.execute()
    return int(count)


def _db_hit(key: str, window: int) -> int:
    with transaction.atomic():
        updated = RateCounter.objects.filter(key=key, window=window).update(count=F("count") + 1)
        if not updated:
            try:
                with transaction.atomic():
                    RateCounter.objects.create(key=key, window=window, count=1)
                # Old windows of this key are of no more use.
                RateCounter.objects.filter(key=key, window__lt=window).delete()
                return 1
            except IntegrityError:  # another request created it first
                RateCounter.objects.filter(key=key, window=window).update(count=F("count") + 1)
        return RateCounter.objects.filter(key=key, window=window).values_list("count", flat=True)[0]


def hit(action: str, subject: str, *, now: float | None = None) -> int:
    """Counts one hit and returns the count in the current window."""
    _allowed, seconds = conf.rate_limit(action)
    window = int((now if now is not None else time.time()) // seconds)
    key = f"{conf.rate_limit_prefix()}:{action}:{subject}"
    url = conf.redis_url()
    if url:
        try:
            return _redis_hit(url, f"{key}:{window}", seconds)
        except redis.RedisError:
            log.warning("rate limit: Redis unavailable, counting %s in the database", action)
    return _db_hit(key, window)


def check(action: str, subject: str | int) -> None:
    """Counts one hit; raises RateLimited when the window's allowance is used up."""
    allowed, seconds = conf.rate_limit(action)
    if hit(action, str(subject)) > allowed:
        what = ACTION_WORDS.get(action, "requests")
        raise RateLimited(
            f"You have reached the limit of {allowed} {what} in {_span(seconds)}. "
            "Wait a little and try again."
        )


def _span(seconds: int) -> str:
    if seconds % 3600 == 0:
        return f"{seconds // 3600} hour{'s' if seconds > 3600 else ''}"
    if seconds % 60 == 0:
        return f"{seconds // 60} minute{'s' if seconds > 60 else ''}"
    return f"{seconds} seconds"


def _in_networks(address: str, networks: list[str]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for net in networks:
        try:
            if ip in ipaddress.ip_network(net, strict=False):
                return True
        except ValueError:
            continue
    return False


def client_ip(request: HttpRequest) -> str:
    """The client's address. The proxy header is read only on a request that came from a
    trusted proxy, and then from the right: the first address that is not itself a
    trusted proxy is the client (addresses further left are the client's own claims)."""
    remote = str(request.META.get("REMOTE_ADDR", ""))
    trusted = conf.trusted_proxies()
    if not trusted or not _in_networks(remote, trusted):
        return remote
    chain = [part.strip() for part in str(request.META.get(conf.proxy_header(), "")).split(",")]
    for address in reversed([p for p in chain if p]):
        try:
            ipaddress.ip_address(address)
        except ValueError:
            return remote  # a malformed header: trust nothing in it
        if not _in_networks(address, trusted):
            return address
    return remote
