"""One reader's Server-Sent Events stream of one article.

The frames: `retry:` (a jittered reconnect hint) and `hello` first, then the events missed
since Last-Event-ID, then live events, with a comment line as heartbeat when nothing
happens. Control events: `refetch` (too far behind for the backlog: reload the discussion)
and `poll` (the broker is unavailable: poll /events until the stream works again). A
stream ends after a lifetime so that the browser reconnects and is checked again.

`Session` holds the protocol; `async_stream` drives it for ASGI (granian), `sync_stream`
for WSGI (runserver, the test live server), where Django would otherwise collect an async
iterator into a list before sending anything.
"""

import asyncio
import json
import random
import time
from collections import deque
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from asgiref.sync import SyncToAsync
from django.db import connections

from parley.live import backlog, conf
from parley.live.broker import (
    AsyncListener,
    Control,
    Delivery,
    Hub,
    Item,
    Listener,
    ThreadListener,
    sse_frame,
)

HEARTBEAT = b": keep-alive\n\n"
SENT_MEMORY = 1024  # ids remembered to drop duplicates (replay overlap, retried sends)
WAIT_FOR_BROKER = 1.0  # seconds a new stream waits for this process's subscription
WSGI_HEARTBEAT = 5.0


@dataclass(frozen=True)
class StreamStart:
    """What the view learned before streaming: the reader and where to resume."""

    article_id: int
    moderator: bool
    after: int | None  # None: the client sent no id, so stream from now on
    missed: backlog.Replay | None = None  # what came after `after`, read once listening


class Session:
    def __init__(self, start: StreamStart) -> None:
        self.start = start
        self.retry_ms = random.randint(*conf.retry_ms())
        lifetime = conf.stream_lifetime_seconds()
        self.deadline = time.monotonic() + lifetime * random.uniform(0.9, 1.1)
        self._sent: set[int] = set()
        self._order: deque[int] = deque()

    def expired(self) -> bool:
        return time.monotonic() >= self.deadline

    def opening(self) -> bytes:
        hello = json.dumps({"after": self.start.after, "retry": self.retry_ms})
        # The hello's id sets the browser's Last-Event-ID even if no event follows.
        return f"retry: {self.retry_ms}\n\n".encode() + sse_frame(
            hello, event="hello", id=self.start.after
        )

    def unavailable(self) -> bytes:
        data = json.dumps({"after": self.start.after, "poll_ms": conf.poll_ms()})
        return f"retry: {self.retry_ms}\n\n".encode() + sse_frame(data, event="poll")

    def refetch(self) -> bytes:
        return sse_frame(json.dumps({"after": self.start.after}), event="refetch")

    def begin(self, *, available: bool) -> tuple[list[bytes], bool]:
        """What a stream sends before it waits for events (the opening, what the reader
        missed), and whether it ends there."""
        if not available:
            return [self.unavailable()], True
        frames = [self.opening()]
        if self.start.missed is None:
            return frames, False
        replayed, done = self.replay(self.start.missed)
        return frames + ([replayed] if replayed else []), done

    def replay(self, missed: backlog.Replay) -> tuple[bytes, bool]:
        """Frames for the events missed since Last-Event-ID; True when the stream ends."""
        if missed.refetch:
            return self.refetch(), True
        frames: list[bytes] = []
        for event in missed.events:
            self._remember(event["id"])
            data = json.dumps(event, separators=(",", ":"))
            frames.append(sse_frame(data, event=event["type"], id=event["id"]))
        return b"".join(frames), False

    def handle(self, items: list[Item]) -> tuple[bytes, bool]:
        """Frames for what the Hub delivered; True when the stream must end."""
        frames: list[bytes] = []
        for item in items:
            if item is Control.DOWN:
                return b"".join(frames) + self.unavailable(), True
            if item is Control.OVERFLOW:
                return b"".join(frames), True  # the browser resumes from the backlog
            assert isinstance(item, Delivery)
            after = self.start.after
            if item.id in self._sent or (after is not None and item.id <= after):
                continue
            if not (item.public or self.start.moderator):
                continue
            self._remember(item.id)
            frames.append(item.frame)
        return b"".join(frames), False

    def _remember(self, event_id: int) -> None:
        self._sent.add(event_id)
        self._order.append(event_id)
        if len(self._order) > SENT_MEMORY:
            self._sent.discard(self._order.popleft())


def new_listener(hub: Hub, article_id: int, *, asgi: bool) -> Listener:
    """Registers a stream's listener before its backlog is read, so that nothing falls in
    between. Until the view knows who reads, the listener takes everything (moderator);
    Session drops what the reader may not see."""
    listener: Listener
    if asgi:
        loop = asyncio.get_running_loop()
        listener = AsyncListener(article_id=article_id, moderator=True, loop=loop)
    else:
        listener = ThreadListener(article_id=article_id, moderator=True)
    hub.add(listener)
    return listener


async def wait_for_broker(hub: Hub) -> bool:
    """Starts this process's subscription if needed; on a cold start, waits a moment."""
    hub.ensure_started()
    waited = 0.0
    while not hub.available and waited < WAIT_FOR_BROKER:
        await asyncio.sleep(0.05)
        waited += 0.05
    return hub.available


class _SharedExecutor(ThreadPoolExecutor):
    """One thread for the sync work of every open stream once it has started. asgiref
    shuts a request's executor down when the request ends; this one outlives them."""

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        pass


_STREAMS_EXECUTOR = _SharedExecutor(max_workers=1, thread_name_prefix="parley-live-sync")


def hand_over_request_thread() -> None:
    """Lets go of the thread Django gave this ASGI request, once the stream's own sync
    work is done (call it from the view, in the request's context).

    Django runs each ASGI request's sync code (middleware, sync_to_async) in a thread of
    its own that lives as long as the request: for a stream, as long as the reader stays,
    about 250 KiB each (measured in bench/live_bench.py). What sync work the request has
    left (middleware on the way out, closing) moves to one shared thread instead. This
    leans on asgiref's ThreadSensitiveContext bookkeeping; if that changes, streams keep
    working and only cost their thread again."""
    try:
        context = SyncToAsync.thread_sensitive_context.get()
        executors = SyncToAsync.context_to_thread_executor
    except (LookupError, AttributeError):
        return  # not under an ASGI handler's context (tests, WSGI)
    own = executors.get(context)
    if own is None or own is _STREAMS_EXECUTOR:
        return
    executors[context] = _STREAMS_EXECUTOR
    own.shutdown(wait=False)  # its worker is idle: it ends now


def release_database() -> None:
    """Closes this thread's database connections: an open stream must hold none (one per
    reader would exhaust PostgreSQL's max_connections). Django gives every ASGI request a
    thread of its own for sync code, and that thread lives as long as the stream. Inside
    a transaction (tests) there is nothing to release."""
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close()


async def async_stream(start: StreamStart, hub: Hub, listener: Listener) -> AsyncIterator[bytes]:
    session = Session(start)
    try:
        frames, done = session.begin(available=hub.available)
        for frame in frames:
            yield frame
        assert isinstance(listener, AsyncListener)
        heartbeat = conf.heartbeat_seconds()
        while not done and not session.expired():
            items = await listener.get(heartbeat)
            frame, done = session.handle(items) if items else (HEARTBEAT, False)
            if frame:
                yield frame
    finally:
        hub.remove(listener)


def sync_stream(start: StreamStart, hub: Hub, listener: Listener) -> Iterator[bytes]:
    """The same stream for WSGI servers: one thread per open stream, so for development
    and tests only (docs/live.md)."""
    session = Session(start)
    try:
        release_database()
        frames, done = session.begin(available=hub.available)
        yield from frames
        assert isinstance(listener, ThreadListener)
        # A thread notices a reader has gone only when a write fails: beat often.
        heartbeat = min(conf.heartbeat_seconds(), WSGI_HEARTBEAT)
        while not done and not session.expired():
            items = listener.get(heartbeat)
            frame, done = session.handle(items) if items else (HEARTBEAT, False)
            if frame:
                yield frame
    finally:
        hub.remove(listener)
