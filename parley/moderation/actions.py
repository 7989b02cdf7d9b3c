"""Moderation writes. `do_*` functions trust their arguments (access.py checked them). Each
runs in one transaction with the audit entry it owes; counters (Article.comment_count for
visible comments, the thread's thread_replies for shown replies) change with F() on the
locked comment row, so two moderators acting at once cannot count a comment twice. Live
events and notifications go out only after the commit."""

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from parley.accounts.models import User
from parley.articles.models import Article
from parley.cache import versions
from parley.discussion import events, rendering
from parley.discussion.models import SHOWN_STATUSES, Comment, CommentStatus
from parley.moderation import links, words
from parley.moderation.models import (
    Appeal,
    AppealStatus,
    ArticlePolicy,
    AuditAction,
    AuditEntry,
    Feature,
    Hold,
    HoldRule,
    LinkMode,
    Removal,
    RemovalReason,
    Report,
    Sanction,
    SanctionKind,
    UserFlag,
)
from parley.moderation.policy import is_past_auto_close, policy_for, site_policy
from parley.notifications.fanout import notify_approved


def audit(
    *,
    site_id: int,
    actor: User | None,
    action: str,
    comment: Comment | None = None,
    target_user_id: int | None = None,
    article_id: int | None = None,
    reason: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Records one moderation action; call inside the action's transaction."""
    if comment is not None:
        target_user_id = target_user_id or comment.author_id
        article_id = article_id or comment.article_id
    return AuditEntry.objects.create(
        site_id=site_id,
        actor=actor,
        action=action,
        comment=comment,
        target_user_id=target_user_id,
        article_id=article_id,
        reason=reason[:500],
        before=before or {},
        after=after or {},
    )


def transition(comment: Comment, new_status: str) -> str:
    """Moves a comment to `new_status` and keeps the counters exact. Locks the row and
    reads its status again, so the counters follow what the row really was. Returns the
    old status. The caller holds the transaction."""
    old = (
        Comment.objects.select_for_update()
        .filter(pk=comment.pk)
        .values_list("status", flat=True)
        .get()
    )
    comment.status = new_status
    if old == new_status:
        return old
    Comment.objects.filter(pk=comment.pk).update(status=new_status)
    visible = (new_status == CommentStatus.VISIBLE) - (old == CommentStatus.VISIBLE)
    if visible:
        Article.objects.filter(pk=comment.article_id).update(
            comment_count=F("comment_count") + visible
        )
    shown = (new_status in SHOWN_STATUSES) - (old in SHOWN_STATUSES)
    if comment.root_id is not None and shown:
        Comment.objects.filter(pk=comment.root_id).update(
            thread_replies=F("thread_replies") + shown
        )
    return old


def _site(comment: Comment) -> int:
    return comment.article.site_id


def _resolve_reports(comment: Comment, now: datetime) -> int:
    return Report.objects.filter(comment=comment, resolved_at__isnull=True).update(resolved_at=now)


@transaction.atomic
def do_hold(*, comment: Comment, rule: str, reason: str, actor: User | None = None) -> Comment:
    """Holds a comment for review: a new pending one (records why) or a visible one
    (hides it until a moderator decides)."""
    old = transition(comment, CommentStatus.PENDING)
    Hold.objects.update_or_create(
        comment=comment,
        defaults={
            "site_id": _site(comment),
            "rule": rule,
            "reason": reason[:300],
            "created_at": timezone.now(),
        },
    )
    audit(
        site_id=_site(comment),
        actor=actor,
        action=AuditAction.HOLD,
        comment=comment,
        reason=f"{HoldRule(rule).label}: {reason}" if rule in HoldRule.values else reason,
        before={"status": old},
        after={"status": CommentStatus.PENDING},
    )
    if old == CommentStatus.VISIBLE:
        # To readers a held comment is gone until approved: live's "removed" hides it.
        events.announce(events.comment_changed, comment=comment, kind="removed")
    return comment


@transaction.atomic
def do_approve(*, actor: User, comment: Comment) -> Comment:
    old = transition(comment, CommentStatus.VISIBLE)
    _resolve_reports(comment, timezone.now())
    notify_approved(comment)
    audit(
        site_id=_site(comment),
        actor=actor,
        action=AuditAction.APPROVE,
        comment=comment,
        before={"status": old},
        after={"status": CommentStatus.VISIBLE},
    )
    events.announce(events.comment_changed, comment=comment, kind="approved")
    return comment


@transaction.atomic
def do_dismiss_reports(*, actor: User, comment: Comment) -> Comment:
    """Keeps a reported comment as it is and closes its reports."""
    count = _resolve_reports(comment, timezone.now())
    audit(
        site_id=_site(comment),
        actor=actor,
        action=AuditAction.DISMISS_REPORTS,
        comment=comment,
        before={"open_reports": count},
        after={"open_reports": 0},
    )
    return comment


@transaction.atomic
def do_remove(*, actor: User, comment: Comment, reason: str, note: str = "") -> Comment:
    """Removes a comment with a reason. It stays as a tombstone ("Removed by a moderator:
    <reason>") where its author sees why and may appeal; its text is kept for a restore."""
    new = CommentStatus.REMOVED
    old = transition(comment, new)
    now = timezone.now()
    Removal.objects.update_or_create(
        comment=comment,
        defaults={
            "site_id": _site(comment),
            "reason": reason,
            "note": note[:300],
            "previous_status": old,
            "removed_by": actor,
            "created_at": now,
        },
    )
    _resolve_reports(comment, now)
    featured = Feature.objects.filter(comment=comment).delete()[0] > 0
    audit(
        site_id=_site(comment),
        actor=actor,
        action=AuditAction.REMOVE,
        comment=comment,
        reason=f"{RemovalReason(reason).label}{': ' + note if note else ''}",
        before={"status": old, "featured": featured},
        after={"status": new, "featured": False},
    )
    events.announce(events.comment_changed, comment=comment, kind="removed")
    return comment


@transaction.atomic
def do_restore(*, actor: User, comment: Comment) -> Comment:
    old = transition(comment, CommentStatus.VISIBLE)
    removal = Removal.objects.filter(comment=comment).first()
    reason = removal.shown_reason if removal else ""
    Removal.objects.filter(comment=comment).delete()
    notify_approved(comment)  # owes nothing twice; a comment never shown owes its replies
    audit(
        site_id=_site(comment),
        actor=actor,
        action=AuditAction.RESTORE,
        comment=comment,
        reason=f"Was removed: {reason}" if reason else "",
        before={"status": old},
        after={"status": CommentStatus.VISIBLE},
    )
    events.announce(events.comment_changed, comment=comment, kind="restored")
    return comment


@transaction.atomic
def do_feature(*, actor: User, comment: Comment, featured: bool = True) -> Comment:
    if featured:
        _row, changed = Feature.objects.get_or_create(
            comment=comment,
            defaults={
                "article_id": comment.article_id,
                "site_id": _site(comment),
                "featured_by": actor,
            },
        )
    else:
        changed = Feature.objects.filter(comment=comment).delete()[0] > 0
    if changed:
        audit(
            site_id=_site(comment),
            actor=actor,
            action=AuditAction.FEATURE if featured else AuditAction.UNFEATURE,
            comment=comment,
            before={"featured": not featured},
            after={"featured": featured},
        )
        events.announce(events.comment_changed, comment=comment, kind="featured")
    return comment


@transaction.atomic
def do_set_closed(*, actor: User, article: Article, closed: bool) -> Article:
    """Closes or reopens a discussion. Reopening one past its automatic closing date
    keeps it open for good (an article override of 0 days)."""
    before = article.discussion_closed
    Article.objects.filter(pk=article.pk).update(discussion_closed=closed)
    article.discussion_closed = closed
    # The page shows whether the discussion is open: guests' cached pages must go.
    article_id = article.pk
    transaction.on_commit(lambda: versions.bump_article(article_id), robust=True)
    if not closed and is_past_auto_close(article, policy_for(article)):
        ArticlePolicy.objects.update_or_create(article=article, defaults={"auto_close_days": 0})
    audit(
        site_id=article.site_id,
        actor=actor,
        action=AuditAction.CLOSE if closed else AuditAction.REOPEN,
        article_id=article.pk,
        before={"closed": before},
        after={"closed": closed},
    )
    return article


@transaction.atomic
def do_sanction(
    *,
    actor: User,
    user: User,
    site_id: int,
    kind: str,
    ends_at: datetime | None,
    message: str,
) -> Sanction:
    """Suspends (until `ends_at`) or bans a user from commenting and voting on a site."""
    now = timezone.now()
    previous = list(Sanction.objects.active(now).filter(user=user, site_id=site_id))
    Sanction.objects.filter(pk__in=[s.pk for s in previous]).update(lifted_at=now, lifted_by=actor)
    sanction = Sanction.objects.create(
        user=user,
        site_id=site_id,
        kind=kind,
        message=message[:1000],
        starts_at=now,
        ends_at=None if kind == SanctionKind.BAN else ends_at,
        created_by=actor,
    )
    audit(
        site_id=site_id,
        actor=actor,
        action=AuditAction.BAN if kind == SanctionKind.BAN else AuditAction.SUSPEND,
        target_user_id=user.pk,
        reason=message,
        before={"sanctions": [s.kind for s in previous]},
        after={"kind": kind, "ends_at": sanction.ends_at.isoformat() if sanction.ends_at else None},
    )
    return sanction


@transaction.atomic
def do_lift(*, actor: User, sanction: Sanction) -> Sanction:
    sanction.lifted_at = timezone.now()
    sanction.lifted_by = actor
    Sanction.objects.filter(pk=sanction.pk).update(lifted_at=sanction.lifted_at, lifted_by=actor)
    audit(
        site_id=sanction.site_id,
        actor=actor,
        action=AuditAction.LIFT,
        target_user_id=sanction.user_id,
        before={"kind": sanction.kind},
        after={"kind": None},
    )
    return sanction


@transaction.atomic
def do_set_premoderation(*, actor: User, user: User, site_id: int, on: bool) -> None:
    flag, _ = UserFlag.objects.get_or_create(user=user, site_id=site_id)
    before = flag.always_premoderate
    UserFlag.objects.filter(pk=flag.pk).update(always_premoderate=on)
    audit(
        site_id=site_id,
        actor=actor,
        action=AuditAction.PREMODERATE,
        target_user_id=user.pk,
        before={"always_premoderate": before},
        after={"always_premoderate": on},
    )


@transaction.atomic
def do_report(*, reporter: User, comment: Comment, reason: str, text: str) -> Report:
    """Files a report; the site's threshold of open reports holds the comment."""
    report = Report.objects.create(
        comment=comment, reporter=reporter, site_id=_site(comment), reason=reason, text=text[:500]
    )
    threshold = site_policy(_site(comment)).report_threshold
    open_reports = Report.objects.filter(comment=comment, resolved_at__isnull=True).count()
    if threshold and open_reports >= threshold and comment.status == CommentStatus.VISIBLE:
        do_hold(comment=comment, rule=HoldRule.REPORTS, reason=f"{open_reports} reader reports")
    return report


@transaction.atomic
def do_appeal(*, author: User, comment: Comment, text: str) -> Appeal:
    appeal = Appeal.objects.create(
        comment=comment, site_id=_site(comment), author=author, text=text[:2000]
    )
    audit(
        site_id=_site(comment),
        actor=author,
        action=AuditAction.APPEAL,
        comment=comment,
        reason=text[:500],
        after={"appeal": AppealStatus.OPEN},
    )
    return appeal


@transaction.atomic
def do_decide_appeal(*, actor: User, appeal: Appeal, grant: bool, response: str = "") -> Appeal:
    comment = appeal.comment
    if grant:
        do_restore(actor=actor, comment=comment)
    appeal.status = AppealStatus.GRANTED if grant else AppealStatus.DENIED
    appeal.response = response[:500]
    appeal.decided_at = timezone.now()
    appeal.decided_by = actor
    appeal.save(update_fields=["status", "response", "decided_at", "decided_by"])
    audit(
        site_id=appeal.site_id,
        actor=actor,
        action=AuditAction.APPEAL_GRANTED if grant else AuditAction.APPEAL_DENIED,
        comment=comment,
        reason=response,
        before={"appeal": AppealStatus.OPEN},
        after={"appeal": appeal.status},
    )
    return appeal


def remask_site(site_id: int, *, batch: int = 500) -> int:
    """Renders the stored HTML of a site's visible and pending comments again from their
    source under the current lists (masking, link stripping). Run when those change; the
    bodies are never touched, so a word taken off the list shows again. Returns how many
    comments changed."""
    site = site_policy(site_id)
    masked = words.compile_list(site.masked_words)
    allowed = links.parse_domains(site.allowed_domains)
    overrides = dict(
        ArticlePolicy.objects.filter(article__site_id=site_id)
        .exclude(links="")
        .values_list("article_id", "links")
    )
    rows = Comment.objects.filter(
        article__site_id=site_id, status__in=[CommentStatus.VISIBLE, CommentStatus.PENDING]
    ).only("pk", "body", "body_html", "article_id")
    changed = 0
    for comment in rows.iterator(chunk_size=batch):
        html = rendering.render(comment.body)
        if overrides.get(comment.article_id, site.links) == LinkMode.STRIP:
            html = links.strip_links(html, allowed)
        html = words.mask_html(html, masked)
        if html != comment.body_html:
            Comment.objects.filter(pk=comment.pk).update(body_html=html)
            changed += 1
    return changed
