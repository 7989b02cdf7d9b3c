"""Reads for the bell, the inbox, the comment form and the preferences page."""

from dataclasses import dataclass, field

from django.db.models import QuerySet

from parley.accounts.models import User
from parley.articles.models import Article
from parley.discussion.models import CommentStatus
from parley.notifications.models import (
    Follow,
    Mute,
    Notification,
    NotifyChoice,
    OutboxMessage,
    Preferences,
)
from parley.notifications.recipients import readable_sites

INBOX_SIZE = 50


def _inbox_rows(*, user: User) -> QuerySet[Notification]:
    """Entries about comments still visible, on sites the user may still read."""
    return Notification.objects.filter(
        recipient=user, comment__status=CommentStatus.VISIBLE
    ).filter(readable_sites(user))


def unread_count(*, user: User) -> int:
    """One query."""
    return _inbox_rows(user=user).filter(read_at__isnull=True).count()


def inbox(*, user: User, limit: int = INBOX_SIZE) -> list[Notification]:
    """Newest first, with the comment, its author and article (one query)."""
    return list(
        _inbox_rows(user=user)
        .select_related("comment__author", "article")
        .order_by("-created_at", "-id")[:limit]
    )


@dataclass
class DiscussionState:
    """What the comment form and the follow buttons show one viewer on one article."""

    follows_discussion: bool = False
    followed_comments: set[int] = field(default_factory=set)
    default_choice: str = NotifyChoice.NONE

    @property
    def form_choice(self) -> str:
        return NotifyChoice.ALL if self.follows_discussion else self.default_choice


def discussion_state(*, user: User, article: Article) -> DiscussionState:
    """Two queries: the viewer's follows in this discussion, and their default choice."""
    state = DiscussionState()
    for comment_id in Follow.objects.filter(user=user, article=article).values_list(
        "comment_id", flat=True
    ):
        if comment_id is None:
            state.follows_discussion = True
        else:
            state.followed_comments.add(comment_id)
    default = Preferences.objects.filter(user=user).values_list("default_notify", flat=True)
    state.default_choice = default.first() or NotifyChoice.NONE
    return state


def follows_of(*, user: User) -> tuple[list[Follow], list[Follow], list[Mute]]:
    """(followed discussions, followed comments, muted discussions), for the preferences
    page: three queries."""
    rows = Follow.objects.filter(user=user).select_related("article", "comment__author")
    discussions = list(rows.filter(comment__isnull=True).order_by("-created_at"))
    comments = list(rows.filter(comment__isnull=False).order_by("-created_at"))
    mutes = list(Mute.objects.filter(user=user).select_related("article").order_by("-created_at"))
    return discussions, comments, mutes


def preferences_of(*, user: User) -> Preferences:
    return Preferences.objects.filter(user=user).first() or Preferences(user=user)


def outbox_page(*, limit: int = 100) -> list[OutboxMessage]:
    """The newest e-mails, sent or not (the demo's and staff's window on the outbox)."""
    return list(
        OutboxMessage.objects.exclude(kind="digest_item")
        .select_related("recipient")
        .order_by("-id")[:limit]
    )


def outbox_message(*, pk: int) -> OutboxMessage | None:
    return OutboxMessage.objects.select_related("recipient").filter(pk=pk).first()
