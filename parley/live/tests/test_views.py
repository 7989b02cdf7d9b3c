"""The live endpoints through HTTP: the stream (ASGI through Django's async client, and
the WSGI fallback), the polling fallback, the comment fragments, the article page."""

import asyncio
import json
import re
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.urls import reverse
from django.utils import timezone

from parley import factories
from parley.articles.body import plain_text
from parley.discussion.models import CommentStatus
from parley.inline.access import check_anchor
from parley.inline.actions import attach_anchor
from parley.inline.tests.helpers import BODY, anchor_fields
from parley.live import backlog
from parley.live.models import LiveEvent

pytestmark = pytest.mark.django_db

ROLES = ["guest", "reader", "lapsed", "subscriber", "author", "moderator"]


def _frames(chunks: list[bytes]) -> list[dict[str, str]]:
    """SSE messages (comments and retry hints left out) from raw chunks."""
    out = []
    for block in b"".join(chunks).decode().split("\n\n"):
        fields = dict(
            line.split(": ", 1) for line in block.splitlines() if line and ":" in line[1:]
        )
        if "data" in fields:
            out.append(fields)
    return out


async def _read(content: AsyncIterator[bytes], count: int, timeout: float = 5) -> list[dict]:
    """Reads until `count` more SSE messages have arrived."""
    chunks: list[bytes] = []
    async with asyncio.timeout(timeout):
        while len(_frames(chunks)) < count:
            chunks.append(await anext(content))
    return _frames(chunks)


def _stream_url(article, after=None):
    url = reverse("live:stream", args=[article.pk])
    return url if after is None else f"{url}?last_event_id={after}"


@pytest.fixture
def people(site, article, subscriber, reader, lapsed, moderator, author):
    return {
        "guest": None,
        "reader": reader,
        "lapsed": lapsed,
        "subscriber": subscriber,
        "author": author,
        "moderator": moderator,
    }


@pytest.fixture
def posted(article, author, subscriber, django_capture_on_commit_callbacks):
    """Posts through the real action and runs its after-commit receivers."""

    def post(user=None, status=CommentStatus.VISIBLE, parent=None):
        with django_capture_on_commit_callbacks(execute=True):
            return factories.make_comment(
                article, user or author, "Live!", parent=parent, status=status
            )

    return post


def test_the_stream_replays_what_was_missed_then_delivers_live(async_client, article, posted):
    first = posted()
    after = backlog.latest_event_id(article_id=article.pk)
    missed = posted()

    async def scenario():
        response = await async_client.get(_stream_url(article, after))
        assert response.status_code == 200
        assert response["Content-Type"] == "text/event-stream"
        assert response["X-Accel-Buffering"] == "no"
        assert "no-cache" in response["Cache-Control"]
        content = aiter(response.streaming_content)
        hello, replayed = await _read(content, 2)
        assert hello["event"] == "hello" and hello["id"] == str(after)
        live = await sync_to_async(posted)()
        [delivered] = await _read(content, 1)
        await content.aclose()
        return replayed, delivered, live

    replayed, delivered, live = async_to_sync(scenario)()
    assert replayed["event"] == "comment" and f'"comment":{missed.pk}' in replayed["data"]
    assert f'"comment":{first.pk}' not in replayed["data"]
    assert delivered["event"] == "comment" and f'"comment":{live.pk}' in delivered["data"]


def test_the_last_event_id_header_wins_over_an_older_query_id(async_client, article, posted):
    posted()
    old = backlog.latest_event_id(article_id=article.pk)
    posted()
    newer = backlog.latest_event_id(article_id=article.pk)
    newest = posted()

    async def scenario():
        response = await async_client.get(
            _stream_url(article, old), headers={"Last-Event-ID": str(newer)}
        )
        content = aiter(response.streaming_content)
        frames = await _read(content, 2)
        await content.aclose()
        return frames

    hello, replayed = async_to_sync(scenario)()
    assert hello["id"] == str(newer) and f'"comment":{newest.pk}' in replayed["data"]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_pending_comments_only_as_moderator(
    role, async_client, article, people, posted
):
    after = backlog.latest_event_id(article_id=article.pk)
    pending = posted(status=CommentStatus.PENDING)
    public = posted()
    if people[role] is not None:
        async_client.force_login(people[role])

    async def scenario():
        response = await async_client.get(_stream_url(article, after))
        content = aiter(response.streaming_content)
        frames = await _read(content, 3 if role == "moderator" else 2)
        live_pending = await sync_to_async(posted)(status=CommentStatus.PENDING)
        live_public = await sync_to_async(posted)()
        frames += await _read(content, 2 if role == "moderator" else 1)
        await content.aclose()
        return frames, live_pending, live_public

    frames, live_pending, live_public = async_to_sync(scenario)()
    shown = [json.loads(f["data"])["comment"] for f in frames[1:]]
    if role == "moderator":
        assert shown == [pending.pk, public.pk, live_pending.pk, live_public.pk]
    else:
        assert shown == [public.pk, live_public.pk]


def test_a_reader_too_far_behind_is_told_to_refetch(settings, async_client, article, posted):
    settings.PARLEY_LIVE_BACKLOG = 3
    after = backlog.latest_event_id(article_id=article.pk)
    for _ in range(4):
        posted()
    backlog.prune(article_id=article.pk)

    async def scenario():
        response = await async_client.get(_stream_url(article, after))
        return [chunk async for chunk in response.streaming_content]

    frames = _frames(async_to_sync(scenario)())
    assert [f["event"] for f in frames] == ["hello", "refetch"]  # and the stream ends


def test_an_idle_discussion_answers_204(client, article, author):
    factories.make_comment(article, author, created_at=timezone.now() - timedelta(days=15))
    assert client.get(_stream_url(article, 0)).status_code == 204
    polled = client.get(reverse("live:events", args=[article.pk]) + "?after=0").json()
    assert polled["idle"] is True


def test_an_article_of_another_site_or_none_is_not_found(client, article):
    other = factories.make_article(factories.make_site())
    for article_id in (other.pk, 999_999):
        assert client.get(reverse("live:stream", args=[article_id])).status_code == 404
        assert client.get(reverse("live:events", args=[article_id])).status_code == 404
        url = reverse("live:comments", args=[article_id]) + "?ids=1"
        assert client.get(url).status_code == 404


def test_under_wsgi_the_stream_is_a_sync_iterator(settings, client, article, posted):
    settings.PARLEY_LIVE_HEARTBEAT_SECONDS = 0.05
    after = backlog.latest_event_id(article_id=article.pk)
    missed = posted()
    response = client.get(_stream_url(article, after))
    assert response.status_code == 200 and not response.is_async
    chunks = iter(response.streaming_content)
    frames = _frames([next(chunks), next(chunks)])
    assert [f["event"] for f in frames] == ["hello", "comment"]
    assert f'"comment":{missed.pk}' in frames[1]["data"]
    assert next(chunks) == b": keep-alive\n\n"
    response.close()


# Polling fallback --------------------------------------------------------------------


def test_polling_without_after_says_where_to_start(client, article, posted):
    posted()
    data = client.get(reverse("live:events", args=[article.pk])).json()
    assert data["events"] == [] and data["last"] == backlog.latest_event_id(article_id=article.pk)
    assert data["live"] is True and data["idle"] is False and data["refetch"] is False


def test_polling_returns_what_the_reader_may_see(client, article, moderator, posted):
    url = reverse("live:events", args=[article.pk])
    after = backlog.latest_event_id(article_id=article.pk)
    posted(status=CommentStatus.PENDING)
    public = posted()
    data = client.get(f"{url}?after={after}").json()
    assert [e["comment"] for e in data["events"]] == [public.pk]
    assert data["last"] == backlog.latest_event_id(article_id=article.pk)
    client.force_login(moderator)
    assert len(client.get(f"{url}?after={after}").json()["events"]) == 2


# Comment fragments ----------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_fragments_follow_the_page_rules(role, client, article, people, posted, author):
    visible = posted()
    pending = posted(user=author, status=CommentStatus.PENDING)
    if people[role] is not None:
        client.force_login(people[role])
    url = reverse("live:comments", args=[article.pk]) + f"?ids={visible.pk},{pending.pk}"
    comments = client.get(url).json()["comments"]
    expected = [visible.pk, pending.pk] if role in ("author", "moderator") else [visible.pk]
    assert [c["id"] for c in comments] == expected
    assert f'id="c-{visible.pk}"' in comments[0]["html"]
    can_vote = role in ("subscriber", "moderator")  # the author cannot vote on their own
    assert ('data-parley="vote"' in comments[0]["html"]) == can_vote


def test_fragments_of_another_article_are_left_out(client, site, article, posted, author):
    elsewhere = factories.make_comment(factories.make_article(site), author)
    reply = posted(parent=posted())
    url = reverse("live:comments", args=[article.pk]) + f"?ids={elsewhere.pk},{reply.pk}"
    [shown] = client.get(url).json()["comments"]
    assert shown["id"] == reply.pk and shown["parent"] == reply.parent_id
    assert shown["thread"] == reply.root_id and shown["depth"] == 1


def test_fragments_cost_the_same_queries_for_one_comment_or_many(
    client, article, subscriber, posted
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ids = [posted().pk for _ in range(6)]
    client.force_login(subscriber)
    url = reverse("live:comments", args=[article.pk]) + "?ids="
    client.get(url + str(ids[0]))  # the site, kept in the process from then on (cache/local.py)
    counts = []
    for wanted in (ids[:1], ids):
        with CaptureQueriesContext(connection) as queries:
            assert len(client.get(url + ",".join(map(str, wanted))).json()["comments"]) == len(
                wanted
            )
        counts.append(len(queries))
    # Session, user, site, article, roles, subscriptions, comments, votes, and whatever
    # the comment template asks once per page; never once per comment.
    assert counts[0] == counts[1] <= 12


@pytest.mark.parametrize("ids", ["", "a,b", ",".join(str(n) for n in range(1, 60))])
def test_fragments_refuse_bad_ids(client, article, ids):
    response = client.get(reverse("live:comments", args=[article.pk]) + f"?ids={ids}")
    assert response.status_code == 400 and response.json()["code"] == "bad_ids"


# The article page ----------------------------------------------------------------------


def test_the_article_page_loads_live_js_resuming_a_little_before_it_was_rendered(
    client, article, posted
):
    posted()
    settled = backlog.latest_event_id(article_id=article.pk)
    LiveEvent.objects.update(created_at=timezone.now() - timedelta(minutes=1))
    posted()  # just now: it may have missed the page's comment query, so it is replayed
    html = client.get(reverse("article", kwargs={"slug": article.slug})).content.decode()
    last = settled
    assert f'data-live-stream="/live/articles/{article.pk}/stream?last_event_id={last}"' in html
    assert re.search(r'<script src="/static/parley/live\.js" defer', html)


def test_fragments_say_which_comments_are_on_a_passage(client, site, author):
    """live.js tells inline.js (parley:comments-added) when a new comment is anchored."""
    article = factories.make_article(site, body=BODY.strip())
    plain = factories.make_comment(article, author, "General.")
    quoted = factories.make_comment(article, author, "On the passage.")
    fields = anchor_fields(plain_text(article.body), "shopkeepers predicting ruin")
    passage = check_anchor(article=article, data=fields)
    assert passage is not None
    attach_anchor(quoted, passage)
    url = reverse("live:comments", args=[article.pk]) + f"?ids={plain.pk},{quoted.pk}"
    shown = {c["id"]: c for c in client.get(url).json()["comments"]}
    assert shown[plain.pk]["anchored"] is False and shown[quoted.pk]["anchored"] is True
    assert "<q>shopkeepers predicting ruin</q>" in shown[quoted.pk]["html"]
