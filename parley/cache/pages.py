"""Whole responses cached for guests: the article page (HTML, or the JSON fragment that
parley.js asks for) per host, article, sort and cursor, and, through
`cached_guest_response`, any endpoint that knows its article before it reads (the API's
page of comments).

Only guests share pages. A signed-in reader's page carries their CSRF token, their votes,
their edit and delete buttons and their follow state, so it is rendered for them (at a
fixed number of queries: parley/discussion/tests/test_queries.py) and marked private.

A guest request costs, on a hit, one cache round trip and no query: get_many of the
stored page, the all-sites generation and the version of the article that (host, slug)
names. The page is served when its article, version and generation are all current. On a
miss, the version read then (before any row is read) is the one the new page is stored
under; versions.py says why that ordering makes stale pages impossible.

The route (host, slug) → article id is learnt from the view itself (`note_article`) and
kept in this process's memo and in the cache (a process that knows it only from the cache
pays a second round trip once). The first guest request for an unknown route renders
without storing; the next stores.

Nothing is shared that must not be: responses that set a cookie or asked for a CSRF token
are never stored, nor anything rendered inside an open transaction (a test's, or
ATOMIC_REQUESTS: its writes announce themselves only at commit).
"""

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotModified
from django.utils.cache import patch_cache_control, patch_vary_headers

from parley.cache import front, versions
from parley.discussion.selectors import SORTS

ROUTE_TTL = 24 * 3600
FRAGMENT_HEADER = "X-Parley-Fragment"
PAGE_PARAMS = {"sort", "after"}
# Set on the request for parley.ops' metrics: hit, miss, store, bypass.
OUTCOME_ATTR = "parley_cache"
# Set on a response by a `build` that found it is this guest's alone (a metered paywall).
PRIVATE_ATTR = "parley_private"
_NOTE_ATTR = "_parley_cache_article_id"


@dataclass(frozen=True, slots=True)
class Entry:
    """One stored response. Only 200s are stored; the headers that matter are rebuilt."""

    article_id: int
    version: str
    generation: str
    content: bytes
    content_type: str


@dataclass(frozen=True, slots=True)
class Tokens:
    version: str
    generation: str

    def etag(self, article_id: int, variant: str) -> str:
        return f'W/"{article_id}-{self.version}-{self.generation}{variant}"'


def enabled() -> bool:
    return bool(settings.PARLEY_PAGE_CACHE) and not connection.in_atomic_block


def is_guest(request: HttpRequest) -> bool:
    # No query for a visitor without a session cookie.
    return not request.user.is_authenticated


def note_article(request: HttpRequest, article: Any) -> None:
    """Called by a cached view once it knows which article it shows (before it renders)."""
    setattr(request, _NOTE_ATTR, article.pk)


def _digest(*parts: object) -> str:
    return hashlib.sha1("\x1f".join(map(str, parts)).encode(), usedforsecurity=False).hexdigest()


def _page_variant(request: HttpRequest) -> tuple[str, str, str, bool]:
    """(sort, after, fragment flag, canonical). A request with other parameters (utm_…,
    fbclid) is served the page without them but never stores one: the page's links
    (the sign-in `next`) must not carry one reader's tracking ids to everyone."""
    sort = request.GET.get("sort", "")
    after = request.GET.get("after", "")
    canonical = set(request.GET) <= PAGE_PARAMS and all(
        len(request.GET.getlist(k)) == 1 for k in request.GET
    )
    if sort not in ("", *SORTS):
        sort, canonical = "", False
    fragment = "f" if request.headers.get(FRAGMENT_HEADER) == "1" else ""
    return sort, after, fragment, canonical


def _not_modified(request: HttpRequest, etag: str) -> bool:
    return front.etag_matches(request.headers.get("If-None-Match", ""), etag)


def guest_headers[R: HttpResponseBase](response: R, etag: str | None) -> R:
    """What lets a CDN or a browser keep a guest's page for a little while."""
    if etag:
        response["ETag"] = etag
    patch_cache_control(
        response,
        public=True,
        max_age=settings.PARLEY_PAGE_MAX_AGE,
        stale_while_revalidate=settings.PARLEY_PAGE_MAX_AGE * 3,
    )
    patch_vary_headers(response, ("Cookie", FRAGMENT_HEADER))
    return response


def private_headers[R: HttpResponseBase](response: R) -> R:
    patch_cache_control(response, private=True, no_cache=True)
    patch_vary_headers(response, ("Cookie",))
    return response


def _respond(request: HttpRequest, content: bytes, content_type: str, etag: str) -> HttpResponse:
    if _not_modified(request, etag):
        return guest_headers(HttpResponseNotModified(), etag)
    return guest_headers(HttpResponse(content, content_type=content_type), etag)


def _storable(request: HttpRequest, response: HttpResponseBase) -> bool:
    return (
        response.status_code == 200
        and isinstance(response, HttpResponse)
        and not response.streaming
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
    )


class _Routes:
    """This process's memo of routes, (host, slug) → article id, so that a hit costs one
    round trip (page, generation and version in one get_many) rather than two. It may be
    stale, never wrong in effect: a page is served only when its stored article id and
    that article's current version both match, and a render that finds another article
    corrects the memo and the shared route."""

    TTL = 300.0
    SIZE = 20_000

    def __init__(self) -> None:
        self._known: dict[str, tuple[float, int]] = {}

    def get(self, key: str) -> int | None:
        found = self._known.get(key)
        if found is None or time.monotonic() - found[0] > self.TTL:
            return None
        return found[1]

    def set(self, key: str, article_id: int) -> None:
        if len(self._known) >= self.SIZE:
            self._known.clear()
        self._known[key] = (time.monotonic(), article_id)


routes = _Routes()


@dataclass(frozen=True, slots=True)
class _Found:
    entry: Any = None
    article_id: int | None = None
    tokens: Tokens | None = None


def _lookup(key: str, *, article_id: int | None, route_key: str | None) -> _Found:
    """The stored entry, the article it should be about and that article's tokens: one
    get_many when the article is known (from the caller or this process's memo), one more
    when it is learnt from the shared route, and an `add` only for a token never made."""

    def run() -> _Found:
        known = article_id
        if known is None and route_key is not None:
            known = routes.get(route_key)
        wanted = [key, versions.GENERATION_KEY]
        if known is not None:
            wanted.append(versions.version_key(known))
        elif route_key is not None:
            wanted.append(route_key)
        found = cache.get_many(wanted)
        if known is None:
            known = found.get(route_key) if route_key is not None else None
            if known is None:
                return _Found(found.get(key))
            routes.set(str(route_key), known)
            found.update(cache.get_many([versions.version_key(known)]))
        token_keys = [versions.version_key(known), versions.GENERATION_KEY]
        tokens = versions.ensure_tokens(found, token_keys)
        return _Found(found.get(key), known, Tokens(tokens[token_keys[0]], tokens[token_keys[1]]))

    return versions.guarded(run, _Found())


def _store(key: str, entry: Entry) -> None:
    versions.guarded(lambda: cache.set(key, entry, settings.PARLEY_PAGE_CACHE_SECONDS), None)


def _serve(
    request: HttpRequest,
    *,
    key: str,
    article_id: int | None,
    variant: str,
    render: Callable[[], HttpResponseBase],
    route_key: str | None = None,
    may_store: bool = True,
) -> HttpResponseBase:
    found = _lookup(key, article_id=article_id, route_key=route_key)
    entry, article_id, tokens = found.entry, found.article_id, found.tokens
    if (
        tokens is not None
        and isinstance(entry, Entry)
        and entry.article_id == article_id
        and entry.version == tokens.version
        and entry.generation == tokens.generation
    ):
        setattr(request, OUTCOME_ATTR, "hit")
        answer = _respond(
            request, entry.content, entry.content_type, tokens.etag(entry.article_id, variant)
        )
        return _shared(request, answer, entry.article_id) if may_store else answer

    response = render()
    if getattr(response, PRIVATE_ATTR, False):
        setattr(request, OUTCOME_ATTR, "bypass")
        return private_headers(response)
    setattr(request, OUTCOME_ATTR, "miss")
    noted = getattr(request, _NOTE_ATTR, article_id)
    if route_key is not None and noted is not None and noted != article_id:
        # The route was unknown (or has moved): learn it; the next request stores.
        routes.set(route_key, noted)
        versions.guarded(lambda: cache.set(route_key, noted, ROUTE_TTL), None)
        if response.status_code != 200:
            return response
        if may_store:  # the front's key is one to keep, from the next request on
            _shared(request, response, front.LATER)
        return guest_headers(response, None)
    if tokens is None or article_id is None or response.status_code != 200:
        return response
    etag = tokens.etag(article_id, variant)
    if may_store and _storable(request, response):
        assert isinstance(response, HttpResponse)
        content_type = response.get("Content-Type", "text/html; charset=utf-8")
        entry = Entry(article_id, tokens.version, tokens.generation, response.content, content_type)
        _store(key, entry)
        setattr(request, OUTCOME_ATTR, "store")
        _shared(request, response, article_id)
    if _not_modified(request, etag):
        return guest_headers(HttpResponseNotModified(), etag)
    return guest_headers(response, etag)


def mark_private[R: HttpResponseBase](response: R) -> R:
    """For a `build()` that finds its response depends on more than the variant (the
    guest's meter cookie): served to this guest only, never stored."""
    setattr(response, PRIVATE_ATTR, True)
    return response


def _shared[R: HttpResponseBase](request: HttpRequest, response: R, article_id: int | str) -> R:
    """Marks a page every guest may be given, for this process's front (front.py), which
    keeps it and takes the mark off (front.LATER: a page of a route learnt just now,
    not kept, but the next one will be). Served without a front, a page carries no
    mark."""
    if getattr(request, "scope", {}).get(front.FRONT_SCOPE_KEY):
        response[front.SHARED_HEADER] = str(article_id)
    return response


def guest_page_cache(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """For the article page, `view(request, slug)`: the view must call `note_article`."""

    @wraps(view)
    def wrapped(request: HttpRequest, slug: str, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not is_guest(request):
            return private_headers(view(request, slug, *args, **kwargs))
        if not enabled():
            setattr(request, OUTCOME_ATTR, "bypass")
            return view(request, slug, *args, **kwargs)
        sort, after, fragment, canonical = _page_variant(request)
        host = request.get_host().lower()
        return _serve(
            request,
            key="pc:p:" + _digest(host, slug, sort, after, fragment),
            route_key="pc:r:" + _digest(host, slug),
            article_id=None,
            variant=f"-{fragment}" if fragment else "",
            render=lambda: view(request, slug, *args, **kwargs),
            may_store=canonical,
        )

    return wrapped


def cached_guest_response(
    request: HttpRequest,
    *,
    article_id: int,
    variant: tuple[object, ...],
    build: Callable[[], HttpResponseBase],
) -> HttpResponseBase:
    """A guest's response about one article, from the cache or from `build()`.

    For endpoints that know the article id before they read anything, such as the API's
    page of comments (`GET /api/v1/articles/{id}/comments`). The caller has decided that
    the request is a guest's (no session user, no token: their responses differ), and
    `variant` holds every parameter the response depends on (sort, cursor, limits).
    `build()` returns the response as if there were no cache; only a 200 is stored, and
    not one that `build()` marks as this guest's own (`mark_private`).
    """
    if not enabled():
        return build()
    host = request.get_host().lower()
    return _serve(
        request,
        key="pc:a:" + _digest(host, article_id, *variant),
        article_id=article_id,
        variant="-a",
        render=build,
    )
