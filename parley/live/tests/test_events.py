"""From discussion signals to recorded, published live events; the backlog."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from parley import factories
from parley.discussion import actions
from parley.discussion.models import Comment, CommentStatus
from parley.live import backlog, broker, events
from parley.live.broker import ThreadListener
from parley.live.models import LiveEvent

pytestmark = pytest.mark.django_db


def _comment(status=CommentStatus.VISIBLE, parent_id=None, body_html="<p>x</p>"):
    return Comment(
        pk=7,
        article_id=3,
        parent_id=parent_id,
        root_id=parent_id,
        status=status,
        body_html=body_html,
    )


@pytest.mark.parametrize(
    ("kind", "status", "parent", "type_", "visibility"),
    [
        ("posted", CommentStatus.VISIBLE, None, "comment", "public"),
        ("posted", CommentStatus.VISIBLE, 5, "reply", "public"),
        ("posted", CommentStatus.PENDING, None, "comment", "moderators"),
        ("posted", CommentStatus.PENDING, 5, "reply", "moderators"),
        ("approved", CommentStatus.VISIBLE, None, "comment", "public"),
        ("edited", CommentStatus.VISIBLE, None, "edit", "public"),
        ("edited", CommentStatus.PENDING, None, "edit", "moderators"),
        ("deleted", CommentStatus.DELETED, None, "delete", "public"),
        ("erased", CommentStatus.VISIBLE, 5, "delete", "public"),
        ("erased", CommentStatus.PENDING, None, "delete", "moderators"),
        ("removed", CommentStatus.REMOVED, None, "delete", "public"),
        ("spam", CommentStatus.SPAM, None, "delete", "public"),
        ("reindexed", CommentStatus.VISIBLE, None, "count", "public"),
    ],
)
def test_describe_maps_each_kind_to_a_type_and_an_audience(kind, status, parent, type_, visibility):
    event = events.describe(comment=_comment(status, parent), kind=kind, comment_count=4)
    assert (event["type"], event["visibility"]) == (type_, visibility)
    assert event["comment"] == 7 and event["article"] == 3 and event["parent"] == parent
    assert event["thread"] == (parent or 7)
    assert event["counts"] == {"comments": 4}
    assert ("html" in event) == (type_ == "edit")
    if type_ == "delete":
        assert event["tombstone"] == (kind in ("deleted", "removed"))


def test_actions_record_one_event_each_after_commit(
    article, subscriber, author, django_capture_on_commit_callbacks
):
    def committed(action, **kwargs):  # each action commits on its own, as in a request
        with django_capture_on_commit_callbacks(execute=True):
            return action(**kwargs)

    top = committed(factories.make_comment, article=article, user=author, body="Top")
    reply = committed(
        factories.make_comment, article=article, user=subscriber, body="Reply", parent=top
    )
    committed(actions.do_vote, user=subscriber, comment=top, value=1)
    committed(actions.do_edit_comment, comment=reply, body="E", body_html="<p>Edited</p>")
    committed(actions.do_delete_comment, comment=top)  # has a reply: stays as a tombstone
    committed(actions.do_delete_comment, comment=Comment.objects.get(pk=reply.pk))
    rows = [e.as_dict() for e in LiveEvent.objects.order_by("id")]
    assert [e["type"] for e in rows] == ["comment", "reply", "vote", "edit", "delete", "delete"]
    assert [e["id"] for e in rows] == sorted(e["id"] for e in rows)
    assert rows[0]["counts"] == {"comments": 1}
    assert rows[1]["counts"] == {"comments": 2} and rows[1]["thread"] == top.pk
    assert rows[2]["counts"] == {"up": 1, "down": 0, "score": 1}
    assert rows[3]["html"] == "<p>Edited</p>"
    assert rows[4]["tombstone"] is True and rows[4]["counts"] == {"comments": 1}
    # The reply goes, and with it the tombstone it leaves childless; its event says so.
    assert rows[5]["comment"] == reply.pk and rows[5]["tombstone"] is False
    assert rows[5]["counts"] == {"comments": 0}


def test_a_rolled_back_write_announces_nothing(article, author, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        factories.make_comment(article, author)
        raise RuntimeError("rolled back")
    assert not LiveEvent.objects.exists()


def test_events_reach_listeners_of_this_process_without_redis(
    article, author, django_capture_on_commit_callbacks
):
    listener = ThreadListener(article_id=article.pk, moderator=False)
    broker.hub().add(listener)
    with django_capture_on_commit_callbacks(execute=True):
        comment = factories.make_comment(article, author)
    [delivery] = listener.get(timeout=1)
    assert isinstance(delivery, broker.Delivery)
    assert delivery.type == "comment"
    assert f'"comment":{comment.pk}'.encode() in delivery.frame


def test_a_post_succeeds_when_redis_is_unreachable(
    client, settings, article, subscriber, django_capture_on_commit_callbacks
):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    client.force_login(subscriber)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("post_comment", kwargs={"slug": article.slug}),
            {"body": "Still works"},
            headers={"X-Parley-Fragment": "1"},
        )
    assert response.status_code == 201
    # Recorded all the same: readers get it when they resume or poll.
    assert LiveEvent.objects.get().comment_id == response.json()["id"]


def test_a_failing_receiver_never_fails_a_post(
    client, monkeypatch, article, subscriber, django_capture_on_commit_callbacks
):
    def broken(event):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(backlog, "record", broken)
    client.force_login(subscriber)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("post_comment", kwargs={"slug": article.slug}), {"body": "Hello"}
        )
    assert response.status_code == 302
    assert Comment.objects.filter(body="Hello").exists()


def test_encode_puts_the_id_first_and_is_compact():
    wire = events.encode({"type": "vote", "id": 9, "counts": {"up": 1}})
    assert wire == '{"id":9,"type":"vote","counts":{"up":1}}'


# The backlog ---------------------------------------------------------------------------


def _record(article, n, visibility="public"):
    return [
        backlog.record(
            {
                "type": "comment",
                "comment": i,
                "parent": None,
                "thread": i,
                "article": article.pk,
                "visibility": visibility,
                "counts": {"comments": i},
            }
        )["id"]
        for i in range(n)
    ]


def test_prune_keeps_the_newest_events_of_that_article(article, site):
    other = factories.make_article(site)
    ids = _record(article, 12)
    _record(other, 3)
    assert backlog.prune(article_id=article.pk, keep=5) == 7
    kept = list(LiveEvent.objects.filter(article=article).values_list("id", flat=True))
    assert sorted(kept) == ids[-5:]
    assert LiveEvent.objects.filter(article=other).count() == 3


def test_recording_prunes_as_it_goes(settings, article):
    settings.PARLEY_LIVE_BACKLOG = 10
    _record(article, backlog.PRUNE_EVERY * 3)
    assert LiveEvent.objects.filter(article=article).count() < 10 + backlog.PRUNE_EVERY


def test_events_after_replays_in_order_and_filters_by_audience(article):
    public = _record(article, 2)
    hidden = _record(article, 1, visibility="moderators")
    later = _record(article, 1)
    reader = backlog.events_after(article_id=article.pk, after=public[0], moderator=False)
    assert [e["id"] for e in reader.events] == [public[1], later[0]]
    assert reader.last == later[0] and not reader.refetch
    moderator = backlog.events_after(article_id=article.pk, after=public[0], moderator=True)
    assert [e["id"] for e in moderator.events] == [public[1], hidden[0], later[0]]
    # A reader skips past the events meant for others.
    tail = backlog.events_after(article_id=article.pk, after=later[0] - 1, moderator=False)
    assert tail.last == later[0]
    nothing_new = backlog.events_after(article_id=article.pk, after=later[0], moderator=False)
    assert nothing_new.events == [] and nothing_new.last == later[0]


def test_a_reader_too_far_behind_is_told_to_refetch(settings, article):
    settings.PARLEY_LIVE_BACKLOG = 5
    ids = _record(article, 12)
    backlog.prune(article_id=article.pk, keep=5)
    behind = backlog.events_after(article_id=article.pk, after=ids[3], moderator=False)
    assert behind.refetch and behind.events == []
    # Just inside what is kept: replayed.
    near = backlog.events_after(article_id=article.pk, after=ids[-5], moderator=False)
    assert not near.refetch and [e["id"] for e in near.events] == ids[-4:]


def test_more_than_the_backlog_since_a_kept_event_is_still_replayed(settings, article, monkeypatch):
    # Pruning lags behind recording; with the reader's last event still kept, nothing is
    # missing even when more than PARLEY_LIVE_BACKLOG events followed it. (No pruning
    # round here: one falls on every PRUNE_EVERY-th id, wherever the id sequence stands.)
    monkeypatch.setattr(backlog, "PRUNE_EVERY", 10**9)
    settings.PARLEY_LIVE_BACKLOG = 5
    ids = _record(article, 9)
    replay = backlog.events_after(article_id=article.pk, after=ids[0], moderator=False)
    assert not replay.refetch and len(replay.events) == 8


def test_latest_event_id(article, site):
    assert backlog.latest_event_id(article_id=article.pk) == 0
    ids = _record(article, 3)
    _record(factories.make_article(site), 1)
    assert backlog.latest_event_id(article_id=article.pk) == ids[-1]


def test_a_discussion_goes_idle_after_its_last_comment_ages(settings, article, author):
    now = timezone.now()
    article.published_at = now - timedelta(days=100)
    assert backlog.discussion_is_idle(article=article)  # old and no comments
    factories.make_comment(article, author, created_at=now - timedelta(days=13))
    assert not backlog.discussion_is_idle(article=article)
    assert backlog.discussion_is_idle(article=article, now=now + timedelta(days=2))
    settings.PARLEY_LIVE_IDLE_DAYS = 30
    assert not backlog.discussion_is_idle(article=article, now=now + timedelta(days=2))


def test_a_new_article_without_comments_is_live(article):
    assert not backlog.discussion_is_idle(article=article)
