"""The worker against a real SMTP server on loopback: what arrives, and what does not."""

from datetime import timedelta

import pytest
from django.utils import timezone

from parley import factories
from parley.accounts.models import Subscription, User
from parley.discussion.models import Comment, CommentStatus
from parley.notifications import actions, outbox
from parley.notifications.fanout import next_digest_at
from parley.notifications.models import EmailMode, OutboxKind, OutboxMessage, OutboxStatus
from parley.notifications.tests.conftest import drain, person

pytestmark = pytest.mark.django_db


def parts(message) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


def test_a_reply_arrives_once_with_both_parts_and_one_click_unsubscribe(
    site, article, mail_to_sink
):
    ann = person(site, "ann")
    bob = person(site, "bob", display_name="Bob Stone")
    first = factories.make_comment(article, ann, "Ann starts.")
    actions.follow_replies(user=ann, comment=first)
    factories.make_comment(
        article, bob, "**Agreed**, see <script>alert(1)</script> [this](javascript:x)", parent=first
    )
    drain()
    drain()  # nothing left: a second worker round sends nothing again
    assert len(mail_to_sink.messages) == 1
    (rcpt, message), *_ = mail_to_sink.envelopes
    assert rcpt == ["ann@example.org"]
    assert message["Subject"] == f"Bob Stone replied to your comment on “{article.title}”"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = str(message["List-Unsubscribe"])
    assert unsubscribe.startswith("<http://127.0.0.1:8000/notifications/unsubscribe/discussion/")
    # On the wire too: one plain <URL>, not RFC 2047 encoded words that clients won't decode.
    raw_headers = mail_to_sink.handler.raw[0].split(b"\r\n\r\n")[0].decode()
    assert f"\r\nList-Unsubscribe: {unsubscribe}\r\n" in raw_headers
    row = OutboxMessage.objects.get(recipient=ann)
    assert row.status == OutboxStatus.SENT and row.attempts == 1
    assert message["Message-ID"] == row.message_id
    text, html = parts(message)
    assert "<strong>Agreed</strong>" in html
    assert "<script" not in html and "alert(1)" not in html
    assert 'href="javascript' not in html
    assert "Agreed, see" in text and "<strong>" not in text
    assert unsubscribe.strip("<>") in text and unsubscribe.strip("<>") in html
    assert f"/articles/{article.slug}/comments/" in text


def test_a_name_with_line_breaks_cannot_inject_a_header(site, article, mail_to_sink):
    ann = person(site, "ann")
    eve = person(site, "eve")
    # Saved through update() so the model's own cleaning is bypassed, as an import might.
    evil = "Eve\r\nBcc: victim@example.com\r\nX-Injected: yes"
    User.objects.filter(pk=eve.pk).update(display_name=evil)
    article.title = "Title\nReply-To: attacker@example.com"
    article.save()
    actions.follow_discussion(user=ann, article=article)
    factories.make_comment(article, User.objects.get(pk=eve.pk), "Hello.")
    drain()
    (rcpt, message), *_ = mail_to_sink.envelopes
    assert rcpt == ["ann@example.org"]
    assert message["X-Injected"] is None and message["Bcc"] is None
    assert message["Reply-To"] is None
    assert "\n" not in message["Subject"] and "\r" not in message["Subject"]
    assert message["Subject"].startswith("Eve Bcc: victim@example.com X-Injected: yes commented")


def test_message_id_is_stable_across_attempts(site, article, mail_to_sink):
    ann = person(site, "ann")
    actions.follow_discussion(user=ann, article=article)
    factories.make_comment(article, None, "News.")
    mail_to_sink.handler.refuse = 1
    outbox.run_once(outbox.Config())
    row = OutboxMessage.objects.get()
    assert row.status == OutboxStatus.PENDING and row.attempts == 1
    drain(now=row.due_at + timedelta(seconds=1))
    row.refresh_from_db()
    assert row.status == OutboxStatus.SENT and row.attempts == 2
    assert mail_to_sink.message_ids() == [row.message_id]


def test_refusals_and_timeouts_are_retried_with_backoff_while_comments_keep_posting(
    site, article, settings, smtp_sink
):
    ann = person(site, "ann")
    actions.follow_discussion(user=ann, article=article)
    settings.MAILERS = smtp_sink.mailer_settings(timeout=0.5)
    settings.PARLEY_NOTIFY_FLOOD_CAP = 100
    config = outbox.Config(backoff_base=10.0, backoff_cap=60.0)
    now = timezone.now()
    posted = 0

    def post() -> None:
        nonlocal posted
        posted += 1
        factories.make_comment(article, None, f"Comment {posted}.")

    post()
    now = timezone.now()
    smtp_sink.handler.refuse = 3
    result = outbox.run_once(config, now=now)
    assert result.server_trouble and result.retried == 1 and result.sent == 0
    row = OutboxMessage.objects.get()
    assert row.due_at - now >= timedelta(seconds=8)  # backed off, not hammered
    assert outbox.run_once(config, now=now).claimed == 0  # nothing due yet

    # The server keeps refusing, then stalls past the client's timeout; comments keep coming.
    for _ in range(6):
        post()
        now += timedelta(minutes=2)
        outbox.run_once(config, now=now)
    smtp_sink.handler.stall = 1.0
    post()
    now += timedelta(minutes=2)
    assert outbox.run_once(config, now=now).server_trouble
    smtp_sink.handler.stall = 0.0
    for _ in range(10):
        now += timedelta(minutes=2)
        outbox.run_once(config, now=now)
    assert len(smtp_sink.messages) == posted == OutboxMessage.objects.count()
    assert len(set(smtp_sink.message_ids())) == posted
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxStatus.SENT}
    assert OutboxMessage.objects.filter(attempts__gt=1).exists()


def test_a_closed_port_is_retried_and_then_delivered(site, article, settings, smtp_sink):
    ann = person(site, "ann")
    actions.follow_discussion(user=ann, article=article)
    factories.make_comment(article, None, "News.")
    closed = smtp_sink.mailer_settings()
    closed["default"]["OPTIONS"]["port"] = 1  # nothing listens there
    settings.MAILERS = closed
    assert outbox.run_once(outbox.Config(backoff_base=0.0)).server_trouble
    settings.MAILERS = smtp_sink.mailer_settings()
    drain(now=timezone.now() + timedelta(seconds=5))
    assert len(smtp_sink.messages) == 1


def test_flood_cap_folds_the_rest_into_the_digest(site, article, settings, mail_to_sink):
    settings.PARLEY_NOTIFY_FLOOD_CAP = 3
    ann = person(site, "ann")
    bob = person(site, "bob")
    actions.follow_discussion(user=ann, article=article)
    actions.follow_discussion(user=bob, article=article)
    other = factories.make_article(site)
    actions.follow_discussion(user=ann, article=other)
    for n in range(10):
        factories.make_comment(article, None, f"Busy discussion, comment {n}.")
    factories.make_comment(other, None, "Elsewhere.")  # another discussion has its own cap
    rows = OutboxMessage.objects.filter(recipient=ann)
    assert rows.filter(kind=OutboxKind.IMMEDIATE, article=article).count() == 3
    assert rows.filter(kind=OutboxKind.DIGEST_ITEM, article=article).count() == 7
    assert rows.filter(kind=OutboxKind.IMMEDIATE, article=other).count() == 1
    drain()
    assert len([m for m in mail_to_sink.envelopes if m[0] == ["ann@example.org"]]) == 4
    # The digest brings the other seven in one e-mail.
    drain(now=next_digest_at(timezone.now()) + timedelta(minutes=1))
    to_ann = [m for rcpt, m in mail_to_sink.envelopes if rcpt == ["ann@example.org"]]
    assert len(to_ann) == 5
    digest_text, _html = parts(to_ann[-1])
    assert to_ann[-1]["Subject"] == "Your daily digest: 7 new comments in 1 discussion"
    assert all(f"comment {n}." in digest_text for n in range(3, 10))
    assert len([m for rcpt, m in mail_to_sink.envelopes if rcpt == ["bob@example.org"]]) == 4


def test_digest_groups_by_discussion_and_goes_once(site, article, mail_to_sink):
    dora = person(site, "dora", email_mode=EmailMode.DIGEST)
    second = factories.make_article(site, title="Second article")
    actions.follow_discussion(user=dora, article=article)
    actions.follow_discussion(user=dora, article=second)
    factories.make_comment(article, None, "First on one.")
    factories.make_comment(second, None, "First on two.")
    factories.make_comment(article, None, "Second on one.")
    removed = factories.make_comment(second, None, "Removed before the digest.")
    drain()
    assert mail_to_sink.messages == []  # nothing before digest time
    Comment.objects.filter(pk=removed.pk).update(status=CommentStatus.REMOVED)
    at = next_digest_at(timezone.now()) + timedelta(minutes=1)
    drain(now=at)
    drain(now=at + timedelta(hours=1))
    assert len(mail_to_sink.messages) == 1
    message = mail_to_sink.messages[0]
    assert message["Subject"] == "Your daily digest: 3 new comments in 2 discussions"
    text, html = parts(message)
    assert text.index(article.title) < text.index("First on one.") < text.index("Second on one.")
    assert text.index("Second article") < text.index("First on two.")
    assert "Removed before the digest." not in text and "Removed before" not in html
    assert "/notifications/unsubscribe/all/" in str(message["List-Unsubscribe"])
    assert text.count("/notifications/unsubscribe/discussion/") == 2
    digest = OutboxMessage.objects.get(kind=OutboxKind.DIGEST)
    assert digest.status == OutboxStatus.SENT and digest.items.count() == 4


def test_a_reader_who_lost_access_before_the_send_gets_nothing(site, article, mail_to_sink):
    ann = person(site, "ann")
    actions.follow_discussion(user=ann, article=article)
    factories.make_comment(article, None, "Queued while subscribed.")
    Subscription.objects.filter(user=ann).update(ends_at=timezone.now() - timedelta(minutes=1))
    drain()
    assert mail_to_sink.messages == []
    assert OutboxMessage.objects.get().status == OutboxStatus.CANCELLED


def test_a_comment_removed_before_the_send_is_not_mailed(site, article, mail_to_sink):
    ann = person(site, "ann")
    actions.follow_discussion(user=ann, article=article)
    comment = factories.make_comment(article, None, "Spam, soon removed.")
    Comment.objects.filter(pk=comment.pk).update(status=CommentStatus.REMOVED)
    drain()
    assert mail_to_sink.messages == []
    assert OutboxMessage.objects.get().status == OutboxStatus.CANCELLED


def test_a_lease_keeps_a_claimed_row_from_a_second_worker(site, article, mail_to_sink):
    ann = person(site, "ann")
    actions.follow_discussion(user=ann, article=article)
    factories.make_comment(article, None, "News.")
    now = timezone.now()
    first = outbox.Config(lease_seconds=60)
    assert outbox.claim(first, now) != []
    assert outbox.claim(outbox.Config(), now) == []  # leased
    later = now + timedelta(seconds=61)
    second = outbox.Config()
    assert outbox.claim(second, later) != []  # the first died: its lease ran out
    outbox.send_batch(second, [OutboxMessage.objects.get().pk])
    outbox.send_batch(first, [OutboxMessage.objects.get().pk])  # too late: no longer its row
    assert len(mail_to_sink.messages) == 1
