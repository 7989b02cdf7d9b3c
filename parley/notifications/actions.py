"""Writes to follows, preferences, the inbox and the outbox on a user's behalf. Callers
have checked access (access.py); these trust their arguments."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from parley import rawsql
from parley.accounts.models import User
from parley.articles.models import Article
from parley.discussion.models import Comment
from parley.notifications.models import (
    EmailMode,
    Follow,
    Mute,
    Notification,
    NotifyChoice,
    OutboxKind,
    OutboxMessage,
    OutboxStatus,
    Preferences,
)
from parley.notifications.tokens import Scope, Unsubscribe

UNSENT_EMAIL = (OutboxKind.IMMEDIATE, OutboxKind.DIGEST_ITEM, OutboxKind.DIGEST)


def parse_choice(value: str | None) -> NotifyChoice | None:
    try:
        return NotifyChoice((value or "").strip())
    except ValueError:
        return None


def default_choice(user: User) -> NotifyChoice:
    """The user's "Notify of" default; asked by every post (SQL: parley/rawsql.py)."""
    row = rawsql.fetch_one(
        f"SELECT default_notify FROM {rawsql.table(Preferences)} WHERE user_id = %s",  # noqa: S608
        [user.pk],
    )
    return NotifyChoice(row[0] if row and row[0] else NotifyChoice.NONE)


def _get_or_create(**fields) -> Follow:
    try:
        with transaction.atomic():
            follow, _created = Follow.objects.get_or_create(**fields)
    except IntegrityError:  # a concurrent request of the same user made it first
        follow = Follow.objects.get(**fields)
    return follow


@transaction.atomic
def follow_discussion(*, user: User, article: Article) -> Follow:
    Mute.objects.filter(user=user, article=article).delete()
    return _get_or_create(user=user, article=article, comment=None)


def unfollow_discussion(*, user: User, article: Article) -> None:
    """One DELETE (a post without "Notify of" runs it): nothing refers to a follow and no
    signal listens for one, so the ORM's delete had nothing to add but its cost."""
    rawsql.execute(
        f"DELETE FROM {rawsql.table(Follow)}"  # noqa: S608
        " WHERE user_id = %s AND article_id = %s AND comment_id IS NULL",
        [user.pk, article.pk],
    )


@transaction.atomic
def follow_replies(*, user: User, comment: Comment) -> Follow:
    Mute.objects.filter(user=user, article_id=comment.article_id).delete()
    return _get_or_create(user=user, article_id=comment.article_id, comment=comment)


def unfollow_replies(*, user: User, comment: Comment) -> None:
    Follow.objects.filter(user=user, comment=comment).delete()


def apply_notify_choice(user: User, comment: Comment, value: str | None) -> NotifyChoice:
    """The comment form's "Notify of", applied after the comment is posted: "all" follows
    the whole discussion; "replies" follows this comment's replies (and no longer the whole
    discussion); "none" follows nothing new and stops following the discussion. A missing
    or unknown value means the user's default."""
    choice = parse_choice(value) or default_choice(user)
    article = comment.article
    if choice == NotifyChoice.ALL:
        follow_discussion(user=user, article=article)
    elif choice == NotifyChoice.REPLIES:
        unfollow_discussion(user=user, article=article)
        follow_replies(user=user, comment=comment)
    else:
        unfollow_discussion(user=user, article=article)
    return choice


def stop_follow(follow: Follow) -> None:
    follow.delete()


def unmute(mute: Mute) -> None:
    mute.delete()


@transaction.atomic
def update_preferences(
    *, user: User, default_notify: str, in_page: bool, email_mode: str
) -> Preferences:
    prefs, _created = Preferences.objects.select_for_update().get_or_create(user=user)
    prefs.default_notify = default_notify
    prefs.in_page = in_page
    prefs.email_mode = email_mode
    prefs.updated_at = timezone.now()
    prefs.save()
    if email_mode == EmailMode.OFF:
        _cancel_pending(OutboxMessage.objects.filter(recipient=user))
    return prefs


def _cancel_pending(rows) -> int:
    return rows.filter(status=OutboxStatus.PENDING, kind__in=UNSENT_EMAIL).update(
        status=OutboxStatus.CANCELLED, lease_until=None, last_error="unsubscribed"
    )


@transaction.atomic
def unsubscribe(request: Unsubscribe) -> None:
    """A discussion scope stops following that discussion (and every comment in it), mutes
    its mentions and cancels its queued e-mails. The "all" scope turns e-mail off and
    cancels every queued e-mail; in-page notifications stay as they were."""
    user_id = request.user_id
    if request.scope == Scope.DISCUSSION:
        assert request.article_id is not None
        Follow.objects.filter(user_id=user_id, article_id=request.article_id).delete()
        Mute.objects.get_or_create(user_id=user_id, article_id=request.article_id)
        _cancel_pending(
            OutboxMessage.objects.filter(recipient_id=user_id, article_id=request.article_id)
        )
        return
    prefs, _created = Preferences.objects.select_for_update().get_or_create(user_id=user_id)
    prefs.email_mode = EmailMode.OFF
    prefs.updated_at = timezone.now()
    prefs.save()
    _cancel_pending(OutboxMessage.objects.filter(recipient_id=user_id))


def mark_read(notification: Notification) -> None:
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=timezone.now()
        )


def mark_all_read(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
