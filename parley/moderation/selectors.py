"""Reads for the moderation desk and the Editor's picks tab.

A queue page costs a fixed number of queries however long the queue: rows are paged by
keyset on an id (`after`), and each row's context (its reports, the commenter's standing,
sanctions, recent history and totals) comes in one query per kind for the whole page.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Count, F, QuerySet
from django.utils import timezone

from parley.accounts.models import SiteRole, Subscription, User
from parley.articles.models import Article
from parley.discussion.models import Comment, CommentStatus
from parley.moderation.models import (
    MODE_RULES,
    Appeal,
    AppealStatus,
    AuditEntry,
    Feature,
    Removal,
    Report,
    Sanction,
    UserFlag,
)

QUEUES = {
    "pending": "Pending",
    "reported": "Reported",
    "rules": "Held by rules",
    "removed": "Recently removed",
    "featured": "Featured",
    "appeals": "Appeals",
}
COUNT_CAP = 999  # queue tabs say "999+" beyond this, so counting stays cheap
RECENT = 5


@dataclass
class Commenter:
    standing: str = "reader"
    sanction: Sanction | None = None
    always_premoderate: bool = False
    totals: dict[str, int] = field(default_factory=dict)
    recent: list[Comment] = field(default_factory=list)


@dataclass
class Row:
    comment: Comment
    reports: list[Report] = field(default_factory=list)
    removal: Removal | None = None
    appeal: Appeal | None = None
    featured: bool = False
    commenter: Commenter | None = None


@dataclass
class QueuePage:
    queue: str
    rows: list[Row]
    next_after: int | None
    counts: dict[str, str]


def _comments(site_ids: list[int]) -> QuerySet[Comment]:
    return Comment.objects.filter(article__site_id__in=site_ids).select_related(
        "article", "author", "parent__author", "moderation_hold"
    )


def _queue(queue: str, site_ids: list[int], after: int | None) -> QuerySet[Any]:
    """A queue as comment ids in queue order: oldest first for work to do, newest first
    for what was done (removed, featured). `after` is the previous page's cursor: the
    last comment id, or the last removal, pick or appeal id for those queues."""
    if queue in ("pending", "rules"):
        qs = Comment.objects.filter(status=CommentStatus.PENDING, article__site_id__in=site_ids)
        if queue == "rules":
            qs = qs.filter(moderation_hold__isnull=False).exclude(
                moderation_hold__rule__in=MODE_RULES
            )
        if after:
            qs = qs.filter(pk__gt=after)
        return qs.order_by("pk").values_list("pk", flat=True)
    if queue == "reported":
        reports = Report.objects.filter(site_id__in=site_ids, resolved_at__isnull=True)
        if after:
            reports = reports.filter(comment_id__gt=after)
        return reports.order_by("comment_id").values_list("comment_id", flat=True).distinct()
    model: Any = {"removed": Removal, "featured": Feature, "appeals": Appeal}[queue]
    rows = model.objects.filter(site_id__in=site_ids)
    if queue == "appeals":
        rows = rows.filter(status=AppealStatus.OPEN)
        rows = rows.filter(pk__gt=after) if after else rows
        return rows.order_by("pk").values_list("comment_id", flat=True)
    rows = rows.filter(pk__lt=after) if after else rows
    return rows.order_by("-pk").values_list("comment_id", flat=True)


def queue_counts(site_ids: list[int]) -> dict[str, str]:
    """How many items each queue holds, capped: one COUNT over at most COUNT_CAP + 1 rows
    per queue, so a long queue costs no more than a short one."""
    out: dict[str, str] = {}
    for queue in QUEUES:
        n = _queue(queue, site_ids, None)[: COUNT_CAP + 1].count()
        out[queue] = f"{COUNT_CAP}+" if n > COUNT_CAP else str(n)
    return out


def queue_page(
    *, queue: str, site_ids: list[int], after: int | None = None, size: int = 25
) -> QueuePage:
    """One page of a queue with each row's context. Queries: page ids, rows, reports,
    removals, appeals, features, then commenter context (see `commenters`), plus one per
    queue for the tab counts."""
    ids = list(_queue(queue, site_ids, after)[: size + 1])
    more = len(ids) > size
    ids = ids[:size]
    by_id = {c.pk: c for c in _comments(site_ids).filter(pk__in=ids)}
    comments = [by_id[i] for i in ids if i in by_id]
    rows = rows_for(comments, site_ids=site_ids)
    next_after = None
    if more and ids:
        next_after = _cursor_of(queue, ids[-1])
    return QueuePage(queue, rows, next_after, queue_counts(site_ids))


def _cursor_of(queue: str, last_comment_id: int) -> int:
    # The removed, featured and appeals queues page on their own row's id.
    model: Any = {"removed": Removal, "featured": Feature, "appeals": Appeal}.get(queue)
    if model is None:
        return last_comment_id
    return int(model.objects.filter(comment_id=last_comment_id).values_list("pk", flat=True)[0])


def rows_for(comments: list[Comment], *, site_ids: list[int]) -> list[Row]:
    ids = [c.pk for c in comments]
    reports: dict[int, list[Report]] = defaultdict(list)
    for report in Report.objects.filter(comment_id__in=ids, resolved_at__isnull=True).order_by(
        "id"
    ):
        reports[report.comment_id].append(report)
    removals = {r.comment_id: r for r in Removal.objects.filter(comment_id__in=ids)}
    appeals = {a.comment_id: a for a in Appeal.objects.filter(comment_id__in=ids)}
    featured = set(Feature.objects.filter(comment_id__in=ids).values_list("comment_id", flat=True))
    people = commenters(
        user_ids=sorted({c.author_id for c in comments if c.author_id}), site_ids=site_ids
    )
    return [
        Row(
            comment=c,
            reports=reports.get(c.pk, []),
            removal=removals.get(c.pk),
            appeal=appeals.get(c.pk),
            featured=c.pk in featured,
            commenter=people.get(c.author_id) if c.author_id else None,
        )
        for c in comments
    ]


def commenters(*, user_ids: list[int], site_ids: list[int]) -> dict[int, Commenter]:
    """Standing, sanction, flags, totals by status and recent comments of each user, on
    the given sites. Six queries whatever the number of users."""
    if not user_ids:
        return {}
    out = {uid: Commenter() for uid in user_ids}
    now = timezone.now()
    for uid, ends in Subscription.objects.filter(
        user_id__in=user_ids, site_id__in=site_ids, starts_at__lte=now
    ).values_list("user_id", "ends_at"):
        current = ends is None or ends > now
        if current or out[uid].standing == "reader":
            out[uid].standing = "subscriber" if current else "lapsed"
    for uid, role in SiteRole.objects.filter(
        user_id__in=user_ids, site_id__in=site_ids
    ).values_list("user_id", "role"):
        out[uid].standing = str(role)
    for sanction in Sanction.objects.active(now).filter(user_id__in=user_ids, site_id__in=site_ids):
        out[sanction.user_id].sanction = sanction
    for uid in UserFlag.objects.filter(
        user_id__in=user_ids, site_id__in=site_ids, always_premoderate=True
    ).values_list("user_id", flat=True):
        out[uid].always_premoderate = True
    on_sites = Comment.objects.filter(author_id__in=user_ids, article__site_id__in=site_ids)
    for row in on_sites.values("author_id", "status").annotate(n=Count("id")).order_by():
        out[row["author_id"]].totals[row["status"]] = row["n"]
    # The latest comments of each user: one statement, a UNION ALL of one short index
    # range (comment_author_recent) per user, rather than a window over all their comments.
    # Each branch is wrapped in a derived table: SQLite refuses LIMIT in a bare branch.
    branches: list[str] = []
    params: list[Any] = []
    for i, uid in enumerate(user_ids):
        sql, branch_params = (
            on_sites.filter(author_id=uid)
            .order_by("-created_at")
            .values_list("pk", flat=True)[:RECENT]
            .query.sql_with_params()
        )
        branches.append(f"SELECT * FROM ({sql}) AS recent{i}")  # noqa: S608 (compiled by the ORM)
        params += branch_params
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(branches), params)
        recent_ids = [row[0] for row in cursor.fetchall()]
    recent = (
        Comment.objects.filter(pk__in=recent_ids)
        .select_related("article")
        .order_by("author_id", "-created_at")
    )
    for comment in recent:
        assert comment.author_id is not None
        out[comment.author_id].recent.append(comment)
    return out


def audit_for_comment(*, comment: Comment, limit: int = 100) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(comment=comment).select_related("actor").order_by("-id")[:limit]
    )


def audit_for_user(*, user: User, site_ids: list[int], limit: int = 100) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(target_user=user, site_id__in=site_ids)
        .select_related("actor", "comment", "article")
        .order_by("-id")[:limit]
    )


def audit_for_sites(*, site_ids: list[int], limit: int = 50) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(site_id__in=site_ids)
        .select_related("actor", "comment", "target_user", "article")
        .order_by("-id")[:limit]
    )


def user_sanctions(*, user: User, site_ids: list[int]) -> list[Sanction]:
    return list(
        Sanction.objects.filter(user=user, site_id__in=site_ids)
        .select_related("site", "created_by")
        .order_by("-id")[:20]
    )


def editors_picks(*, article: Article, limit: int = 50) -> list[Comment]:
    """The article's featured comments that are still visible, newest pick first."""
    return list(
        Comment.objects.filter(moderation_feature__article=article, status=CommentStatus.VISIBLE)
        .select_related("author", "parent__author", "anchor__question")
        .order_by("-moderation_feature__id")[:limit]
    )


def removal_reasons(*, article_id: int) -> dict[int, Removal]:
    """The removals of an article's comments for the tombstones on its page, each with
    `appeal_status` (None when its author has not appealed). One query."""
    rows = Removal.objects.filter(comment__article_id=article_id).annotate(
        appeal_status=F("comment__moderation_appeal__status")
    )
    return {r.comment_id: r for r in rows}
