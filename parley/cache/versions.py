"""Per-article version tokens, and the shared cache they live in.

Every cached page of an article is stored with the article's version token at the moment
its rendering began; a page is served only while that token is still current. Bumping
(`bump_article`) writes a new random token, so every page of the article rendered before
the change is dead at once, in every process that shares the cache, without finding or
deleting any of them.

Why tokens and not counters: a counter restarts when the cache is emptied (a Redis
restart, a process restart with local memory), and an old ETag could then name new
content. A random token is never reused.

Ordering: a page's token is read *before* any of the rows it shows, and bumps happen
*after* the change commits (discussion events run on commit). So a page stored under the
current token can only show rows at least as new as the last bump: a guest never sees a
page older than a change whose request has completed.

A cache that fails (Redis down) must not take the pages down with it: `guarded` turns
errors into misses and stops asking for a few seconds (logged once per outage).
"""

import logging
import secrets
import time
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import transaction

from parley.cache import front, local

log = logging.getLogger("parley.cache")

VERSION_TTL = 7 * 24 * 3600  # a version missing from the cache is simply made anew
GENERATION_KEY = "pc:gen"
RETRY_AFTER_FAILURE = 5.0

_down_until = 0.0


def version_key(article_id: int) -> str:
    return f"pc:v:{article_id}"


def new_token() -> str:
    return secrets.token_hex(6)


def available() -> bool:
    return time.monotonic() >= _down_until


def guarded[T](action: Callable[[], T], default: T) -> T:
    """Runs a cache operation; on failure returns `default` and rests the cache briefly."""
    global _down_until
    if not available():
        return default
    try:
        return action()
    except Exception:  # any backend error (connection refused, timeout, …)
        if available():
            log.warning("page cache unavailable; serving uncached", exc_info=True)
        _down_until = time.monotonic() + RETRY_AFTER_FAILURE
        return default


def ensure_tokens(found: dict[str, Any], keys: list[str]) -> dict[str, str]:
    """The current token of each key (versions, the generation), creating the missing
    ones. `found` is what a get_many of these keys already returned, so a warm cache
    costs no extra round trip. `add` lets concurrent first readers agree on one token."""
    tokens = {k: found[k] for k in keys if found.get(k) is not None}
    missing = [k for k in keys if k not in tokens]
    if missing:
        for key in missing:
            cache.add(key, new_token(), VERSION_TTL)
        tokens.update(cache.get_many(missing))
    return tokens


def article_version(article_id: int) -> str | None:
    """The article's current token, or None when the cache is unavailable."""
    key = version_key(article_id)
    return guarded(lambda: ensure_tokens(cache.get_many([key]), [key]).get(key), None)


def bump_article(article_id: int) -> None:
    """Every cached page of the article is stale from now on. Call it after the change
    has committed (or from transaction.on_commit)."""
    guarded(lambda: cache.set(version_key(article_id), new_token(), VERSION_TTL), None)
    front.bumps().publish(article_id)  # every process's front forgets the article's pages


def bump_generation() -> None:
    """Every cached page of every article is stale from now on (a site changed)."""
    local.clear()
    guarded(lambda: cache.set(GENERATION_KEY, new_token(), VERSION_TTL), None)
    front.bumps().publish(front.GENERATION)


def on_discussion_event(sender: Any, comment: Any = None, **payload: Any) -> None:
    if comment is not None:
        bump_article(comment.article_id)


def on_article_saved(sender: Any, instance: Any, **payload: Any) -> None:
    article_id = instance.pk
    transaction.on_commit(lambda: bump_article(article_id), robust=True)


def on_policy_saved(sender: Any, instance: Any, **payload: Any) -> None:
    article_id = instance.article_id
    transaction.on_commit(lambda: bump_article(article_id), robust=True)


def on_site_saved(sender: Any, instance: Any, **payload: Any) -> None:
    transaction.on_commit(bump_generation, robust=True)
