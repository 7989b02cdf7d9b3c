"""Moderation actions keep the counters exact, notify, announce, and leave an audit trail
written in the same transaction."""

import pytest
from django.db import transaction
from django.urls import reverse

from parley import factories
from parley.discussion import events
from parley.discussion.models import Comment, CommentStatus
from parley.moderation import access, actions
from parley.moderation.models import (
    Appeal,
    AuditEntry,
    Feature,
    HoldRule,
    Removal,
    Report,
)
from parley.notifications.models import Follow, Notification

pytestmark = pytest.mark.django_db


def counts(article, root=None):
    article.refresh_from_db()
    replies = None
    if root is not None:
        replies = Comment.objects.get(pk=root.pk).thread_replies
    return article.comment_count, replies


@pytest.fixture
def thread(article, author):
    root = factories.make_comment(article, body="Root.")
    reply = factories.make_comment(article, author, "A reply.", parent=root)
    return root, reply


@pytest.fixture
def announced():
    seen: list[str] = []

    def receiver(sender, comment, kind, **_):
        seen.append(kind)

    events.comment_changed.connect(receiver, dispatch_uid="test-moderation")
    yield seen
    events.comment_changed.disconnect(dispatch_uid="test-moderation")


def test_hold_approve_remove_restore_keep_counters_exact(
    article, thread, moderator, django_capture_on_commit_callbacks, announced
):
    root, reply = thread
    assert counts(article, root) == (2, 1)
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_hold(comment=reply, rule=HoldRule.REPORTS, reason="3 reports")
    assert counts(article, root) == (1, 0)
    with django_capture_on_commit_callbacks(execute=True):
        access.check_approve(user=moderator, comment_id=reply.pk)
    assert counts(article, root) == (2, 1)
    with django_capture_on_commit_callbacks(execute=True):
        access.check_remove(user=moderator, comment_id=reply.pk, reason="abuse")
    assert counts(article, root) == (1, 1)  # a tombstone still takes its place
    with django_capture_on_commit_callbacks(execute=True):
        access.check_restore(user=moderator, comment_id=reply.pk)
    assert counts(article, root) == (2, 1)
    assert announced == ["removed", "approved", "removed", "restored"]
    actions_logged = list(
        AuditEntry.objects.filter(comment=reply).order_by("id").values_list("action", flat=True)
    )
    assert actions_logged == ["hold", "approve", "remove", "restore"]


def test_removing_a_pending_comment(article, thread, moderator):
    root, _reply = thread
    held = factories.make_comment(
        article, body="Held reply.", parent=root, status=CommentStatus.PENDING
    )
    assert counts(article, root) == (2, 1)
    access.check_remove(user=moderator, comment_id=held.pk, reason="spam")
    held.refresh_from_db()
    assert held.status == CommentStatus.REMOVED
    assert counts(article, root) == (2, 2)
    access.check_restore(user=moderator, comment_id=held.pk)
    assert counts(article, root) == (3, 2)


def test_two_moderators_cannot_count_one_approval_twice(article, thread, moderator):
    root, reply = thread
    actions.do_hold(comment=reply, rule=HoldRule.OTHER, reason="")
    stale = Comment.objects.get(pk=reply.pk)
    access.check_approve(user=moderator, comment_id=reply.pk)
    actions.do_approve(actor=moderator, comment=stale)  # the row is read again, locked
    assert counts(article, root) == (2, 1)


def test_audit_entry_rolls_back_with_its_action(article, thread, moderator):
    _root, reply = thread
    with pytest.raises(RuntimeError), transaction.atomic():
        actions.do_remove(actor=moderator, comment=reply, reason="abuse")
        raise RuntimeError("the request failed after the action")
    assert not AuditEntry.objects.exists()
    reply.refresh_from_db()
    assert reply.status == CommentStatus.VISIBLE


def test_audit_entry_records_before_and_after(article, thread, moderator):
    _root, reply = thread
    access.check_remove(user=moderator, comment_id=reply.pk, reason="other", note="Doxxing")
    entry = AuditEntry.objects.get(action="remove")
    assert entry.actor == moderator
    assert entry.target_user_id == reply.author_id
    assert entry.before == {"status": "visible", "featured": False}
    assert entry.after == {"status": "removed", "featured": False}
    assert entry.reason == "Other: Doxxing"


def test_approval_notifies_followers(
    article, thread, moderator, subscriber, django_capture_on_commit_callbacks
):
    root, _reply = thread
    Follow.objects.create(user=subscriber, article=article)
    held = factories.make_comment(article, body="Held top.", status=CommentStatus.PENDING)
    assert not Notification.objects.filter(comment=held).exists()
    with django_capture_on_commit_callbacks(execute=True):
        access.check_approve(user=moderator, comment_id=held.pk)
    assert Notification.objects.filter(comment=held, recipient=subscriber).exists()
    assert root  # the thread fixture gives the discussion something to follow


def test_reports_hold_at_the_threshold(article, site, author):
    comment = factories.make_comment(article, author, "Reported.")
    for i in range(3):
        reader = factories.make_subscriber(site, f"reporter{i}")
        access.check_report(user=reader, comment_id=comment.pk, reason="abuse")
        comment.refresh_from_db()
        assert comment.status == (CommentStatus.PENDING if i == 2 else CommentStatus.VISIBLE)
    assert Report.objects.filter(comment=comment).count() == 3


def test_approving_a_reported_comment_dismisses_its_reports(article, site, author, moderator):
    comment = factories.make_comment(article, author, "Reported once.")
    access.check_report(
        user=factories.make_subscriber(site), comment_id=comment.pk, reason="other", text="Hm"
    )
    access.check_approve(user=moderator, comment_id=comment.pk)
    assert not Report.objects.filter(resolved_at__isnull=True).exists()
    assert AuditEntry.objects.get().action == "dismiss_reports"


def test_report_rules(article, site, author, subscriber, settings):
    comment = factories.make_comment(article, author, "Reported.")
    with pytest.raises(Exception, match="Tell the moderators"):
        access.check_report(user=subscriber, comment_id=comment.pk, reason="other")
    access.check_report(user=subscriber, comment_id=comment.pk, reason="spam")
    with pytest.raises(Exception, match="already reported"):
        access.check_report(user=subscriber, comment_id=comment.pk, reason="spam")
    with pytest.raises(Exception, match="your own"):
        access.check_report(user=author, comment_id=comment.pk, reason="spam")


def test_daily_report_cap(article, site, subscriber, policy):
    policy.report_daily_cap = 2
    policy.save()
    targets = [factories.make_comment(article, body=f"T{i}") for i in range(3)]
    for target in targets[:2]:
        access.check_report(user=subscriber, comment_id=target.pk, reason="spam")
    with pytest.raises(Exception, match="2 comments a day"):
        access.check_report(user=subscriber, comment_id=targets[2].pk, reason="spam")


def test_feature_and_unfeature(article, thread, editor):
    _root, reply = thread
    access.check_feature(user=editor, comment_id=reply.pk)
    assert Feature.objects.filter(comment=reply).exists()
    access.check_feature(user=editor, comment_id=reply.pk)  # idempotent
    access.check_feature(user=editor, comment_id=reply.pk, featured=False)
    assert not Feature.objects.exists()
    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["feature", "unfeature"]


def test_removing_a_pick_unfeatures_it(article, thread, moderator):
    _root, reply = thread
    access.check_feature(user=moderator, comment_id=reply.pk)
    access.check_remove(user=moderator, comment_id=reply.pk, reason="abuse")
    assert not Feature.objects.exists()


def test_close_and_reopen(article, editor, policy):
    access.check_set_closed(user=editor, article_id=article.pk, closed=True)
    article.refresh_from_db()
    assert article.discussion_closed
    access.check_set_closed(user=editor, article_id=article.pk, closed=False)
    article.refresh_from_db()
    assert not article.discussion_closed
    assert [e.action for e in AuditEntry.objects.order_by("id")] == ["close", "reopen"]


def test_appeal_once_then_granted(client, article, thread, author, moderator):
    _root, reply = thread
    access.check_remove(user=moderator, comment_id=reply.pk, reason="off_topic")
    client.force_login(author)
    page = client.get(reverse("article", kwargs={"slug": article.slug})).content.decode()
    assert "Removed by a moderator: Off topic." in page
    assert "Appeal this removal" in page
    url = reverse("moderation:appeal", args=[reply.pk])
    headers = {"X-Parley-Fragment": "1"}
    assert client.post(url, {"text": "It was on topic."}, headers=headers).status_code == 201
    again = client.post(url, {"text": "Please."}, headers=headers)
    assert again.status_code == 400 and again.json()["code"] == "already_appealed"
    page = client.get(reverse("article", kwargs={"slug": article.slug})).content.decode()
    assert "Your appeal is with the moderators." in page
    access.check_decide_appeal(user=moderator, comment_id=reply.pk, grant=True)
    reply.refresh_from_db()
    assert reply.status == CommentStatus.VISIBLE
    assert Appeal.objects.get().status == "granted"
    assert not Removal.objects.exists()


def test_only_the_author_may_appeal(client, article, thread, moderator, subscriber):
    _root, reply = thread
    access.check_remove(user=moderator, comment_id=reply.pk, reason="abuse")
    client.force_login(subscriber)
    response = client.post(
        reverse("moderation:appeal", args=[reply.pk]),
        {"text": "Not mine."},
        headers={"X-Parley-Fragment": "1"},
    )
    assert response.status_code == 404
    page = client.get(reverse("article", kwargs={"slug": article.slug})).content.decode()
    assert "Removed by a moderator: Abuse or personal attack." in page
    assert "Appeal this removal" not in page


def test_denied_appeal_keeps_the_removal(article, thread, author, moderator):
    _root, reply = thread
    access.check_remove(user=moderator, comment_id=reply.pk, reason="abuse")
    access.check_appeal(user=author, comment_id=reply.pk, text="Why?")
    access.check_decide_appeal(user=moderator, comment_id=reply.pk, grant=False, response="No")
    reply.refresh_from_db()
    assert reply.status == CommentStatus.REMOVED
    assert Appeal.objects.get().status == "denied"


def test_sanction_and_lift(article, subscriber, moderator, site):
    sanction = access.check_sanction(
        user=moderator,
        target_id=subscriber.pk,
        site_id=site.pk,
        kind="suspend",
        days=3,
        message="Cool off.",
    )
    assert sanction.ends_at is not None
    access.check_lift(user=moderator, sanction_id=sanction.pk)
    assert [e.action for e in AuditEntry.objects.order_by("id")] == ["suspend", "lift"]


def test_staff_cannot_be_banned(article, moderator, editor, site):
    with pytest.raises(Exception, match="Staff"):
        access.check_sanction(
            user=moderator,
            target_id=editor.pk,
            site_id=site.pk,
            kind="ban",
            days=None,
            message="",
        )
