"""Fan-out of live events: one broker subscription per process, then in-process delivery
to that process's open streams.

Publishing: `publisher().publish(article_id, raw)` sends the JSON event with Redis PUBLISH
on `<prefix>:<article id>` when REDIS_URL is set, else hands it straight to this process's
Hub. Failures are logged and swallowed (the event is already in the backlog table, so
readers get it when they resume or poll); failed sends are retried for a minute.

Receiving: the Hub keeps one Listener per open stream, by article. With Redis, a daemon
thread holds the process's single pattern subscription `<prefix>:*` and hands every message
to the Hub. The Hub formats each event's SSE frame once and pushes it to every listener
allowed to see it: directly for listeners that are threads (WSGI), and with one
`call_soon_threadsafe` per event loop for the listeners of async streams (ASGI).
"""

import asyncio
import enum
import json
import logging
import threading
import time
import weakref
from collections import deque
from dataclasses import dataclass
from typing import Protocol

import redis

from parley import pubsub
from parley.live import conf

log = logging.getLogger(__name__)


def sse_frame(data: str, *, event: str | None = None, id: int | None = None) -> bytes:
    """One Server-Sent Events message. `data` is one line (compact JSON)."""
    head = (f"id: {id}\n" if id is not None else "") + (f"event: {event}\n" if event else "")
    return f"{head}data: {data}\n\n".encode()


@dataclass(frozen=True, slots=True)
class Delivery:
    id: int
    type: str
    frame: bytes
    public: bool = True


class Control(enum.Enum):
    DOWN = "down"  # the broker connection was lost: events may be missed until resume
    OVERFLOW = "overflow"  # the reader fell too far behind: end the stream, resume later


Item = Delivery | Control


class Listener:
    """The inbox of one open stream. `push` runs on the listener's own thread (for async
    listeners, their event loop's thread: the Hub sees to it)."""

    def __init__(self, *, article_id: int, moderator: bool, max_items: int | None = None):
        self.article_id = article_id
        self.moderator = moderator
        self._items: deque[Item] = deque()
        self._max = max_items or conf.listener_queue()

    def push(self, item: Item) -> None:
        if len(self._items) >= self._max:
            self._items.clear()
            item = Control.OVERFLOW
        self._items.append(item)
        self._wake()

    def _wake(self) -> None:
        raise NotImplementedError

    def _drain(self) -> list[Item]:
        items = list(self._items)
        self._items.clear()
        return items


class AsyncListener(Listener):
    def __init__(self, *, article_id: int, moderator: bool, loop: asyncio.AbstractEventLoop):
        super().__init__(article_id=article_id, moderator=moderator)
        self.loop = loop
        self._event = asyncio.Event()

    def _wake(self) -> None:
        self._event.set()

    async def get(self, timeout: float) -> list[Item]:
        """What arrived since the last call; [] when `timeout` passes with nothing."""
        if not self._items:
            try:
                async with asyncio.timeout(timeout):
                    await self._event.wait()
            except TimeoutError:
                return []
        self._event.clear()
        return self._drain()


class ThreadListener(Listener):
    def __init__(self, *, article_id: int, moderator: bool):
        super().__init__(article_id=article_id, moderator=moderator)
        self._event = threading.Event()

    def _wake(self) -> None:
        self._event.set()

    def get(self, timeout: float) -> list[Item]:
        if not self._items:
            self._event.wait(timeout)
        self._event.clear()  # before draining, so a push after the drain wakes us again
        return self._drain()


def _push_all(listeners: list[AsyncListener], item: Item) -> None:
    for listener in listeners:
        listener.push(item)


class Hub:
    """This process's open streams, and (with Redis) its one subscription."""

    def __init__(self, *, redis_url: str = "", prefix: str = "parley:live") -> None:
        self.redis_url = redis_url
        self.prefix = prefix
        self._lock = threading.Lock()
        # Weak: a stream whose response was never iterated (the client left first) cannot
        # leave its listener behind.
        self._listeners: dict[int, weakref.WeakSet[Listener]] = {}
        self._up = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if not redis_url:
            self._up.set()  # the in-process broker cannot go down

    @property
    def available(self) -> bool:
        """True while events published anywhere reach this process."""
        return self._up.is_set()

    def wait_available(self, timeout: float) -> bool:
        """Blocks until the subscription is up or `timeout` passes (threads only)."""
        return self._up.wait(timeout)

    def listener_count(self) -> int:
        with self._lock:
            return sum(len(group) for group in self._listeners.values())

    def add(self, listener: Listener) -> None:
        with self._lock:
            self._listeners.setdefault(listener.article_id, weakref.WeakSet()).add(listener)

    def remove(self, listener: Listener) -> None:
        with self._lock:
            group = self._listeners.get(listener.article_id)
            if group is not None:
                group.discard(listener)
                if not group:
                    del self._listeners[listener.article_id]

    def dispatch(self, raw: str | bytes) -> int:
        """Delivers one published event to the listeners that may see it; returns how
        many. Safe to call from any thread. Events that are not public go to moderators
        only (an unknown visibility fails closed)."""
        try:
            data = raw.decode() if isinstance(raw, bytes) else raw
            event = json.loads(data)
            article_id, event_id, kind = int(event["article"]), int(event["id"]), event["type"]
            public = event.get("visibility") == "public"
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            log.warning("live: dropped a malformed event: %.200r", raw)
            return 0
        delivery = Delivery(event_id, kind, sse_frame(data, event=kind, id=event_id), public)
        with self._lock:
            targets = tuple(self._listeners.get(article_id, ()))
        return self._deliver([t for t in targets if public or t.moderator], delivery)

    def broadcast(self, item: Control) -> int:
        with self._lock:
            targets = [t for group in self._listeners.values() for t in group]
        return self._deliver(targets, item)

    def _deliver(self, targets: list[Listener], item: Item) -> int:
        by_loop: dict[asyncio.AbstractEventLoop, list[AsyncListener]] = {}
        for target in targets:
            if isinstance(target, AsyncListener):
                by_loop.setdefault(target.loop, []).append(target)
            else:
                target.push(item)
        for loop, group in by_loop.items():
            try:
                loop.call_soon_threadsafe(_push_all, group, item)
            except RuntimeError:  # that loop has closed, and its streams with it
                for listener in group:
                    self.remove(listener)
        return len(targets)

    # The subscription (Redis only) -------------------------------------------------

    def ensure_started(self) -> None:
        """Starts the subscriber thread once per process (lazily: never in a parent that
        forks workers)."""
        if not self.redis_url or (self._thread is not None and self._thread.is_alive()):
            return
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stop.clear()
            self._thread = threading.Thread(
                target=self._subscribe_forever, name="parley-live-redis", daemon=True
            )
            self._thread.start()

    def stop(self, timeout: float = 3.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _subscribe_forever(self) -> None:
        pubsub.listen_forever(
            self.redis_url,
            stop=self._stop,
            pattern=f"{self.prefix}:*",
            on_up=self._subscribed,
            on_message=self.dispatch,
            on_down=self._lost,
        )

    def _subscribed(self) -> None:
        self._up.set()
        log.info("live: subscribed to %s:*", self.prefix)

    def _lost(self, error: Exception | None) -> None:
        if error is not None and self._up.is_set():
            log.warning("live: lost the Redis subscription: %s", error)
        if self._up.is_set():
            self._up.clear()
            self.broadcast(Control.DOWN)


class Publisher(Protocol):
    def publish(self, article_id: int, raw: str) -> None: ...


class LocalPublisher:
    """Without Redis: straight into this process's Hub (one process only)."""

    def __init__(self, target: Hub) -> None:
        self.hub = target

    def publish(self, article_id: int, raw: str) -> None:
        self.hub.dispatch(raw)


class RedisPublisher:
    HOLD_SECONDS = 60.0  # older unsent events are dropped: readers resume from the backlog

    def __init__(self, url: str, prefix: str) -> None:
        self.prefix = prefix
        self._client = pubsub.publishing_client(url)
        self._held: deque[tuple[float, str, str]] = deque(maxlen=1000)
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._failing = False

    def publish(self, article_id: int, raw: str) -> None:
        self._held.append((time.monotonic(), f"{self.prefix}:{article_id}", raw))
        self.flush()

    def flush(self) -> bool:
        """Sends held events in order; on failure keeps them and retries in a second."""
        with self._lock:
            while self._held:
                held_at, channel, raw = self._held[0]
                if time.monotonic() - held_at > self.HOLD_SECONDS:
                    self._held.popleft()
                    continue
                try:
                    self._client.publish(channel, raw)
                except (redis.RedisError, OSError) as error:
                    # Once per outage at warning level; each retry would repeat it.
                    level = logging.DEBUG if self._failing else logging.WARNING
                    log.log(level, "live: publish failed, %d held: %s", len(self._held), error)
                    self._failing = True
                    self._schedule_retry()
                    return False
                self._held.popleft()
            if self._failing:
                log.warning("live: publishing works again")
                self._failing = False
        return True

    def _schedule_retry(self) -> None:
        if self._timer is None:
            self._timer = threading.Timer(1.0, self._retry)
            self._timer.daemon = True
            self._timer.start()

    def _retry(self) -> None:
        with self._lock:
            self._timer = None
        self.flush()


_hubs: dict[tuple[str, str], Hub] = {}
_publishers: dict[tuple[str, str], Publisher] = {}
_registry_lock = threading.RLock()


def hub() -> Hub:
    """This process's Hub for the current settings."""
    key = (conf.redis_url(), conf.channel_prefix())
    with _registry_lock:
        if key not in _hubs:
            _hubs[key] = Hub(redis_url=key[0], prefix=key[1])
        return _hubs[key]


def publisher() -> Publisher:
    key = (conf.redis_url(), conf.channel_prefix())
    with _registry_lock:
        if key not in _publishers:
            _publishers[key] = RedisPublisher(*key) if key[0] else LocalPublisher(hub())
        return _publishers[key]


def reset() -> None:
    """Stops every subscriber thread and forgets hubs and publishers (tests)."""
    with _registry_lock:
        hubs = list(_hubs.values())
        _hubs.clear()
        _publishers.clear()
    for each in hubs:
        each.stop()
