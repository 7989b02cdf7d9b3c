"""The only way endpoints load discussion objects or decide who may act on them.

Each `check_*` validates untrusted input and permission, then calls the matching `do_*`
action. "Missing" and "not allowed to see" raise the same NotFound.
"""

from datetime import timedelta

from django.utils import timezone

from parley.accounts.entitlements import Entitlement, Standing, entitlement_for
from parley.accounts.models import User
from parley.articles.models import Article
from parley.discussion import actions, rendering
from parley.discussion.models import MAX_DEPTH, Comment, CommentStatus
from parley.errors import (
    EditWindowClosed,
    Forbidden,
    InvalidInput,
    NotFound,
    NotSignedIn,
    NotSubscriber,
    SubscriptionEnded,
    ThreadClosed,
)


def require_participant(entitlement: Entitlement) -> None:
    """Raises unless the user may post, reply, edit or vote on the site."""
    if entitlement.standing == Standing.GUEST:
        raise NotSignedIn()
    if entitlement.standing == Standing.LAPSED:
        raise SubscriptionEnded()
    if not entitlement.may_post:
        raise NotSubscriber()


def access_article(*, site_id: int, slug: str) -> Article:
    try:
        return Article.objects.select_related("site", "author").get(site_id=site_id, slug=slug)
    except Article.DoesNotExist:
        raise NotFound("No such article.") from None


def access_comment(*, comment_id: int | str, user: User | None = None) -> Comment:
    """A comment that the user may see: shown statuses, or their own pending comment."""
    try:
        comment = Comment.objects.select_related("article__site", "author").get(pk=int(comment_id))
    except (Comment.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such comment.") from None
    visible = comment.status in (
        CommentStatus.VISIBLE,
        CommentStatus.DELETED,
        CommentStatus.REMOVED,
    )
    own_pending = (
        comment.status == CommentStatus.PENDING
        and user is not None
        and user.is_authenticated
        and comment.author_id == user.pk
    )
    if not (visible or own_pending):
        raise NotFound("No such comment.")
    return comment


def check_post_comment(
    *, user: User | None, article: Article, body: str, parent_id: int | str | None
) -> Comment:
    entitlement = entitlement_for(user, article.site_id)
    require_participant(entitlement)
    assert user is not None
    if article.discussion_closed:
        raise ThreadClosed()
    body = rendering.check_body(body)
    parent = None
    if parent_id not in (None, ""):
        parent = access_comment(comment_id=parent_id, user=user)
        if parent.article_id != article.pk:
            raise NotFound("No such comment.")
        if parent.status != CommentStatus.VISIBLE:
            raise InvalidInput("This comment can no longer be replied to.", code="not_replyable")
        if parent.depth >= MAX_DEPTH:
            raise InvalidInput("This thread is too deep to reply further.", code="too_deep")
    body_html = rendering.render(body)
    if not rendering.to_plain_text(body_html):
        raise InvalidInput(
            "Your comment has no text left once unsupported markup is removed.", code="empty"
        )
    return actions.do_post_comment(
        user=user, article=article, body=body, body_html=body_html, parent=parent
    )


def _require_own_editable(*, user: User | None, comment: Comment) -> Entitlement:
    entitlement = entitlement_for(user, comment.article.site_id)
    if user is None or not user.is_authenticated:
        raise NotSignedIn()
    if comment.author_id != user.pk:
        raise Forbidden("You can only change your own comments.")
    return entitlement


def check_edit_comment(*, user: User | None, comment_id: int | str, body: str) -> Comment:
    comment = access_comment(comment_id=comment_id, user=user)
    entitlement = _require_own_editable(user=user, comment=comment)
    require_participant(entitlement)
    if comment.status not in (CommentStatus.VISIBLE, CommentStatus.PENDING):
        raise Forbidden("This comment can no longer be edited.")
    if comment.article.discussion_closed:
        raise ThreadClosed()
    window = timedelta(minutes=comment.article.site.edit_window_minutes)
    if timezone.now() > comment.created_at + window:
        raise EditWindowClosed()
    body = rendering.check_body(body)
    body_html = rendering.render(body)
    if not rendering.to_plain_text(body_html):
        raise InvalidInput(
            "Your comment has no text left once unsupported markup is removed.", code="empty"
        )
    return actions.do_edit_comment(comment=comment, body=body, body_html=body_html)


def check_delete_comment(*, user: User | None, comment_id: int | str) -> Comment | None:
    """Authors may always delete their own comments, subscribers or not: it is their text."""
    comment = access_comment(comment_id=comment_id, user=user)
    _require_own_editable(user=user, comment=comment)
    if comment.status not in (CommentStatus.VISIBLE, CommentStatus.PENDING):
        raise Forbidden("This comment is already deleted.")
    return actions.do_delete_comment(comment=comment)


VOTE_VALUES = {"up": 1, "down": -1, "none": 0, "1": 1, "-1": -1, "0": 0}


def check_vote(*, user: User | None, comment_id: int | str, value: str | int) -> Comment:
    comment = access_comment(comment_id=comment_id, user=user)
    require_participant(entitlement_for(user, comment.article.site_id))
    assert user is not None
    parsed = VOTE_VALUES.get(str(value).strip().lower())
    if parsed is None:
        raise InvalidInput("A vote is up, down or none.", code="bad_vote")
    if comment.author_id == user.pk:
        raise Forbidden("You cannot vote on your own comment.", code="own_comment")
    if comment.status != CommentStatus.VISIBLE:
        raise InvalidInput("This comment cannot be voted on.", code="not_votable")
    if comment.article.discussion_closed:
        raise ThreadClosed()
    return actions.do_vote(user=user, comment=comment, value=parsed)
