"""The ASGI front of the guest page cache (parley/cache/front.py): what it answers before
Django runs, what it never answers, and that no change leaves a guest on an older page,
in this process or, through Redis, in another.

The HTTP tests drive parley.asgi.application itself (httpx's ASGI transport), committing
as production does (django_db(transaction=True))."""

import asyncio
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from django.db import connections
from django.urls import reverse

from parley import factories, serving
from parley.asgi import application, django_application
from parley.cache import front
from parley.cache.tests.conftest import listening
from parley.discussion import actions

PAGE = b"x" * 100


def kept(article_id: int, body: bytes = PAGE) -> front.Kept:
    headers = [(b"content-type", b"text/html")]
    return front.Kept(article_id, headers, body, b'W/"1"', time.monotonic())


# The memo ------------------------------------------------------------------------------


def test_a_bump_drops_the_pages_of_its_article_only():
    memo = front.Memo(max_bytes=10_000, max_age=60)
    memo.keep((b"a",), kept(1), since=memo.clock())
    memo.keep((b"b",), kept(2), since=memo.clock())
    memo.bump(1)
    assert memo.get((b"a",)) is None
    assert memo.get((b"b",)) is not None
    memo.bump(front.GENERATION)
    assert memo.get((b"b",)) is None


def test_a_page_rendered_across_a_bump_of_its_article_is_not_kept():
    memo = front.Memo(max_bytes=10_000, max_age=60)
    started = memo.clock()
    memo.bump(1)  # heard while the page was rendering: it may show the old rows
    assert not memo.keep((b"a",), kept(1), since=started)
    assert memo.keep((b"b",), kept(2), since=started)
    memo.bump(front.GENERATION)
    assert not memo.keep((b"c",), kept(3), since=started)
    assert memo.keep((b"c",), kept(3), since=memo.clock())


def test_while_the_subscription_is_down_nothing_is_kept_or_served():
    memo = front.Memo(max_bytes=10_000, max_age=60)
    memo.keep((b"a",), kept(1), since=memo.clock())
    started = memo.clock()
    memo.suspend()
    assert memo.get((b"a",)) is None
    assert not memo.keep((b"a",), kept(1), since=memo.clock())
    memo.resume()
    assert memo.get((b"a",)) is None  # everything kept before is gone
    assert not memo.keep((b"a",), kept(1), since=started)
    assert memo.keep((b"a",), kept(1), since=memo.clock())


def test_the_memory_budget_and_the_age_limit_hold():
    memo = front.Memo(max_bytes=250, max_age=60)
    for n in range(5):
        memo.keep((str(n).encode(),), kept(n + 1), since=memo.clock())
    assert memo.size() == (2, 200)  # least recently used first out
    assert memo.get((b"4",)) is not None
    old = front.Memo(max_bytes=10_000, max_age=0.0)
    old.keep((b"a",), kept(1), since=old.clock())
    time.sleep(0.01)
    assert old.get((b"a",)) is None


def test_another_process_hears_a_bump_through_redis(two_processes):
    here, there = two_processes
    assert not there.memo.serving  # not before it is subscribed
    listening(there)
    assert there.memo.keep((b"a",), kept(7), since=there.memo.clock())
    here.publish(7)
    deadline = time.monotonic() + 10
    while there.memo.get((b"a",)) is not None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert there.memo.get((b"a",)) is None


# Through HTTP ---------------------------------------------------------------------------


class Counting:
    """Django's application, counting the requests that reach it."""

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.calls += 1
        await application.app(scope, receive, send)


@pytest.fixture
def django_app() -> Counting:
    return Counting()


@pytest.fixture(scope="module", autouse=True)
def request_threads_let_their_connections_go() -> Iterator[None]:
    """The app's request threads outlive each test, and on PostgreSQL without a pool each
    keeps its connection (CONN_MAX_AGE): closed here, or the test database could not be
    dropped at the end of the run. One task per thread, held at a barrier until all run."""
    yield
    barrier = threading.Barrier(serving.THREADS)

    def close(_: int) -> None:
        connections.close_all()
        barrier.wait(timeout=10)

    list(django_application.sync_views.executor.map(close, range(serving.THREADS)))


@pytest.fixture
def get(django_app) -> Iterator[Any]:
    app = front.FrontCache(django_app)

    def run(path: str, **headers: str) -> httpx.Response:
        async def go() -> httpx.Response:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
                return await c.get(path, headers=headers)

        return asyncio.run(go())

    yield run


committing = pytest.mark.django_db(transaction=True)


@pytest.fixture
def url(article) -> str:
    return reverse("article", kwargs={"slug": article.slug})


def warm(get: Any, url: str, **headers: str) -> httpx.Response:
    """The first request learns the route, the second stores the page (and the front
    keeps it), the third is answered by the front."""
    get(url, **headers)
    return get(url, **headers)


@committing
def test_a_guests_repeat_request_is_answered_before_django(get, django_app, url, article):
    factories.make_comment(article, factories.make_subscriber(article.site, "ann"), "Point one.")
    stored = warm(get, url)
    calls = django_app.calls
    answered = get(url)
    assert django_app.calls == calls
    assert answered.status_code == 200
    assert answered.content == stored.content and b"Point one." in answered.content
    for name in ("etag", "cache-control", "vary", "content-type", "x-frame-options"):
        assert answered.headers.get(name) == stored.headers.get(name), name
    assert front.SHARED_HEADER not in stored.headers  # the mark never leaves the process
    assert front.SHARED_HEADER not in answered.headers
    again = get(url, **{"If-None-Match": answered.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert django_app.calls == calls


@committing
def test_a_new_comment_reaches_the_next_guest(get, django_app, url, article):
    ann = factories.make_subscriber(article.site, "ann")
    warm(get, url)
    assert get(url).headers["etag"]
    actions.do_post_comment(user=ann, article=article, body="New!", body_html="<p>Brand new.</p>")
    calls = django_app.calls
    fresh = get(url)
    assert django_app.calls == calls + 1
    assert b"Brand new." in fresh.content


@committing
def test_who_is_never_answered_by_the_front(get, django_app, url, client, subscriber):
    warm(get, url)
    client.force_login(subscriber)
    session = client.cookies["sessionid"].value
    for headers in (
        {"Cookie": f"csrftoken=x; sessionid={session}"},
        {"Authorization": "Bearer something"},
        {"X-Parley-Embed": "1"},
    ):
        calls = django_app.calls
        get(url, **headers)
        assert django_app.calls == calls + 1, headers
    calls = django_app.calls
    get(url, Cookie="csrftoken=abc")  # a cookie that names no one changes nothing
    assert django_app.calls == calls


@committing
def test_variants_are_kept_apart(get, django_app, url):
    plain = warm(get, url)
    newest = warm(get, url + "?sort=new")
    fragment = warm(get, url, **{"X-Parley-Fragment": "1"})
    calls = django_app.calls
    assert get(url).content == plain.content
    assert get(url + "?sort=new").content == newest.content
    assert get(url, **{"X-Parley-Fragment": "1"}).content == fragment.content
    assert django_app.calls == calls
    assert len({plain.content, newest.content, fragment.content}) == 3
    get(url + "?utm_source=x")  # served by Django, never kept
    get(url + "?utm_source=x")
    assert django_app.calls == calls + 2


@pytest.fixture
def get_together(django_app) -> Iterator[Any]:
    """`n` guests asking for `path` at the same moment, through one front."""
    app = front.FrontCache(django_app)

    def run(path: str, n: int) -> list[httpx.Response]:
        async def go() -> list[httpx.Response]:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
                return list(await asyncio.gather(*(c.get(path) for _ in range(n))))

        return asyncio.run(go())

    yield run


@committing
def test_guests_arriving_together_cost_one_pass_through_django(
    get_together, django_app, url, article
):
    ann = factories.make_subscriber(article.site, "ann")
    get_together(url, 1)  # learns the route
    first = get_together(url, 8)  # one stores the page, the others are answered from it
    assert django_app.calls == 2
    assert len({r.content for r in first}) == 1 and {r.status_code for r in first} == {200}
    actions.do_post_comment(user=ann, article=article, body="Late", body_html="<p>Late news.</p>")
    after = get_together(url, 8)  # the bump dropped the page: again one pass for eight
    assert django_app.calls == 3
    assert all(b"Late news." in r.content for r in after)
    assert len({r.headers["etag"] for r in after}) == 1


@committing
def test_requests_for_a_page_that_is_never_kept_each_reach_django(get_together, django_app, url):
    tracked = url + "?utm_source=x"  # served by Django, never kept
    get_together(tracked, 1)
    calls = django_app.calls
    answers = get_together(tracked, 6)
    assert django_app.calls == calls + 6
    assert {r.status_code for r in answers} == {200}


def test_a_started_front_subscribes_before_its_first_request(settings, shared_redis):
    settings.REDIS_URL = shared_redis
    front.reset()
    app = front.FrontCache(Counting())
    assert not front.bumps().memo.serving
    app.start()  # as asgi.py does when the process loads
    deadline = time.monotonic() + 10
    while not front.bumps().memo.serving and time.monotonic() < deadline:
        time.sleep(0.02)
    assert front.bumps().memo.serving  # ready to keep pages before any request came
