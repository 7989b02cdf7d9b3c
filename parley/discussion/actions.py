"""Writes to discussions. `do_*` functions trust their arguments (access.py checked them);
importers and tests may call them directly. Counters change with F() in the same
transaction as the row they count."""

from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from parley import rawsql
from parley.accounts.models import User
from parley.articles.models import Article
from parley.discussion import events
from parley.discussion.models import (
    Comment,
    CommentStatus,
    ScoreChange,
    Vote,
    path_segment,
)
from parley.discussion.selectors import ledger_horizon
from parley.notifications.fanout import enqueue_for_comment


# No savepoint when called inside a transaction (the views' and the API's): nothing
# catches its errors to carry on, so a failure rolls back the caller's transaction.
@transaction.atomic(savepoint=False)
def do_post_comment(
    *,
    user: User | None,
    article: Article,
    body: str,
    body_html: str,
    parent: Comment | None = None,
    status: str = CommentStatus.VISIBLE,
    author_name: str = "",
    created_at=None,
) -> Comment:
    # The path ends with the row's own id: taken from the sequence first where there is
    # one, so the row is written once, complete; else set right after the insert.
    new_id = _next_comment_id()
    base = parent.path if parent else ""
    comment = Comment(
        id=new_id,
        path=base + path_segment(new_id) if new_id is not None else "",
        article=article,
        author=user,
        author_name=author_name,
        parent=parent,
        root_id=(parent.root_id or parent.pk) if parent else None,
        depth=parent.depth + 1 if parent else 0,
        body=body,
        body_html=body_html,
        status=status,
        created_at=created_at or timezone.now(),
    )
    rawsql.insert(comment)  # nothing listens for a comment's save (parley/rawsql.py)
    if new_id is None:
        comment.path = base + path_segment(comment.pk)
        Comment.objects.filter(pk=comment.pk).update(path=comment.path)
    # Notifications: inbox entries and outbox rows commit (or roll back) with the comment.
    enqueue_for_comment(comment)
    # The counters last: every post to an article updates the same row, which stays
    # locked until the commit, so concurrent posts wait for each other from here on.
    count = None  # the article's count with this comment, for the live event
    if parent is not None and status == CommentStatus.VISIBLE:
        Comment.objects.filter(pk=comment.thread_id).update(thread_replies=F("thread_replies") + 1)
    if status == CommentStatus.VISIBLE:
        count = _count_one_more(article.pk)
    events.announce(events.comment_posted, comment=comment, kind="posted", comment_count=count)
    return comment


def _next_comment_id() -> int | None:
    """PostgreSQL: the comment table's next id, from its own sequence (an UPDATE of the
    path would write the row and every index of the table a second time). None on SQLite,
    which has no sequence to take from."""
    if connection.vendor != "postgresql":
        return None
    row = rawsql.fetch_one(
        "SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [Comment._meta.db_table]
    )
    assert row is not None
    return int(row[0])


def _count_one_more(article_id: int) -> int | None:
    """Adds the new comment to the article's count; returns the count (UPDATE … RETURNING,
    on PostgreSQL and SQLite alike), None if the article is gone."""
    column = connection.ops.quote_name("comment_count")
    row = rawsql.fetch_one(
        f"UPDATE {rawsql.table(Article)} SET {column} = {column} + 1"  # noqa: S608
        f" WHERE id = %s RETURNING {column}",
        [article_id],
    )
    return row[0] if row else None


@transaction.atomic
def do_edit_comment(*, comment: Comment, body: str, body_html: str) -> Comment:
    comment.body = body
    comment.body_html = body_html
    comment.edited_at = timezone.now()
    Comment.objects.filter(pk=comment.pk).update(
        body=body, body_html=body_html, edited_at=comment.edited_at
    )
    events.announce(events.comment_changed, comment=comment, kind="edited")
    return comment


@transaction.atomic
def do_delete_comment(*, comment: Comment) -> Comment | None:
    """Deletes a comment. One with replies stays as a tombstone so the thread holds;
    one without disappears, and so does any tombstone ancestor it leaves childless.
    Returns the tombstone, or None when the row is gone."""
    was_visible = comment.status == CommentStatus.VISIBLE
    if was_visible:
        Article.objects.filter(pk=comment.article_id).update(comment_count=F("comment_count") - 1)
    if comment.children.exists():
        comment.status = CommentStatus.DELETED
        comment.body = ""
        comment.body_html = ""
        Comment.objects.filter(pk=comment.pk).update(
            status=CommentStatus.DELETED, body="", body_html=""
        )
        events.announce(events.comment_changed, comment=comment, kind="deleted")
        return comment
    comment_id = comment.pk
    _remove_row_and_empty_tombstones(comment)
    comment.pk = comment_id
    events.announce(events.comment_changed, comment=comment, kind="erased")
    return None


def _remove_row_and_empty_tombstones(comment: Comment) -> None:
    current: Comment | None = comment
    while current is not None:
        parent = current.parent
        shown_reply = current.root_id is not None and current.status != CommentStatus.PENDING
        if shown_reply:
            Comment.objects.filter(pk=current.thread_id).update(
                thread_replies=F("thread_replies") - 1
            )
        current.delete()
        if parent is None or parent.status not in (CommentStatus.DELETED, CommentStatus.REMOVED):
            break
        if parent.children.exists():
            break
        current = parent


def do_vote(*, user: User, comment: Comment, value: int) -> Comment:
    """Sets the user's vote on a comment to +1, -1 or 0 (withdrawn). The unique
    constraint decides races between two requests of the same user; F() keeps the
    counters exact under concurrent voters."""
    for _attempt in range(3):
        try:
            with transaction.atomic():
                return _apply_vote(user=user, comment=comment, value=value)
        except IntegrityError:
            continue
    raise RuntimeError("vote kept conflicting")  # pragma: no cover


def _apply_vote(*, user: User, comment: Comment, value: int) -> Comment:
    existing = Vote.objects.select_for_update().filter(user=user, comment=comment).first()
    old = existing.value if existing else 0
    if old == value:
        return _refreshed_counts(comment)
    now = timezone.now()
    if existing is None:
        Vote.objects.create(user=user, comment=comment, value=value, created_at=now, updated_at=now)
    elif value == 0:
        existing.delete()
    else:
        Vote.objects.filter(pk=existing.pk).update(value=value, updated_at=now)
    up = (value == 1) - (old == 1)
    down = (value == -1) - (old == -1)
    Comment.objects.filter(pk=comment.pk).update(
        upvotes=F("upvotes") + up, downvotes=F("downvotes") + down, score=F("score") + up - down
    )
    ScoreChange.objects.create(
        article_id=comment.article_id, comment=comment, delta=up - down, created_at=now
    )
    refreshed = _refreshed_counts(comment)
    events.announce(events.vote_changed, comment=refreshed, kind="vote")
    return refreshed


def _refreshed_counts(comment: Comment) -> Comment:
    counts = Comment.objects.filter(pk=comment.pk).values("upvotes", "downvotes", "score").get()
    comment.upvotes, comment.downvotes, comment.score = (
        counts["upvotes"],
        counts["downvotes"],
        counts["score"],
    )
    return comment


def prune_score_ledger(*, now: datetime | None = None) -> int:
    """Deletes score changes older than PARLEY_SCORE_LEDGER_HOURS, which no cursor still
    ranks by (selectors.ledger_horizon). Run by `parley worker`. Returns the rows gone."""
    deleted, _ = ScoreChange.objects.filter(created_at__lt=ledger_horizon(now)).delete()
    return deleted
