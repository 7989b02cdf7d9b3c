"""Who may moderate what, and the only way moderation endpoints load what they act on.

Staff are per site (accounts.SiteRole). Moderators may do everything on their sites;
editors may pick comments and close or reopen discussions, and see the desk. Anyone else,
including a moderator of another site, gets NotFound, as if the thing did not exist. Each
`check_*` validates input and permission, then calls the matching `do_*` action.
"""

from datetime import timedelta

from django.utils import timezone

from parley.accounts.entitlements import entitlement_for
from parley.accounts.models import SiteRole, User
from parley.articles.models import Article, Site
from parley.discussion.access import access_comment, require_participant
from parley.discussion.models import Comment, CommentStatus
from parley.errors import Forbidden, InvalidInput, NotFound, NotSignedIn
from parley.moderation import actions, phases, ratelimit
from parley.moderation.models import (
    Appeal,
    AppealStatus,
    RemovalReason,
    Report,
    ReportReason,
    Sanction,
    SanctionKind,
)
from parley.moderation.policy import site_policy

MODERATE = "moderate"  # moderators only
CURATE = "curate"  # moderators and editors
BULK_ACTIONS = ("approve", "remove", "feature")
MAX_BULK = 100


def roles_on(user: User | None, site_id: int) -> set[str]:
    if user is None or not user.is_authenticated:
        return set()
    if user.is_superuser:
        return {SiteRole.Role.MODERATOR, SiteRole.Role.EDITOR}
    return set(SiteRole.objects.filter(user=user, site_id=site_id).values_list("role", flat=True))


def desk_sites(user: User | None) -> list[Site]:
    """The sites whose desk the user may open (moderator or editor), or NotFound."""
    if user is None or not user.is_authenticated:
        raise NotSignedIn("Sign in to open the moderation desk.")
    sites = Site.objects.order_by("name")
    if not user.is_superuser:
        sites = sites.filter(roles__user=user).distinct()
    found = list(sites)
    if not found:
        raise NotFound()
    return found


def _require(user: User | None, site_id: int, need: str) -> set[str]:
    if user is None or not user.is_authenticated:
        raise NotSignedIn()
    roles = roles_on(user, site_id)
    if not roles:
        raise NotFound()
    if need == MODERATE and SiteRole.Role.MODERATOR not in roles:
        raise Forbidden("Only the site's moderators can do that.")
    return roles


def access_staff_comment(*, user: User | None, comment_id: int | str, need: str) -> Comment:
    try:
        comment = Comment.objects.select_related("article__site", "author").get(pk=int(comment_id))
    except (Comment.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such comment.") from None
    _require(user, comment.article.site_id, need)
    return comment


def access_staff_article(*, user: User | None, article_id: int | str, need: str) -> Article:
    try:
        article = Article.objects.select_related("site").get(pk=int(article_id))
    except (Article.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such article.") from None
    _require(user, article.site_id, need)
    return article


def access_staff_user(*, user: User | None, target_id: int | str, site_id: int | str) -> User:
    """A user as seen from the desk of one site (any signed-up user may comment there)."""
    try:
        site_pk = int(site_id)
        target = User.objects.get(pk=int(target_id))
    except (User.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such user.") from None
    _require(user, site_pk, CURATE)
    return target


# --- comment actions ----------------------------------------------------------------------


def check_approve(*, user: User | None, comment_id: int | str) -> Comment:
    """Approves a held comment, or keeps a reported visible one (closing its reports)."""
    comment = access_staff_comment(user=user, comment_id=comment_id, need=MODERATE)
    assert user is not None
    if comment.status == CommentStatus.PENDING:
        return actions.do_approve(actor=user, comment=comment)
    open_reports = Report.objects.filter(comment=comment, resolved_at__isnull=True).exists()
    if comment.status == CommentStatus.VISIBLE and open_reports:
        return actions.do_dismiss_reports(actor=user, comment=comment)
    raise InvalidInput("This comment is not waiting for a decision.", code="not_pending")


def check_remove(
    *, user: User | None, comment_id: int | str, reason: str, note: str = ""
) -> Comment:
    comment = access_staff_comment(user=user, comment_id=comment_id, need=MODERATE)
    assert user is not None
    if reason not in RemovalReason.values:
        raise InvalidInput("Choose a reason for the removal.", code="bad_reason")
    note = " ".join((note or "").split())[:300]
    if reason == RemovalReason.OTHER and not note:
        raise InvalidInput("Say why, in a few words.", code="reason_required")
    if comment.status not in (CommentStatus.VISIBLE, CommentStatus.PENDING):
        raise InvalidInput("This comment is already gone.", code="not_removable")
    return actions.do_remove(actor=user, comment=comment, reason=reason, note=note)


def check_restore(*, user: User | None, comment_id: int | str) -> Comment:
    comment = access_staff_comment(user=user, comment_id=comment_id, need=MODERATE)
    assert user is not None
    if comment.status not in (CommentStatus.REMOVED, CommentStatus.SPAM):
        raise InvalidInput("Only a removed comment can be restored.", code="not_removed")
    return actions.do_restore(actor=user, comment=comment)


def check_feature(*, user: User | None, comment_id: int | str, featured: bool = True) -> Comment:
    comment = access_staff_comment(user=user, comment_id=comment_id, need=CURATE)
    assert user is not None
    if featured and comment.status != CommentStatus.VISIBLE:
        raise InvalidInput("Only a visible comment can be an editor's pick.", code="not_visible")
    return actions.do_feature(actor=user, comment=comment, featured=featured)


def check_set_closed(*, user: User | None, article_id: int | str, closed: bool) -> Article:
    article = access_staff_article(user=user, article_id=article_id, need=CURATE)
    assert user is not None
    return actions.do_set_closed(actor=user, article=article, closed=closed)


def check_bulk(
    *, user: User | None, comment_ids: list[str], action: str, reason: str = "", note: str = ""
) -> tuple[int, list[str]]:
    """Applies one action to many comments, each checked and written on its own (one
    refusal does not undo the others). Returns how many succeeded and the refusals."""
    if action not in BULK_ACTIONS:
        raise InvalidInput("Choose approve, remove or feature.", code="bad_action")
    if not comment_ids or len(comment_ids) > MAX_BULK:
        raise InvalidInput(f"Select 1 to {MAX_BULK} comments.", code="bad_selection")
    done, refusals = 0, []
    for comment_id in comment_ids:
        try:
            if action == "approve":
                check_approve(user=user, comment_id=comment_id)
            elif action == "remove":
                check_remove(user=user, comment_id=comment_id, reason=reason, note=note)
            else:
                check_feature(user=user, comment_id=comment_id)
            done += 1
        except (InvalidInput, Forbidden, NotFound) as error:
            refusals.append(f"{comment_id}: {error.message}")
    return done, refusals


# --- users ----------------------------------------------------------------------------------

SUSPEND_DAYS = (1, 3, 7, 30, 90)


def check_sanction(
    *,
    user: User | None,
    target_id: int | str,
    site_id: int | str,
    kind: str,
    days: int | str | None,
    message: str,
) -> Sanction:
    target = access_staff_user(user=user, target_id=target_id, site_id=site_id)
    _require(user, int(site_id), MODERATE)
    assert user is not None
    if kind not in SanctionKind.values:
        raise InvalidInput("Suspend or ban.", code="bad_kind")
    if target.pk == user.pk or roles_on(target, int(site_id)):
        raise Forbidden("Staff of the site cannot be suspended or banned here.")
    ends_at = None
    if kind == SanctionKind.SUSPEND:
        try:
            length = int(days or 0)
        except (TypeError, ValueError):
            length = 0
        if not 1 <= length <= 365:
            raise InvalidInput("A suspension lasts 1 to 365 days.", code="bad_days")
        ends_at = timezone.now() + timedelta(days=length)
    message = (message or "").strip()[:1000]
    return actions.do_sanction(
        actor=user, user=target, site_id=int(site_id), kind=kind, ends_at=ends_at, message=message
    )


def check_ban_author(
    *, user: User | None, comment_id: int | str, days: int | str | None, message: str
) -> Sanction:
    """The desk's "b": bans (days empty) or suspends the author of a comment."""
    comment = access_staff_comment(user=user, comment_id=comment_id, need=MODERATE)
    if comment.author_id is None:
        raise InvalidInput("This comment has no account to ban.", code="no_author")
    kind = SanctionKind.SUSPEND if days not in (None, "", "0", 0) else SanctionKind.BAN
    return check_sanction(
        user=user,
        target_id=comment.author_id,
        site_id=comment.article.site_id,
        kind=kind,
        days=days,
        message=message,
    )


def check_lift(*, user: User | None, sanction_id: int | str) -> Sanction:
    try:
        sanction = Sanction.objects.get(pk=int(sanction_id))
    except (Sanction.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
    _require(user, sanction.site_id, MODERATE)
    assert user is not None
    if sanction.lifted_at is not None:
        raise InvalidInput("This sanction is already lifted.", code="already_lifted")
    return actions.do_lift(actor=user, sanction=sanction)


def check_premoderation(
    *, user: User | None, target_id: int | str, site_id: int | str, on: bool
) -> None:
    target = access_staff_user(user=user, target_id=target_id, site_id=site_id)
    _require(user, int(site_id), MODERATE)
    assert user is not None
    actions.do_set_premoderation(actor=user, user=target, site_id=int(site_id), on=on)


# --- readers: reports and appeals ---------------------------------------------------------

MAX_REPORT_TEXT = 500


def check_report(
    *, user: User | None, comment_id: int | str, reason: str, text: str = "", ip: str = ""
) -> Report:
    """Readers who may comment may report a visible comment of someone else, once."""
    comment = access_comment(comment_id=comment_id, user=user)
    site_id = comment.article.site_id
    require_participant(entitlement_for(user, site_id))
    assert user is not None
    phases.require_unsanctioned(user=user, site_id=site_id)
    if comment.author_id == user.pk:
        raise Forbidden("You cannot report your own comment.", code="own_comment")
    if comment.status != CommentStatus.VISIBLE:
        raise InvalidInput("This comment cannot be reported.", code="not_reportable")
    if reason not in ReportReason.values:
        raise InvalidInput("Choose why you are reporting it.", code="bad_reason")
    text = " ".join((text or "").split())[:MAX_REPORT_TEXT]
    if reason == ReportReason.OTHER and not text:
        raise InvalidInput("Tell the moderators what is wrong.", code="reason_required")
    if Report.objects.filter(comment=comment, reporter=user).exists():
        raise InvalidInput("You have already reported this comment.", code="already_reported")
    cap = site_policy(site_id).report_daily_cap
    since = timezone.now() - timedelta(days=1)
    if Report.objects.filter(reporter=user, created_at__gte=since).count() >= cap:
        raise ratelimit.RateLimited(f"You can report {cap} comments a day. Thank you for helping.")
    ratelimit.check("report", user.pk)
    if ip:
        ratelimit.check("report_ip", ip)
    return actions.do_report(reporter=user, comment=comment, reason=reason, text=text)


def check_appeal(*, user: User | None, comment_id: int | str, text: str) -> Appeal:
    """The author of a removed comment may appeal once."""
    if user is None or not user.is_authenticated:
        raise NotSignedIn()
    try:
        comment = Comment.objects.select_related("article").get(pk=int(comment_id))
    except (Comment.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such comment.") from None
    if comment.author_id != user.pk:
        raise NotFound("No such comment.")
    if comment.status not in (CommentStatus.REMOVED, CommentStatus.SPAM):
        raise InvalidInput("Only a removed comment can be appealed.", code="not_removed")
    if Appeal.objects.filter(comment=comment).exists():
        raise InvalidInput("You have already appealed this removal.", code="already_appealed")
    text = (text or "").strip()
    if not text:
        raise InvalidInput("Say why the comment should come back.", code="empty")
    return actions.do_appeal(author=user, comment=comment, text=text[:2000])


def check_decide_appeal(
    *, user: User | None, comment_id: int | str, grant: bool, response: str = ""
) -> Appeal:
    comment = access_staff_comment(user=user, comment_id=comment_id, need=MODERATE)
    assert user is not None
    appeal = Appeal.objects.filter(comment=comment, status=AppealStatus.OPEN).first()
    if appeal is None:
        raise InvalidInput("This comment has no open appeal.", code="no_appeal")
    if grant and comment.status not in (CommentStatus.REMOVED, CommentStatus.SPAM):
        raise InvalidInput("The comment is no longer removed.", code="not_removed")
    appeal.comment = comment
    return actions.do_decide_appeal(
        actor=user, appeal=appeal, grant=grant, response=(response or "").strip()
    )
