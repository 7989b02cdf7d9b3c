"""From one new visible comment to the inbox entries and outbox rows it owes.

`enqueue_for_comment` runs inside the transaction that writes the comment (see
`parley.discussion.actions.do_post_comment`), so the comment and everything it owes commit
or roll back together, and nothing is delivered before the commit: the inbox and the worker
only ever see committed rows. The moderation desk calls `notify_approved` when it approves a
held comment; the unique (recipient, key) constraints make a second call a no-op.
"""

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from parley import rawsql
from parley.accounts.models import User
from parley.articles.models import Article
from parley.discussion.models import Comment, CommentStatus
from parley.notifications import conf
from parley.notifications.models import (
    REASON_PRIORITY,
    EmailMode,
    Follow,
    Mute,
    Notification,
    OutboxKind,
    OutboxMessage,
    Preferences,
    Reason,
)
from parley.notifications.recipients import mentioned_user_ids, recipients_among


def event_key(comment: Comment) -> str:
    """One event per comment: a recipient hears about a comment once, whatever the reasons."""
    return f"comment:{comment.pk}"


def prefs_of(user: User) -> Preferences:
    """The user's preferences (fetched with `select_related`), or the defaults unsaved."""
    try:
        return user.notification_prefs
    except Preferences.DoesNotExist:
        return Preferences(user=user)


def next_digest_at(now: datetime) -> datetime:
    """The next daily digest time (conf.DIGEST_HOUR, UTC) strictly after `now`."""
    at = now.replace(hour=conf.digest_hour(), minute=0, second=0, microsecond=0)
    return at if at > now else at + timedelta(days=1)


def _reasons(comment: Comment) -> dict[int, Reason]:
    reasons: dict[int, Reason] = {}

    def offer(user_id: int, reason: Reason) -> None:
        current = reasons.get(user_id)
        if current is None or REASON_PRIORITY.index(reason) < REASON_PRIORITY.index(current):
            reasons[user_id] = reason

    for user_id, followed_comment in _follows(comment):
        offer(user_id, Reason.REPLY if followed_comment else Reason.FOLLOW_UP)
    mentioned = mentioned_user_ids(comment)
    if mentioned:
        muted = set(
            Mute.objects.filter(article_id=comment.article_id, user_id__in=mentioned).values_list(
                "user_id", flat=True
            )
        )
        for user_id in mentioned - muted:
            offer(user_id, Reason.MENTION)
    if comment.author_id is not None:
        reasons.pop(comment.author_id, None)
    return reasons


def _follows(comment: Comment) -> list[tuple[Any, ...]]:
    """(user id, followed comment id or None) of those following the discussion or the
    comment replied to. Every post asks (SQL: parley/rawsql.py)."""
    parent = [] if comment.parent_id is None else [comment.parent_id]
    return rawsql.fetch_all(
        f"SELECT user_id, comment_id FROM {rawsql.table(Follow)}"  # noqa: S608
        f" WHERE article_id = %s AND (comment_id IS NULL{' OR comment_id = %s' if parent else ''})",
        [comment.article_id, *parent],
    )


def enqueue_for_comment(comment: Comment) -> int:
    """Writes the notifications a newly visible comment owes; returns how many people get
    one. The caller holds the transaction that made the comment visible. One query when
    nobody follows the discussion."""
    if comment.status != CommentStatus.VISIBLE:
        # Pending comments wait for notify_approved; removed ones never notify.
        return 0
    reasons = _reasons(comment)
    if not reasons:
        return 0
    article = comment.article
    users = list(recipients_among(reasons, article.site_id))
    if not users:
        return 0
    now = timezone.now()
    key = event_key(comment)
    inbox: list[Notification] = []
    mail: dict[int, OutboxMessage] = {}
    for user in users:
        prefs = prefs_of(user)
        reason = reasons[user.pk]
        if prefs.in_page:
            inbox.append(
                Notification(
                    recipient=user,
                    key=key,
                    reason=reason,
                    article=article,
                    comment=comment,
                    created_at=now,
                )
            )
        if user.email and prefs.email_mode != EmailMode.OFF:
            immediate = prefs.email_mode == EmailMode.IMMEDIATE
            mail[user.pk] = OutboxMessage(
                recipient=user,
                key=key,
                kind=OutboxKind.IMMEDIATE if immediate else OutboxKind.DIGEST_ITEM,
                reason=reason,
                article=article,
                comment=comment,
                created_at=now,
                due_at=now if immediate else next_digest_at(now),
            )
    _fold_floods(article, mail, now)
    Notification.objects.bulk_create(inbox, ignore_conflicts=True)
    OutboxMessage.objects.bulk_create(mail.values(), ignore_conflicts=True)
    return len({n.recipient_id for n in inbox} | set(mail))


def _fold_floods(article: Article, mail: dict[int, OutboxMessage], now: datetime) -> None:
    """At most conf.flood_cap() immediate e-mails per recipient per discussion per hour;
    the rest wait for the digest. The article's row lock serialises concurrent comments on
    one discussion (do_post_comment already holds it after counting the comment), so two
    commits cannot both take the last place under the cap."""
    immediate = [uid for uid, row in mail.items() if row.kind == OutboxKind.IMMEDIATE]
    if not immediate:
        return
    list(Article.objects.select_for_update().filter(pk=article.pk).values_list("pk", flat=True))
    recent = dict(
        OutboxMessage.objects.filter(
            recipient_id__in=immediate,
            article=article,
            kind=OutboxKind.IMMEDIATE,
            created_at__gt=now - timedelta(hours=1),
        )
        .values("recipient_id")
        .annotate(n=Count("id"))
        .values_list("recipient_id", "n")
    )
    cap = conf.flood_cap()
    for user_id in immediate:
        if recent.get(user_id, 0) >= cap:
            row = mail[user_id]
            row.kind = OutboxKind.DIGEST_ITEM
            row.due_at = next_digest_at(now)


@transaction.atomic
def notify_approved(comment: Comment) -> int:
    """For the moderation desk: call in the transaction that approves a held comment
    (after its status is VISIBLE). Safe to call again: nothing is owed twice."""
    return enqueue_for_comment(comment)
