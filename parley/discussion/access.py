"""The only way endpoints load discussion objects or decide who may act on them.

Each `check_*` validates untrusted input and permission, then calls the matching `do_*`
action. "Missing" and "not allowed to see" raise the same NotFound.
"""

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from parley import rawsql
from parley.accounts.entitlements import Entitlement, Standing, entitlement_on
from parley.accounts.models import User
from parley.articles.models import Article
from parley.discussion import actions, rendering
from parley.discussion.models import MAX_DEPTH, Comment, CommentStatus
from parley.errors import (
    DiscussionHidden,
    EditWindowClosed,
    Forbidden,
    InvalidInput,
    NotFound,
    NotSignedIn,
    NotSubscriber,
    SubscriptionEnded,
    ThreadClosed,
)
from parley.moderation import phases as moderation  # rules, holds, sanctions, rate limits
from parley.text import clean_plain_text


def require_participant(entitlement: Entitlement, *, vote: bool = False) -> None:
    """Raises unless the user may post, reply and edit (or, with `vote`, vote) under the
    discussion's rules (parley/accounts/policy.py; make the entitlement with
    `entitlement_on(user, article)`)."""
    if entitlement.may_vote if vote else entitlement.may_post:
        return
    if entitlement.standing == Standing.GUEST:
        raise NotSignedIn()
    if entitlement.standing == Standing.LAPSED:
        raise SubscriptionEnded()
    raise NotSubscriber()


def require_reader(entitlement: Entitlement) -> None:
    """Raises unless the discussion's read rule admits the user (page, API, live)."""
    if not entitlement.may_read:
        raise DiscussionHidden(
            "Sign in to read the discussion."
            if entitlement.standing == Standing.GUEST
            else "The discussion of this article is for subscribers."
        )


def guest_name(entitlement: Entitlement, name: str | None) -> str:
    """The name a guest posts under (the "guests" post rule): plain text, required."""
    cleaned = clean_plain_text(name or "", max_length=60)
    if not cleaned:
        raise InvalidInput("Give a name to comment as a guest.", code="name_required")
    return cleaned


# With moderation's overrides (one row or none): posting needs them. Every post and
# every signed-in reader's page loads its article, so the query is written out
# (parley/rawsql.py); it gives what select_related(*ARTICLE_WITH) gives.
ARTICLE_WITH = ("site", "author", "policy")


def access_article(*, site_id: int, slug: str) -> Article:
    return _article("t0.site_id = %s AND t0.slug = %s", [site_id, slug])


def _article(where: str, params: list[Any]) -> Article:
    article = rawsql.get_related(Article, ARTICLE_WITH, where, params)
    if article is None:
        raise NotFound("No such article.")
    return article


# The public API (parley/api) addresses articles by id and by canonical URL rather than
# by the page's slug. `site_id` confines a caller bound to one site (an API token); an
# article elsewhere is "not found", like a missing one.
def access_article_by_id(*, article_id: int, site_id: int | None = None) -> Article:
    if site_id is None:
        return _article("t0.id = %s", [article_id])
    return _article("t0.id = %s AND t0.site_id = %s", [article_id, site_id])


def access_article_by_url(*, site_id: int, url: str) -> Article:
    """canonical_url is not unique: the oldest article with it is the one."""
    if not url:
        raise NotFound("No such article.")
    article = (
        Article.objects.select_related("site", "author")
        .filter(site_id=site_id, canonical_url=url)
        .order_by("id")
        .first()
    )
    if article is None:
        raise NotFound("No such article.")
    return article


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
    *,
    user: User | None,
    article: Article,
    body: str,
    parent_id: int | str | None,
    nudge_ack: bool | None = None,  # parley.moderation's civility nudge; None: cannot ask
    guest: str | None = None,  # the name of a guest, where the post rule admits guests
) -> Comment:
    entitlement = entitlement_on(user, article)
    require_participant(entitlement)
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
    if rendering.is_blank(body_html):
        raise InvalidInput(
            "Your comment has no text left once unsupported markup is removed.", code="empty"
        )
    if user is None:
        return _post_as_guest(
            article=article, body=body, body_html=body_html, parent=parent,
            name=guest_name(entitlement, guest),
        )  # fmt: skip
    # Moderation (docs/moderation.md): may refuse (raises), hold (status PENDING), or strip
    # and mask the HTML to store; the hold's rule is recorded in the same transaction.
    decision = moderation.evaluate(
        user=user,
        article=article,
        body=body,
        body_html=body_html,
        parent=parent,
        nudge_ack=nudge_ack,
    )
    with transaction.atomic(savepoint=False):
        comment = actions.do_post_comment(
            user=user,
            article=article,
            body=body,
            body_html=decision.body_html,
            parent=parent,
            status=decision.status,
        )
        decision.record(comment)
    return comment


def _post_as_guest(
    *, article: Article, body: str, body_html: str, parent: Comment | None, name: str
) -> Comment:
    """A guest's comment (post rule "guests") waits for a moderator: moderation's phases
    judge accounts, and a guest has none to rate-limit, sanction or trust."""
    from parley.moderation.actions import do_hold  # moderation.actions imports discussion

    with transaction.atomic():
        comment = actions.do_post_comment(
            user=None, article=article, body=body, body_html=body_html, parent=parent,
            status=CommentStatus.PENDING, author_name=name,
        )  # fmt: skip
        do_hold(comment=comment, rule="premoderation", reason="Posted by a guest.")
    return comment


def _require_own_editable(*, user: User | None, comment: Comment) -> Entitlement:
    entitlement = entitlement_on(user, comment.article)
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
    if rendering.is_blank(body_html):
        raise InvalidInput(
            "Your comment has no text left once unsupported markup is removed.", code="empty"
        )
    # Moderation (docs/moderation.md): an edit passes the same rules; a held edit of a
    # visible comment takes it out of view until a moderator approves it.
    assert user is not None  # _require_own_editable refused guests
    decision = moderation.evaluate(
        user=user, article=comment.article, body=body, body_html=body_html, comment=comment
    )
    with transaction.atomic():
        comment = actions.do_edit_comment(comment=comment, body=body, body_html=decision.body_html)
        decision.record(comment)
    return comment


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
    require_participant(entitlement_on(user, comment.article), vote=True)
    if user is None:  # no rule lets guests vote: a vote needs an account to count once
        raise NotSignedIn()
    parsed = VOTE_VALUES.get(str(value).strip().lower())
    if parsed is None:
        raise InvalidInput("A vote is up, down or none.", code="bad_vote")
    if comment.author_id == user.pk:
        raise Forbidden("You cannot vote on your own comment.", code="own_comment")
    if comment.status != CommentStatus.VISIBLE:
        raise InvalidInput("This comment cannot be voted on.", code="not_votable")
    if comment.article.discussion_closed:
        raise ThreadClosed()
    moderation.guard_vote(user=user, comment=comment)  # sanctions, auto-close, rate limit
    return actions.do_vote(user=user, comment=comment, value=parsed)
