"""Comments: a page of an article's discussion, the rest of a long thread, one comment in
its context (permalinks), and posting, replying, editing and deleting. Every load goes
through discussion.access and every write through its check_* functions."""

import base64
import binascii
import re
from typing import cast

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from parley.accounts.entitlements import entitlement_on
from parley.api import auth, present
from parley.api.errors import READ_ERRORS, WRITE_ERRORS
from parley.api.schemas import (
    CommentContextOut,
    CommentEditIn,
    CommentIn,
    CommentOut,
    CommentPageOut,
    DeletedOut,
    PostedOut,
    RepliesOut,
    Sort,
    article_id_param,
    comment_id_param,
)
from parley.articles.models import Article
from parley.cache import pages as page_cache
from parley.discussion import access, selectors
from parley.discussion.models import MAX_DEPTH, PATH_SEGMENT, Comment
from parley.errors import InvalidInput, NotFound
from parley.inline import access as inline_access
from parley.inline.actions import attach_anchor

router = Router(tags=["comments"])

_PATH = re.compile(rf"^(?:[0-9a-z]{{{PATH_SEGMENT}}}){{1,{MAX_DEPTH + 1}}}$")


def encode_after(path: str) -> str:
    """A replies cursor: where the last reply shown sits in the thread, made opaque."""
    return base64.urlsafe_b64encode(path.encode()).decode().rstrip("=")


def decode_after(cursor: str) -> str:
    try:
        path = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, ValueError):
        path = ""
    if not _PATH.match(path):
        raise InvalidInput("This page link is not valid; reload the thread.", code="bad_cursor")
    return path


def presenter_for(
    request: HttpRequest, article: Article, shown: list[Comment]
) -> present.CommentPresenter:
    """The caller's standing and votes for `shown`: no queries for guests and tokens,
    three for a reader (roles, subscriptions, votes)."""
    user = auth.viewer(request)
    entitlement = entitlement_on(user, article)
    access.require_reader(entitlement)  # the discussion's read rule (accounts/policy.py)
    return present.CommentPresenter(
        request,
        article=article,
        user=user,
        entitlement=entitlement,
        votes=selectors.my_votes(user=user, comment_ids=[c.pk for c in shown]),
    )


def visible_comment(request: HttpRequest, comment_id: int) -> Comment:
    comment = access.access_comment(comment_id=comment_id, user=auth.viewer(request))
    auth.require_in_scope(request, comment.article.site_id)
    return comment


@router.get("/articles/{article_id}/comments", response={200: CommentPageOut, **READ_ERRORS})
def comment_page(
    request: HttpRequest,
    article_id: int = article_id_param(),
    sort: Sort = "top",
    cursor: str | None = Query(None, max_length=500, description="next_cursor of a page."),
    limit: int | None = Query(None, ge=1, le=100, description="Threads per page."),
    replies: int | None = Query(None, ge=0, le=100, description="Replies per thread."),
):
    """A page of top-level threads in one sort, each with its first replies. Pages are
    keyset-paged by an opaque cursor; the query count does not grow with the discussion."""
    if auth.principal(request).via != "guest":
        return _comment_page(request, article_id, sort, cursor, limit, replies)[1]

    def build() -> HttpResponse:
        # Guests share one response per page (parley/cache), as they share the page.
        from parley.api.api import api  # the API object imports this module

        article, page = _comment_page(request, article_id, sort, cursor, limit, replies)
        response = api.create_response(request, page.model_dump(), status=200)
        if article.site.meter_free_articles:
            page_cache.mark_private(response)  # its quotes depend on this guest's meter
        return response

    variant = ("comments", sort, cursor or "", limit or "", "" if replies is None else replies)
    return page_cache.cached_guest_response(
        request, article_id=article_id, variant=variant, build=build
    )


def _comment_page(
    request: HttpRequest,
    article_id: int,
    sort: Sort,
    cursor: str | None,
    limit: int | None,
    replies: int | None,
) -> tuple[Article, CommentPageOut]:
    article = access.access_article_by_id(
        article_id=article_id, site_id=auth.principal(request).scope_site_id
    )
    page = selectors.comment_page(
        article=article,
        sort=sort,
        cursor=cursor or None,
        page_size=limit,
        replies_per_thread=settings.PARLEY_REPLIES_PER_THREAD if replies is None else replies,
    )
    shown = page.threads + [r for rows in page.replies.values() for r in rows]
    presenter = presenter_for(request, article, shown)
    threads = []
    for root in page.threads:
        rows = page.replies.get(root.pk, [])
        more = root.thread_replies - len(rows)
        after = encode_after(rows[-1].path if rows else root.path) if more > 0 else None
        threads.append(presenter.thread(root, rows, more=more, cursor=after))
    return article, CommentPageOut(
        article_id=article.pk,
        sort=cast(Sort, page.sort),
        comment_count=article.comment_count,
        discussion_closed=article.discussion_closed,
        threads=threads,
        next_cursor=page.next_cursor,
        viewer=present.entitlement_out(presenter.viewer.entitlement),
    )


@router.get("/comments/{comment_id}/replies", response={200: RepliesOut, **READ_ERRORS})
def thread_replies(
    request: HttpRequest,
    comment_id: int = comment_id_param(),
    cursor: str | None = Query(None, max_length=2000, description="replies_cursor."),
    limit: int = Query(50, ge=1, le=100),
):
    """The replies of the thread started by a top-level comment, depth-first, after the
    cursor (from the start without one)."""
    root = visible_comment(request, comment_id)
    if root.root_id is not None:
        raise NotFound("No such thread.")
    rows = selectors.thread_slice(
        root=root, after_path=decode_after(cursor) if cursor else "", limit=limit
    )
    presenter = presenter_for(request, root.article, rows)
    return RepliesOut(
        thread_id=root.pk,
        items=presenter.comments(rows),
        next_cursor=encode_after(rows[-1].path) if len(rows) == limit else None,
    )


@router.get("/comments/{comment_id}", response={200: CommentContextOut, **READ_ERRORS})
def comment_context(request: HttpRequest, comment_id: int = comment_id_param()):
    """A comment with its context, for permalinks: its thread's top-level comment, its
    ancestors, the comment and the start of its own replies."""
    comment = visible_comment(request, comment_id)
    root, rows = selectors.permalink_thread(comment=comment)
    presenter = presenter_for(request, comment.article, [root, *rows])
    focus = next((c for c in [root, *rows] if c.pk == comment.pk), comment)
    is_root = comment.root_id is None
    more = root.thread_replies - len(rows)
    return CommentContextOut(
        article=present.article_ref(request, comment.article),
        comment=presenter.comment(focus),
        thread=presenter.thread(
            root,
            rows,
            more=more,
            cursor=encode_after(rows[-1].path) if is_root and rows and more > 0 else None,
        ),
    )


@router.post("/articles/{article_id}/comments", response={201: PostedOut, **WRITE_ERRORS})
def post_comment(request: HttpRequest, payload: CommentIn, article_id: int = article_id_param()):
    """Posts a comment, or a reply with `parent_id`; a top-level comment may quote a
    passage of the article (`anchor`, inline feedback). Subscribers and staff only."""
    user = auth.acting_user(request)
    article = access.access_article_by_id(
        article_id=article_id, site_id=auth.principal(request).scope_site_id
    )
    # As on the page: the passage is checked first and attached in the same transaction,
    # so a refused passage posts nothing.
    with transaction.atomic():
        anchor = inline_access.check_anchor_fields(
            article=article,
            fields=payload.anchor.model_dump() if payload.anchor else None,
            parent_id=payload.parent_id,
            viewer=user,
        )
        comment = access.check_post_comment(
            user=user,
            article=article,
            body=payload.body,
            parent_id=payload.parent_id,
            guest=payload.guest_name,  # the "guests" post rule
        )
        if anchor is not None:
            attach_anchor(comment, anchor)
    count = selectors.comment_counts(article_ids=[article.pk]).get(article.pk, 0)
    return Status(
        201,
        PostedOut(
            comment=presenter_for(request, article, []).comment(comment), comment_count=count
        ),
    )


def _require_scope_of(request: HttpRequest, comment_id: int) -> None:
    # Callers bound to a site (none may write today) must not touch another site.
    if auth.principal(request).scope_site_id is not None:
        visible_comment(request, comment_id)


@router.patch("/comments/{comment_id}", response={200: CommentOut, **WRITE_ERRORS})
def edit_comment(
    request: HttpRequest, payload: CommentEditIn, comment_id: int = comment_id_param()
):
    """Edits your own comment within the site's edit window."""
    user = auth.acting_user(request)
    _require_scope_of(request, comment_id)
    comment = access.check_edit_comment(user=user, comment_id=comment_id, body=payload.body)
    return presenter_for(request, comment.article, [comment]).comment(comment)


@router.delete("/comments/{comment_id}", response={200: DeletedOut, **WRITE_ERRORS})
def delete_comment(request: HttpRequest, comment_id: int = comment_id_param()):
    """Deletes your own comment. One with replies stays as a tombstone."""
    user = auth.acting_user(request)
    comment = visible_comment(request, comment_id)
    kept = access.check_delete_comment(user=user, comment_id=comment_id)
    article = comment.article
    count = selectors.comment_counts(article_ids=[article.pk]).get(article.pk, 0)
    return DeletedOut(
        comment_id=comment_id,
        tombstone=kept is not None,
        comment=presenter_for(request, article, []).comment(kept) if kept else None,
        comment_count=count,
    )
