"""The only way notification endpoints load what they act on, and decide who may act:
following needs what posting needs (a subscription or a staff role on the site)."""

from django.db.models import QuerySet

from parley.accounts.entitlements import entitlement_for
from parley.accounts.models import User
from parley.articles.models import Article
from parley.discussion.access import access_comment, require_participant
from parley.discussion.models import Comment, CommentStatus
from parley.errors import InvalidInput, NotFound


def may_follow(user: User | None, site_id: int) -> bool:
    return user is not None and user.is_authenticated and entitlement_for(user, site_id).may_post


def check_follower(user: User | None, article: Article) -> User:
    """Raises unless the user may follow the article's discussion."""
    require_participant(entitlement_for(user, article.site_id))
    assert user is not None
    return user


def access_followable_comment(*, user: User | None, comment_id: int | str) -> Comment:
    comment = access_comment(comment_id=comment_id, user=user)
    check_follower(user, comment.article)
    if comment.status != CommentStatus.VISIBLE:
        raise InvalidInput("This comment can no longer be followed.", code="not_followable")
    return comment


def access_own(model_rows: QuerySet, *, user: User | None, pk: int | str):
    """A follow, mute or notification of the user's own; another's is simply missing."""
    if user is None or not user.is_authenticated:
        raise NotFound()
    try:
        return model_rows.get(pk=int(pk), **{_owner_field(model_rows): user})
    except (model_rows.model.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def _owner_field(rows: QuerySet) -> str:
    return "recipient" if rows.model.__name__ == "Notification" else "user"
