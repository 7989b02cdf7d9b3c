"""What templates need to know about each comment for one viewer, computed once."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from parley.accounts.entitlements import Entitlement
from parley.accounts.models import User
from parley.articles.models import Article
from parley.discussion.models import Comment, CommentStatus


@dataclass
class CommentView:
    comment: Comment
    my_vote: int = 0
    can_vote: bool = False
    can_reply: bool = False
    can_edit: bool = False
    can_delete: bool = False
    indent: int = 0

    @property
    def id(self) -> int:
        return self.comment.pk

    @property
    def reply_to(self) -> str:
        parent = self.comment.parent
        if parent is None or self.comment.depth == 0 or parent.is_tombstone:
            return ""  # a tombstone hides its author, so its replies must not name them
        return parent.shown_name


@dataclass
class Viewer:
    user: User | None
    entitlement: Entitlement
    article: Article
    votes: dict[int, int]

    def present(self, comment: Comment) -> CommentView:
        user_id = self.user.pk if self.user is not None and self.user.is_authenticated else None
        own = user_id is not None and comment.author_id == user_id
        live = comment.status == CommentStatus.VISIBLE
        open_ = not self.article.discussion_closed
        participant = self.entitlement.may_post
        window = timedelta(minutes=self.article.site.edit_window_minutes)
        return CommentView(
            comment=comment,
            my_vote=self.votes.get(comment.pk, 0),
            # Voting has its own rule (parley/accounts/policy.py).
            can_vote=self.entitlement.may_vote and live and open_ and not own,
            can_reply=participant and live and open_,
            can_edit=participant
            and own
            and live
            and open_
            and timezone.now() <= comment.created_at + window,
            can_delete=own and comment.status in (CommentStatus.VISIBLE, CommentStatus.PENDING),
            indent=min(comment.depth, settings.PARLEY_MAX_INDENT),
        )

    def present_all(self, comments: list[Comment]) -> list[CommentView]:
        return [self.present(c) for c in comments]
