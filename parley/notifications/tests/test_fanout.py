"""Who is owed what when a comment is posted: the rules, without sending anything."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from parley import factories
from parley.accounts.models import Subscription
from parley.discussion.models import Comment, CommentStatus
from parley.notifications import actions
from parley.notifications.fanout import enqueue_for_comment, notify_approved
from parley.notifications.models import (
    EmailMode,
    Follow,
    Notification,
    NotifyChoice,
    OutboxKind,
    OutboxMessage,
    Reason,
)
from parley.notifications.recipients import candidates
from parley.notifications.tests.conftest import person

pytestmark = pytest.mark.django_db


def owed(user) -> dict[int, str]:
    return dict(Notification.objects.filter(recipient=user).values_list("comment_id", "reason"))


def test_replies_follow_ups_and_mentions_reach_their_people(site, article):
    ann = person(site, "ann")
    bob = person(site, "bob", display_name="Bob Stone")
    cat = person(site, "cat")
    first = factories.make_comment(article, ann, "Ann starts.")
    actions.apply_notify_choice(ann, first, "replies")
    actions.follow_discussion(user=cat, article=article)

    reply = factories.make_comment(article, bob, "Bob answers Ann.", parent=first)
    assert owed(ann) == {reply.pk: Reason.REPLY}
    assert owed(cat) == {reply.pk: Reason.FOLLOW_UP}
    assert owed(bob) == {}  # never about one's own comment

    mention = factories.make_comment(article, cat, "As @Bob Stone said, and @ann too.")
    assert owed(bob) == {mention.pk: Reason.MENTION}
    assert owed(ann)[mention.pk] == Reason.MENTION  # by username
    assert owed(cat) == {reply.pk: Reason.FOLLOW_UP}


def test_one_notification_per_comment_whatever_the_reasons(site, article):
    ann = person(site, "ann")
    first = factories.make_comment(article, ann, "Ann starts.")
    actions.follow_replies(user=ann, comment=first)
    actions.follow_discussion(user=ann, article=article)
    reply = factories.make_comment(article, None, "Hello @ann", parent=first)
    assert owed(ann) == {reply.pk: Reason.REPLY}
    assert OutboxMessage.objects.filter(recipient=ann).count() == 1
    # A second fan-out of the same comment (an approval replayed) owes nothing more.
    enqueue_for_comment(reply)
    assert Notification.objects.filter(recipient=ann).count() == 1
    assert OutboxMessage.objects.filter(recipient=ann).count() == 1


def test_pending_comment_waits_for_approval(site, article):
    ann = person(site, "ann")
    actions.follow_discussion(user=ann, article=article)
    held = factories.make_comment(article, None, "Held for review.", status=CommentStatus.PENDING)
    assert owed(ann) == {}
    Comment.objects.filter(pk=held.pk).update(status=CommentStatus.VISIBLE)
    held.status = CommentStatus.VISIBLE
    assert notify_approved(held) == 1
    assert owed(ann) == {held.pk: Reason.FOLLOW_UP}
    assert notify_approved(held) == 1  # idempotent: still one
    assert Notification.objects.filter(recipient=ann).count() == 1


@pytest.mark.parametrize("status", [CommentStatus.REMOVED, CommentStatus.SPAM])
def test_removed_comments_notify_nobody(site, article, status):
    ann = person(site, "ann")
    actions.follow_discussion(user=ann, article=article)
    factories.make_comment(article, None, "Gone.", status=status)
    assert owed(ann) == {}
    assert not OutboxMessage.objects.exists()


def test_people_who_lost_access_get_nothing(site, article, reader):
    ann = person(site, "ann")
    gone = person(site, "gone", display_name="Gone Girl")
    actions.follow_discussion(user=ann, article=article)
    actions.follow_discussion(user=gone, article=article)
    Subscription.objects.filter(user=gone).update(ends_at=timezone.now() - timedelta(days=1))
    reader.email = "reader@example.org"
    reader.save()
    comment = factories.make_comment(article, None, "Hi @Gone Girl and @reader.")
    assert owed(ann) == {comment.pk: Reason.FOLLOW_UP}
    assert owed(gone) == {} and owed(reader) == {}
    assert set(OutboxMessage.objects.values_list("recipient_id", flat=True)) == {ann.pk}


def test_a_rolled_back_comment_owes_nothing(site, article):
    ann = person(site, "ann")
    actions.follow_discussion(user=ann, article=article)
    with pytest.raises(RuntimeError), transaction.atomic():
        factories.make_comment(article, None, "Never committed.")
        assert Notification.objects.count() == 1  # written in the comment's transaction
        raise RuntimeError("the request failed after the comment")
    assert not Notification.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_channels_follow_preferences(site, article):
    page_only = person(site, "page", email_mode=EmailMode.OFF)
    mail_only = person(site, "mail", in_page=False)
    digest = person(site, "digest", email_mode=EmailMode.DIGEST)
    no_address = person(site, "noaddress", email="")
    for user in (page_only, mail_only, digest, no_address):
        actions.follow_discussion(user=user, article=article)
    factories.make_comment(article, None, "News.")
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {
        "page",
        "digest",
        "noaddress",
    }
    kinds = dict(OutboxMessage.objects.values_list("recipient__username", "kind"))
    assert kinds == {"mail": OutboxKind.IMMEDIATE, "digest": OutboxKind.DIGEST_ITEM}


def test_notify_choice_sets_what_one_follows(site, article):
    ann = person(site, "ann", default_notify=NotifyChoice.REPLIES)
    first = factories.make_comment(article, ann, "One.")
    assert actions.apply_notify_choice(ann, first, None) == NotifyChoice.REPLIES  # default
    assert Follow.objects.filter(user=ann, comment=first).exists()
    second = factories.make_comment(article, ann, "Two.")
    actions.apply_notify_choice(ann, second, "all")
    assert Follow.objects.filter(user=ann, article=article, comment=None).exists()
    third = factories.make_comment(article, ann, "Three.")
    actions.apply_notify_choice(ann, third, "none")
    assert not Follow.objects.filter(user=ann, comment=None).exists()
    assert not Follow.objects.filter(user=ann, comment=third).exists()
    assert actions.apply_notify_choice(ann, third, "bogus") == NotifyChoice.REPLIES


@pytest.mark.parametrize(
    ("text", "names"),
    [
        (
            "@Harriet Lowe is right",
            ["Harriet Lowe is right", "Harriet Lowe is", "Harriet Lowe", "Harriet"],
        ),
        ("write to me@example.org", []),
        ("@@nobody and @ alone", []),
        ("(@kwame) said", ["kwame"]),
        ("@O\u2019Brien.", ["O\u2019Brien"]),
    ],
)
def test_mention_candidates(text, names):
    found = candidates(text)
    assert (found[0] if found else []) == names


def test_ambiguous_display_names_name_nobody(site, article):
    one = person(site, "one", display_name="Sam Lee")
    two = person(site, "two", display_name="Sam Lee")
    sam = person(site, "sam", display_name="Sam")
    comment = factories.make_comment(article, None, "Thanks @Sam Lee!")
    assert owed(one) == {} and owed(two) == {}
    assert owed(sam) == {}  # not the shorter name instead
    by_username = factories.make_comment(article, None, "Thanks @one!")
    assert owed(one) == {by_username.pk: Reason.MENTION}
    assert comment.pk not in owed(sam)


def test_no_query_beyond_one_when_nobody_follows(site, article, django_assert_num_queries):
    ann = person(site, "ann")
    comment = factories.make_comment(article, ann, "Quiet discussion.")
    with django_assert_num_queries(1):
        enqueue_for_comment(comment)
