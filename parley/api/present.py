"""Model rows to API schemas, field by field. The flags on each comment come from the
same presenter as the page (discussion.presenters.Viewer), so the page and the API agree
on who may vote, reply, edit and delete."""

from typing import cast

from django.http import HttpRequest
from django.urls import reverse

from parley.accounts.entitlements import Entitlement
from parley.accounts.models import User
from parley.api.schemas import (
    AnchorOut,
    AnchorState,
    ArticleOut,
    ArticleRefOut,
    AuthorOut,
    CommentOut,
    CommentStatusOut,
    CommentViewerOut,
    EntitlementOut,
    ThreadOut,
)
from parley.articles.models import Article, Site
from parley.discussion.models import TOMBSTONE_STATUSES, Comment, CommentStatus
from parley.discussion.presenters import Viewer
from parley.inline.access import quote_visible, visible_text_end
from parley.inline.templatetags.inline_tags import cached_anchor


def absolute(request: HttpRequest, site: Site, path: str) -> str:
    """An address on the site's own host when it has one, else on the API's host."""
    if site.domain:
        return f"{request.scheme}://{site.domain}{path}"
    return request.build_absolute_uri(path)


def article_out(request: HttpRequest, article: Article) -> ArticleOut:
    """Needs `site` and `author` loaded (select_related) to stay at zero queries."""
    return ArticleOut(
        id=article.pk,
        site=article.site.key,
        slug=article.slug,
        title=article.title,
        standfirst=article.standfirst,
        author=AuthorOut(name=article.author.name) if article.author is not None else None,
        url=absolute(request, article.site, article.get_absolute_url()),
        canonical_url=article.canonical_url or None,
        published_at=article.published_at,
        discussion_closed=article.discussion_closed,
        comment_count=article.comment_count,
    )


def article_ref(request: HttpRequest, article: Article) -> ArticleRefOut:
    return ArticleRefOut(
        id=article.pk,
        site=article.site.key,
        slug=article.slug,
        title=article.title,
        url=absolute(request, article.site, article.get_absolute_url()),
        canonical_url=article.canonical_url or None,
    )


def entitlement_out(entitlement: Entitlement) -> EntitlementOut:
    return EntitlementOut(
        standing=entitlement.standing.value,
        may_post=entitlement.may_post,
        is_moderator=entitlement.is_moderator,
    )


class CommentPresenter:
    """Presents comments of one article to one caller. Comments need `author` loaded,
    and replies `parent__author` (as the selectors load them), for zero extra queries."""

    def __init__(
        self,
        request: HttpRequest,
        *,
        article: Article,
        user: User | None,
        entitlement: Entitlement,
        votes: dict[int, int] | None = None,
    ) -> None:
        self.request = request
        self.article = article
        self.viewer = Viewer(user=user, entitlement=entitlement, article=article, votes=votes or {})
        self._limit: tuple[int | None] | None = None

    def anchor(self, comment: Comment, *, tombstone: bool) -> AnchorOut | None:
        """The comment's passage when the query that loaded it fetched it (the discussion
        selectors do, for top-level comments): never a query per comment. The paywall's
        limit is asked once, and only when some comment has a passage."""
        found = None if tombstone else cached_anchor(comment)
        if found is None:
            return None
        if self._limit is None:
            self._limit = (visible_text_end(self.article, self.viewer.user),)
        if not quote_visible(found.end, self._limit[0]):
            return None
        return AnchorOut(
            quote=found.exact,
            prefix=found.prefix,
            suffix=found.suffix,
            start=found.start,
            end=found.end,
            state=cast(AnchorState, found.state),
        )

    def shown_status(self, comment: Comment) -> CommentStatusOut:
        """What the caller is told of the comment's state. A thread's top-level comment
        is loaded whatever its state (permalink_thread), so a comment the caller may not
        see (spam, someone else's pending one) is shown as a removed tombstone."""
        if comment.status in (CommentStatus.VISIBLE, *TOMBSTONE_STATUSES):
            return cast(CommentStatusOut, comment.status)
        own = self.viewer.user is not None and comment.author_id == self.viewer.user.pk
        if comment.status == CommentStatus.PENDING and own:
            return "pending"
        return "removed"

    def comment(self, comment: Comment) -> CommentOut:
        item = self.viewer.present(comment)
        status = self.shown_status(comment)
        tombstone = status in TOMBSTONE_STATUSES
        path = reverse("permalink", kwargs={"slug": self.article.slug, "comment_id": comment.pk})
        return CommentOut(
            id=comment.pk,
            parent_id=comment.parent_id,
            root_id=comment.root_id,
            depth=comment.depth,
            author=None if tombstone else AuthorOut(name=comment.shown_name),
            body_html="" if tombstone else comment.body_html,
            status=status,
            created_at=comment.created_at,
            edited_at=comment.edited_at,
            upvotes=comment.upvotes,
            downvotes=comment.downvotes,
            score=comment.score,
            reply_to=item.reply_to or None,
            permalink=absolute(self.request, self.article.site, f"{path}#c-{comment.pk}"),
            viewer=CommentViewerOut(
                my_vote=item.my_vote,
                can_vote=item.can_vote,
                can_reply=item.can_reply,
                can_edit=item.can_edit,
                can_delete=item.can_delete,
                source=comment.body if item.can_edit else None,
            ),
            anchor=self.anchor(comment, tombstone=tombstone),
        )

    def comments(self, comments: list[Comment]) -> list[CommentOut]:
        return [self.comment(c) for c in comments]

    def thread(
        self, root: Comment, replies: list[Comment], *, more: int, cursor: str | None
    ) -> ThreadOut:
        return ThreadOut(
            comment=self.comment(root),
            replies=self.comments(replies),
            more_replies=max(more, 0),
            replies_cursor=cursor,
        )
