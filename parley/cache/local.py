"""Rows that nearly every request reads and editors rarely change (the site a host
serves, the site's moderation policy), kept in this process for a few seconds.

How fresh they are:
- in the process that saves or deletes one: at once (post_save / post_delete, and again
  when the change commits);
- in every other process: as soon as it hears the generation bump that the change
  publishes (parley/cache/front.py, when Redis is configured), and in any case within
  PARLEY_LOCAL_CACHE_SECONDS (5; 0 turns the cache off).

Each caller gets its own copy of a cached model instance, so changing it changes nothing
for another request. A change made with `QuerySet.update()` sends no signal: it is seen
when the entry expires, or after `clear()`.
"""

import copy
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any

from django.conf import settings

MAX_ENTRIES = 1000  # per table; keys include the Host header, so the table stays bounded

_lock = threading.Lock()
_epoch = 0  # moves on every clear(): a load that overlapped a clear is not kept


class LocalRows:
    def __init__(self) -> None:
        self._entries: dict[Hashable, tuple[float, int, Any]] = {}

    def get[T](self, key: Hashable, load: Callable[[], T]) -> T:
        """The cached row for `key`, or `load()`'s (kept when it is not None)."""
        seconds = settings.PARLEY_LOCAL_CACHE_SECONDS
        now = time.monotonic()
        entry = self._entries.get(key)
        if entry is not None and entry[0] > now and entry[1] == _epoch:
            return copy.copy(entry[2])
        epoch = _epoch
        value = load()
        if value is not None and seconds > 0:
            with _lock:
                if epoch == _epoch:
                    if len(self._entries) >= MAX_ENTRIES:
                        self._entries.clear()
                    self._entries[key] = (now + seconds, epoch, value)
            return copy.copy(value)
        return value

    def clear(self) -> None:
        self._entries.clear()


def clear(*args: Any, **kwargs: Any) -> None:
    """Forgets every cached row in this process (a signal receiver as well)."""
    global _epoch
    with _lock:
        _epoch += 1
        for table in TABLES:
            table.clear()


sites = LocalRows()  # by (host, embedded site key, default site key)
site_policies = LocalRows()  # by site id
TABLES = (sites, site_policies)
