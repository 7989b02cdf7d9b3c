"""Reads of discussions. Every function here costs a fixed number of queries, whatever
the size of the discussion: top-level threads are paged by keyset on (sort key, id), and a
page's replies come in one query over the materialised paths."""

import base64
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db.models import F, Q, QuerySet, Sum, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from parley.accounts.models import User
from parley.articles.models import Article
from parley.discussion.models import (
    SHOWN_STATUSES,
    Comment,
    CommentStatus,
    ScoreChange,
    Vote,
    path_segment,
)
from parley.errors import InvalidInput

SORTS = ("top", "new", "old")
DEFAULT_SORT = "top"
SORT_LABELS = {"top": "Most Voted", "new": "Newest", "old": "Oldest"}


def parse_sort(value: str | None) -> str:
    """The sort is an allow-list: anything else falls back to the default."""
    return value if value in SORTS else DEFAULT_SORT


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts. `as_of` and `max_id` freeze the ordering at the moment
    the first page was served: comments posted later are not paged in (they arrive live or
    on reload) and Most Voted ranks by the score each comment had then."""

    sort: str
    as_of: datetime
    max_id: int
    last_id: int
    last_score: int = 0

    def encode(self) -> str:
        raw = json.dumps(
            [self.sort, self.as_of.timestamp(), self.max_id, self.last_id, self.last_score],
            separators=(",", ":"),
        )
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str, *, sort: str) -> "Cursor":
        try:
            padded = token + "=" * (-len(token) % 4)
            data = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
            sort_, ts, max_id, last_id, last_score = data
            if sort_ != sort or not all(isinstance(v, int) for v in (max_id, last_id)):
                raise ValueError("mismatched cursor")
            as_of = datetime.fromtimestamp(float(ts), tz=UTC)
            return cls(sort_, as_of, int(max_id), int(last_id), int(last_score))
        except (ValueError, TypeError, json.JSONDecodeError, UnicodeDecodeError, OverflowError):
            raise InvalidInput(
                "This page link is not valid; reload the discussion.", code="bad_cursor"
            ) from None


@dataclass
class CommentPage:
    threads: list[Comment]
    replies: dict[int, list[Comment]] = field(default_factory=dict)
    next_cursor: str | None = None
    sort: str = DEFAULT_SORT


def _top_level(article: Article) -> QuerySet[Comment]:
    return Comment.objects.filter(
        article=article, parent__isnull=True, status__in=SHOWN_STATUSES
    ).select_related("author", "anchor__question")  # anchor: parley.inline's passage


def comment_page(
    *,
    article: Article,
    sort: str,
    cursor: str | None = None,
    page_size: int | None = None,
    replies_per_thread: int = 20,
) -> CommentPage:
    """A page of top-level threads in the given sort, each with its first replies.
    Queries: 2 for the first page (threads, replies); 3 for later Most Voted pages."""
    size = page_size or article.site.comments_page_size
    sort = parse_sort(sort)
    if cursor:
        position = Cursor.decode(cursor, sort=sort)
        as_of, max_id = position.as_of, position.max_id
    else:
        position = None
        as_of, max_id = timezone.now(), 0

    base = _top_level(article)
    if max_id:
        base = base.filter(path__lte=path_segment(max_id))  # a top-level path is its id
    threads: list[Comment]
    if sort == "top":
        threads = _most_voted(base, article=article, position=position, size=size + 1)
    elif sort == "new":
        qs = base.filter(path__lt=path_segment(position.last_id)) if position else base
        threads = list(qs.order_by("-path")[: size + 1])
    else:
        qs = base.filter(path__gt=path_segment(position.last_id)) if position else base
        threads = list(qs.order_by("path")[: size + 1])

    more = len(threads) > size
    threads = threads[:size]
    next_cursor = None
    if more and threads:
        last = threads[-1]
        frozen_max = max_id or _max_seen(threads)
        next_cursor = Cursor(
            sort, as_of, frozen_max, last.pk, getattr(last, "ranked_score", last.score)
        ).encode()
    return CommentPage(
        threads=threads,
        replies=thread_replies(roots=threads, limit=replies_per_thread),
        next_cursor=next_cursor,
        sort=sort,
    )


def _max_seen(threads: list[Comment]) -> int:
    # Later pages must not take in threads posted after the first page was served; the
    # newest top-level id right now is that bound (one indexed query, first page only).
    newest = (
        Comment.objects.filter(article_id=threads[0].article_id, parent__isnull=True)
        .order_by("-path")
        .values_list("id", flat=True)
        .first()
    )
    return newest or max(t.pk for t in threads)


def ledger_horizon(now: datetime | None = None) -> datetime:
    """The oldest moment the score ledger still answers for."""
    return (now or timezone.now()) - timedelta(hours=settings.PARLEY_SCORE_LEDGER_HOURS)


def _most_voted(
    base: QuerySet[Comment], *, article: Article, position: "Cursor | None", size: int
) -> list[Comment]:
    """Most Voted: net score, ties oldest first. Later pages rank each comment by its
    score at `as_of`; only comments whose score changed since then need the ledger."""
    if position is None:
        page = list(base.order_by("-score", "id")[:size])
        for c in page:
            c.ranked_score = c.score  # type: ignore[attr-defined]
        return page

    # A link older than the ledger keeps (prune_score_ledger) ranks by current scores.
    as_of = max(position.as_of, ledger_horizon())
    changed_ids = ScoreChange.objects.filter(article=article, created_at__gt=as_of).values(
        "comment_id"
    )
    # "After (score, id)" as a range on comment_top_by_score (score <= last, less the ties
    # already shown): written as an OR of the two cases, SQLite scans and sorts every
    # top-level comment of the article instead (docs/performance.md).
    after = Q(score__lte=position.last_score) & ~Q(
        score=position.last_score, id__lte=position.last_id
    )
    steady = list(base.exclude(id__in=changed_ids).filter(after).order_by("-score", "id")[:size])
    moved = list(
        base.filter(id__in=changed_ids).annotate(
            delta_since=Sum("scorechange__delta", filter=Q(scorechange__created_at__gt=as_of))
        )
    )
    for c in steady:
        c.ranked_score = c.score  # type: ignore[attr-defined]
    for c in moved:
        c.ranked_score = c.score - (c.delta_since or 0)  # type: ignore[attr-defined]
    candidates = steady + [
        c
        for c in moved
        if (c.ranked_score, -c.pk) < (position.last_score, -position.last_id)  # type: ignore[attr-defined]
    ]
    candidates.sort(key=lambda c: (-c.ranked_score, c.pk))  # type: ignore[attr-defined]
    return candidates[:size]


def thread_replies(*, roots: list[Comment], limit: int) -> dict[int, list[Comment]]:
    """The first `limit` replies of each thread, in thread order, in one query."""
    if not roots:
        return {}
    rows = (
        Comment.objects.filter(root_id__in=[r.pk for r in roots], status__in=SHOWN_STATUSES)
        .select_related("author", "parent__author")
        .annotate(
            position=Window(RowNumber(), partition_by=[F("root_id")], order_by=F("path").asc())
        )
        .filter(position__lte=limit)
        .order_by("root_id", "path")
    )
    grouped: dict[int, list[Comment]] = {r.pk: [] for r in roots}
    for row in rows:
        assert row.root_id is not None
        grouped[row.root_id].append(row)
    return grouped


def thread_slice(*, root: Comment, after_path: str = "", limit: int = 50) -> list[Comment]:
    """Replies of one thread after a path, for "more replies" links (one query)."""
    qs = Comment.objects.filter(root=root, status__in=SHOWN_STATUSES)
    if after_path:
        qs = qs.filter(path__gt=after_path)
    return list(qs.select_related("author", "parent__author").order_by("path")[:limit])


def permalink_thread(*, comment: Comment, limit: int = 50) -> tuple[Comment, list[Comment]]:
    """The thread that holds `comment`, cut so that the comment is in it: its ancestors,
    the comment and the start of its own replies. Two queries whatever the depth."""
    root_id = comment.root_id or comment.pk
    root = Comment.objects.select_related("author", "anchor__question").get(pk=root_id)
    if root.pk != comment.pk and root.status not in SHOWN_STATUSES:
        # A reply may outlive a top-level comment held or marked spam: the thread shows
        # the top as removed, never its text.
        root.status, root.body, root.body_html = CommentStatus.REMOVED, "", ""
    if comment.root_id is None:
        return root, thread_slice(root=root, limit=limit)
    segments = len(comment.path) // 8
    ancestor_paths = [comment.path[: 8 * i] for i in range(2, segments)]
    rows = list(
        Comment.objects.filter(root_id=root_id, status__in=SHOWN_STATUSES)
        .filter(Q(path__in=ancestor_paths) | Q(path__startswith=comment.path))
        .select_related("author", "parent__author")
        .order_by("path")[: limit + len(ancestor_paths)]
    )
    return root, rows


def my_votes(*, user: User | None, comment_ids: list[int]) -> dict[int, int]:
    if user is None or not user.is_authenticated or not comment_ids:
        return {}
    return dict(
        Vote.objects.filter(user=user, comment_id__in=comment_ids).values_list(
            "comment_id", "value"
        )
    )


def comment_counts(*, article_ids: list[int]) -> dict[int, int]:
    return dict(Article.objects.filter(pk__in=article_ids).values_list("pk", "comment_count"))
