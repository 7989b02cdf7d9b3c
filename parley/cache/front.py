"""The front of the guest page cache: each process keeps in memory the shared guest pages it
has recently served and answers a repeat request for one before Django runs at all.

A request served from here costs a dictionary lookup: no middleware, no session, no cache
round trip. It is the same page pages.py would serve from the shared cache, so the rules
are the same, and they stay pages.py's to make:

- Only responses that pages.py marks shareable (`X-Parley-Shared: <article id>`, set on a
  canonical guest page it served or stored) are kept. The marker never leaves the process.
- Only requests that pages.py would treat as a guest's are answered here: no session
  cookie, no `Authorization`, not the embed's frame (`X-Parley-Embed`), GET only. The key
  holds everything else the page depends on: scheme, host (and the forwarded host and
  scheme), path, query string, Origin (CORS headers) and the fragment header.
- A kept page dies when its article's version is bumped or the generation changes
  (versions.py). The bump is heard at once in the process that made it, and in every other
  process through Redis pub/sub (`<prefix>:pc:bumps`). Without Redis there is one process
  and the local call is enough.

Staleness is ruled out the way versions.py rules it out for the shared cache: a page is
kept only if no bump of its article (nor of the generation) was heard between the start
of the request that rendered it and the moment it is kept; and while the subscription is
down (Redis restarting), nothing is kept or served here, and everything kept is dropped
(a message may have been missed). Pages also leave after PARLEY_PAGE_CACHE_SECONDS, and
the least recently used go first once PARLEY_FRONT_CACHE_MB is reached.

Requests for a page that is not kept yet are coalesced: while one is on its way through
Django, the others for the same key wait for it (at most FOLLOW_SECONDS) and are answered
from what it kept. A hot article's page, dropped by a new comment or not yet kept by a
worker that just started, costs one pass through Django per process instead of one per
reader arriving meanwhile. A key whose answer turned out not to be shareable is
remembered, and its requests go straight to Django until one of its answers is kept.
"""

import asyncio
import contextlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

import redis
from django.conf import settings
from django.utils.http import parse_etags

from parley import pubsub
from parley.cache import local

log = logging.getLogger("parley.cache")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[..., Awaitable[None]]  # Django's handler types its arguments its own way

SHARED_HEADER = "X-Parley-Shared"
FRONT_SCOPE_KEY = "parley.front"
_SHARED = SHARED_HEADER.lower().encode()
_SKIP_HEADERS = (b"authorization", b"x-parley-embed")
_KEY_HEADERS = (
    b"host",
    b"origin",
    b"x-forwarded-host",
    b"x-forwarded-proto",
    b"x-parley-fragment",
)
MAX_PAGE_BYTES = 2 * 1024 * 1024
FOLLOW_SECONDS = 5.0  # the longest a request waits for another's identical one
MAX_PLAIN_KEYS = 10_000
GENERATION = 0  # the article id under which a generation bump is recorded
LATER = "-"  # the mark of a shareable page not to keep this time (pages.py, a new route)


@dataclass(frozen=True, slots=True)
class Kept:
    article_id: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    etag: bytes
    kept_at: float


class Memo:
    """The kept pages of this process, and the bumps it has heard."""

    def __init__(self, *, max_bytes: int, max_age: float) -> None:
        self.max_bytes = max_bytes
        self.max_age = max_age
        self._pages: OrderedDict[tuple[bytes, ...], Kept] = OrderedDict()
        self._by_article: dict[int, set[tuple[bytes, ...]]] = {}
        self._bytes = 0
        self._lock = threading.Lock()
        self._clock = 0  # counts the bumps heard
        self._bumped_at: dict[int, int] = {}  # article id (or GENERATION) → clock
        self.serving = True

    # Reads and writes from the request path ---------------------------------------

    def clock(self) -> int:
        return self._clock

    def get(self, key: tuple[bytes, ...]) -> Kept | None:
        if not self.serving:
            return None
        with self._lock:
            kept = self._pages.get(key)
            if kept is None:
                return None
            if time.monotonic() - kept.kept_at > self.max_age:
                self._drop(key)
                return None
            self._pages.move_to_end(key)
            return kept

    def keep(self, key: tuple[bytes, ...], kept: Kept, *, since: int) -> bool:
        """Keeps a page rendered by a request that started at clock `since`, unless its
        article or the generation was bumped since then (or the subscription is down)."""
        if len(kept.body) > MAX_PAGE_BYTES:
            return False
        with self._lock:
            bumped = since != self._clock and (
                self._bumped_at.get(kept.article_id, -1) >= since
                or self._bumped_at.get(GENERATION, -1) >= since
            )
            if bumped or not self.serving:
                return False
            if key in self._pages:
                self._drop(key)
            self._pages[key] = kept
            self._by_article.setdefault(kept.article_id, set()).add(key)
            self._bytes += len(kept.body)
            while self._bytes > self.max_bytes and self._pages:
                self._drop(next(iter(self._pages)))
            return True

    # Bumps, from this process or heard from the others ------------------------------

    def bump(self, article_id: int) -> None:
        """Article `article_id` changed (GENERATION: every article)."""
        with self._lock:
            self._bumped_at[article_id] = self._clock
            self._clock += 1
            if article_id == GENERATION:
                self._clear()
            else:
                for key in self._by_article.pop(article_id, ()):
                    self._drop(key)
            if len(self._bumped_at) > 50_000:
                # Forgetting the old entries is safe as one generation bump at this clock:
                # requests already under way keep nothing.
                self._bumped_at = {GENERATION: self._clock - 1}

    def suspend(self) -> None:
        """The subscription is down: a bump could be missed, so nothing is trusted."""
        self.serving = False
        self.bump(GENERATION)

    def resume(self) -> None:
        """Subscribed again: what was kept before may have missed a bump."""
        self.bump(GENERATION)
        self.serving = True

    def size(self) -> tuple[int, int]:
        return len(self._pages), self._bytes

    def _clear(self) -> None:
        self._pages.clear()
        self._by_article.clear()
        self._bytes = 0

    def _drop(self, key: tuple[bytes, ...]) -> None:
        kept = self._pages.pop(key, None)
        if kept is not None:
            self._bytes -= len(kept.body)
            keys = self._by_article.get(kept.article_id)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._by_article[kept.article_id]


def channel() -> str:
    return f"{settings.CACHES['default'].get('KEY_PREFIX', 'parley')}:pc:bumps"


class Bumps:
    """Tells the other processes of a bump, and hears theirs (Redis pub/sub, one
    subscription per process, in a daemon thread)."""

    def __init__(self, memo: Memo, redis_url: str) -> None:
        self.memo = memo
        self.redis_url = redis_url
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        if redis_url:
            memo.serving = False  # until subscribed

    def publish(self, article_id: int) -> None:
        self.memo.bump(article_id)
        if not self.redis_url:
            return
        try:
            pubsub.publishing_client(self.redis_url).publish(channel(), str(article_id))
        except (redis.RedisError, OSError):
            # The shared cache is down too (versions.guarded); the other processes'
            # subscriptions drop with it and they keep nothing until it is back.
            log.debug("page cache: bump not published", exc_info=True)

    def ensure_listening(self) -> None:
        if not self.redis_url or (self._thread is not None and self._thread.is_alive()):
            return
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._thread = threading.Thread(
                target=self._listen_forever, name="parley-cache-bumps", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _listen_forever(self) -> None:
        pubsub.listen_forever(
            self.redis_url,
            stop=self._stop,
            channel=channel(),
            on_up=self.memo.resume,
            on_message=self._heard,
            on_down=self._lost,
        )

    def _heard(self, data: bytes) -> None:
        with contextlib.suppress(ValueError):
            article_id = int(data)
            self.memo.bump(article_id)
            if article_id == GENERATION:  # a site or its policy changed in another process
                local.clear()

    def _lost(self, error: Exception | None) -> None:
        if error is not None and self.memo.serving:
            log.warning("page cache: lost the bump subscription: %s", error)
        self.memo.suspend()


_bumps: Bumps | None = None
_setup_lock = threading.Lock()


def bumps() -> Bumps:
    """This process's memo and its link to the others."""
    global _bumps
    if _bumps is None:
        with _setup_lock:
            if _bumps is None:
                memo = Memo(
                    max_bytes=settings.PARLEY_FRONT_CACHE_MB * 1024 * 1024,
                    max_age=float(settings.PARLEY_PAGE_CACHE_SECONDS),
                )
                _bumps = Bumps(memo, settings.REDIS_URL)
    return _bumps


def reset() -> None:
    """Forgets this process's kept pages (tests, and settings that changed)."""
    global _bumps
    with _setup_lock:
        if _bumps is not None:
            _bumps.stop()
        _bumps = None


def _request_key(scope: Scope) -> tuple[bytes, ...] | None:
    """The page's key, or None when the request is not one this front may answer."""
    if scope["type"] != "http" or scope["method"] != "GET":
        return None
    found: dict[bytes, bytes] = {}
    for name, value in scope["headers"]:
        if name in _SKIP_HEADERS:
            return None
        if name == b"cookie":
            if _session_cookie(value):
                return None
        elif name in _KEY_HEADERS:
            if name in found:  # repeated: let Django decide
                return None
            found[name] = value
    return (
        scope.get("scheme", "http").encode(),
        scope["path"].encode(),
        scope.get("query_string", b""),
        *(found.get(name, b"") for name in _KEY_HEADERS),
    )


_session_name: bytes = b""


def _session_cookie(header: bytes) -> bool:
    global _session_name
    if not _session_name:
        _session_name = settings.SESSION_COOKIE_NAME.encode() + b"="
    return any(part.strip().startswith(_session_name) for part in header.split(b";"))


def etag_matches(if_none_match: str, etag: str) -> bool:
    """Whether an If-None-Match header names `etag` (weakly compared), or is `*`. The
    front and pages.py answer 304 by the same rule."""
    wanted = parse_etags(if_none_match)
    weak = etag.removeprefix("W/")
    return "*" in wanted or any(tag.removeprefix("W/") == weak for tag in wanted)


def _not_modified(scope: Scope, etag: bytes) -> bool:
    if not etag:
        return False
    for name, value in scope["headers"]:
        if name == b"if-none-match":
            return etag_matches(value.decode("latin-1"), etag.decode("latin-1"))
    return False


class FrontCache:
    """ASGI middleware around Django's application (parley/asgi.py)."""

    def __init__(self, app: ASGIApp, *, on_served: Callable[[], None] | None = None) -> None:
        self.app = app
        self.on_served = on_served
        # Keys on their way through Django now, and keys whose answer was not shareable.
        self._leading: dict[tuple[bytes, ...], asyncio.Future[None]] = {}
        self._plain: set[tuple[bytes, ...]] = set()

    def start(self) -> None:
        """Subscribes to the other processes' bumps now (asgi.py, as the process loads):
        until the subscription is up this front keeps and serves nothing, and a worker
        that waited for its first request to subscribe sent the readers of that moment
        through Django."""
        if settings.PARLEY_PAGE_CACHE and settings.PARLEY_FRONT_CACHE:
            bumps().ensure_listening()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = _request_key(scope)
        if key is None or not (settings.PARLEY_PAGE_CACHE and settings.PARLEY_FRONT_CACHE):
            await self.app(scope, receive, send)
            return
        scope[FRONT_SCOPE_KEY] = True  # pages.py marks shareable pages only for a front
        front = bumps()
        front.ensure_listening()
        memo = front.memo
        kept = memo.get(key)
        if kept is None and key not in self._plain and memo.serving:
            kept = await self._follow(key, memo)
        if kept is not None:
            await self._answer(scope, send, kept)
            return
        leading = self._lead(key) if key not in self._plain else None
        try:
            await self.app(scope, receive, self._keeping(send, memo, key, memo.clock(), self))
        finally:
            if leading is not None:
                self._release(key, leading)

    async def _follow(self, key: tuple[bytes, ...], memo: Memo) -> Kept | None:
        """Waits for a request already on its way through Django for this key, if there
        is one, and returns the page it kept."""
        leading = self._leading.get(key)
        if leading is None or leading.get_loop() is not asyncio.get_running_loop():
            return None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(leading), FOLLOW_SECONDS)
        return memo.get(key)

    def _lead(self, key: tuple[bytes, ...]) -> asyncio.Future[None] | None:
        if key in self._leading:
            return None  # another leads (one that outlived a follower's patience)
        leading = asyncio.get_running_loop().create_future()
        self._leading[key] = leading
        return leading

    def _release(self, key: tuple[bytes, ...], leading: asyncio.Future[None]) -> None:
        if self._leading.get(key) is leading:
            del self._leading[key]
        if not leading.done():
            leading.set_result(None)

    def _settled(self, key: tuple[bytes, ...], *, shareable: bool) -> None:
        """The answer for `key` is known: its followers may go on (to the kept page, or
        to Django). A key whose answer is not one to keep is remembered until one is, and
        its requests do not wait for one another meanwhile."""
        if shareable:
            self._plain.discard(key)
        else:
            if len(self._plain) >= MAX_PLAIN_KEYS:
                self._plain.clear()
            self._plain.add(key)
        leading = self._leading.get(key)
        if leading is not None:
            self._release(key, leading)

    async def _answer(self, scope: Scope, send: Send, kept: Kept) -> None:
        if _not_modified(scope, kept.etag):
            headers = [(n, v) for n, v in kept.headers if n != b"content-length"]
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
        else:
            await send({"type": "http.response.start", "status": 200, "headers": kept.headers})
            await send({"type": "http.response.body", "body": kept.body})
        if self.on_served is not None:
            self.on_served()

    @staticmethod
    def _keeping(
        send: Send, memo: Memo, key: tuple[bytes, ...], since: int, front: "FrontCache"
    ) -> Send:
        state: dict[str, Any] = {}

        async def wrapped(message: Message) -> None:
            kind = message["type"]
            if kind == "http.response.start":
                headers = list(message.get("headers", ()))
                marker = [v for n, v in headers if n.lower() == _SHARED]
                if marker:
                    headers = [(n, v) for n, v in headers if n.lower() != _SHARED]
                    message = {**message, "headers": headers}
                    names = {n.lower() for n, _ in headers}
                    later = marker[0] == LATER.encode()
                    if message["status"] == 200 and b"set-cookie" not in names and not later:
                        with contextlib.suppress(ValueError):
                            state["article_id"] = int(marker[0])
                            state["headers"] = headers
                            state["body"] = []
                elif message["status"] != 304:
                    # Not a page to keep (a 304 says nothing: the page was kept before).
                    front._settled(key, shareable=False)
            elif kind == "http.response.body" and "body" in state:
                state["body"].append(message.get("body", b""))
                if not message.get("more_body", False):
                    headers = state["headers"]
                    etag = next((v for n, v in headers if n.lower() == b"etag"), b"")
                    kept = Kept(
                        state.pop("article_id"),
                        [(n.lower(), v) for n, v in headers],
                        b"".join(state.pop("body")),
                        etag,
                        time.monotonic(),
                    )
                    memo.keep(key, kept, since=since)
                    front._settled(key, shareable=True)
            await send(message)

        return wrapped
