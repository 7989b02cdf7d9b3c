"""Moderation phases: an ordered list of checks that every new or edited comment passes.

Each phase looks at a Submission and returns None (no objection), a Verdict to HOLD the
comment for review (with the rule and a reason the desk shows), or REFUSE it; a phase may
also raise a ParleyError itself (a sanction, a rate limit, the civility nudge) or change
the HTML to store (stripping links, masking words). Every phase runs unless one refuses;
the first hold is the one recorded. Staff (moderators and editors of the site) are never
held. The list is settings.PARLEY_MODERATION_PHASES (dotted paths); a site adds an
external HTTP phase by setting its URL in its policy.

parley.discussion.access calls `evaluate(...)` before writing and `Decision.record(...)`
after, in one transaction; `guard_vote(...)` before a vote.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from functools import cached_property
from typing import Protocol

from django.utils import formats, timezone
from django.utils.module_loading import import_string

from parley import rawsql
from parley.accounts.models import SiteRole, User
from parley.articles.models import Article
from parley.discussion import rendering
from parley.discussion.models import Comment, CommentStatus
from parley.errors import ThreadClosed
from parley.moderation import conf, links, ratelimit, words
from parley.moderation.errors import Refused, Sanctioned
from parley.moderation.models import (
    HoldRule,
    LinkMode,
    Mode,
    Sanction,
    SanctionKind,
    UserFlag,
)
from parley.moderation.policy import Policy, auto_close_days, is_past_auto_close, policy_for


class Action(StrEnum):
    HOLD = "hold"
    REFUSE = "refuse"


@dataclass(frozen=True)
class Verdict:
    action: Action
    rule: str = HoldRule.OTHER
    reason: str = ""


def hold(rule: str, reason: str) -> Verdict:
    return Verdict(Action.HOLD, rule, reason)


@dataclass
class Submission:
    """What a phase sees. `body_html` is the HTML that will be stored; phases may replace
    it. `text` is the plain text of the HTML as the author wrote it."""

    user: User
    article: Article
    body: str
    body_html: str
    parent: Comment | None
    comment: Comment | None  # the comment being edited, None for a new one
    nudge_ack: bool | None  # None: the client cannot show a nudge (API, edits)
    policy: Policy
    text: str = ""

    @property
    def is_edit(self) -> bool:
        return self.comment is not None

    @cached_property
    def approved_count(self) -> int:
        """The author's visible comments on this site."""
        return Comment.objects.filter(
            author=self.user, article__site_id=self.article.site_id, status=CommentStatus.VISIBLE
        ).count()

    @cached_property
    def is_staff(self) -> bool:
        if self.user.is_superuser:
            return True
        return SiteRole.objects.filter(user=self.user, site_id=self.article.site_id).exists()


class Phase(Protocol):
    name: str

    def __call__(self, sub: Submission) -> Verdict | None: ...


@dataclass
class Decision:
    status: str
    body_html: str
    site_id: int
    hold: Verdict | None = None
    verdicts: list[tuple[str, Verdict]] = field(default_factory=list)

    def record(self, comment: Comment) -> None:
        """Writes why the comment was held (and holds an edited visible comment). Call in
        the transaction that wrote the comment."""
        if self.hold is None:
            return
        from parley.moderation import actions  # actions imports this module

        actions.do_hold(comment=comment, rule=self.hold.rule, reason=self.hold.reason)


def load_phases() -> list[Phase]:
    return [import_string(path)() for path in conf.phases()]


def evaluate(
    *,
    user: User,
    article: Article,
    body: str,
    body_html: str,
    parent: Comment | None = None,
    nudge_ack: bool | None = None,
    comment: Comment | None = None,
) -> Decision:
    """Runs the phases over a new comment (or an edit of `comment`). Returns the status to
    store and the HTML to store; raises a ParleyError when the comment is refused."""
    sub = Submission(
        user=user,
        article=article,
        body=body,
        body_html=body_html,
        parent=parent,
        comment=comment,
        nudge_ack=nudge_ack,
        policy=policy_for(article),
        text=rendering.to_plain_text(body_html),
    )
    decision = Decision(status=CommentStatus.VISIBLE, body_html=body_html, site_id=article.site_id)
    for phase in load_phases():
        verdict = phase(sub)
        if verdict is None:
            continue
        decision.verdicts.append((phase.name, verdict))
        if verdict.action == Action.REFUSE:
            raise Refused(verdict.reason or None, code=verdict.rule or None)
        if decision.hold is None:
            decision.hold = verdict
    decision.body_html = sub.body_html
    if decision.hold is not None and sub.is_staff:
        decision.hold = None
    if decision.hold is not None:
        decision.status = CommentStatus.PENDING
    return decision


# --- checks also used outside posting ------------------------------------------------------


def active_sanction(*, user: User, site_id: int) -> Sanction | None:
    """The latest sanction in force (Sanction.objects.active()). Every post and vote
    asks, and almost always finds none: that answer is one small SQL query
    (parley/rawsql.py); a sanction found is then loaded whole."""
    found = rawsql.fetch_one(
        f"SELECT id FROM {rawsql.table(Sanction)}"  # noqa: S608
        " WHERE user_id = %s AND site_id = %s AND lifted_at IS NULL"
        " AND (ends_at IS NULL OR ends_at > %s) ORDER BY id DESC LIMIT 1",
        [user.pk, site_id, rawsql.when(timezone.now())],
    )
    return None if found is None else Sanction.objects.get(pk=found[0])


def sanction_message(sanction: Sanction) -> str:
    if sanction.kind == SanctionKind.BAN or sanction.ends_at is None:
        text = "You are banned from commenting and voting on this site."
    else:
        until = formats.date_format(sanction.ends_at, "j F Y, H:i")
        text = f"You are suspended from commenting and voting on this site until {until} UTC."
    return f"{text} {sanction.message}".strip()


def require_unsanctioned(*, user: User, site_id: int) -> None:
    sanction = active_sanction(user=user, site_id=site_id)
    if sanction is not None:
        code = "banned" if sanction.kind == SanctionKind.BAN else "suspended"
        raise Sanctioned(sanction_message(sanction), code=code)


def require_open(article: Article, policy: Policy | None = None) -> None:
    """Refuses when the discussion has passed its automatic closing date."""
    if article.discussion_closed or is_past_auto_close(article, policy or policy_for(article)):
        raise ThreadClosed()


def guard_vote(*, user: User, comment: Comment) -> None:
    """Before a vote: sanctions, automatic closing and the vote rate limit."""
    require_unsanctioned(user=user, site_id=comment.article.site_id)
    require_open(comment.article)
    ratelimit.check("vote", user.pk)


def same_text(a: str, b: str) -> bool:
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())


# --- the built-in phases -------------------------------------------------------------------


class SanctionPhase:
    name = "sanction"

    def __call__(self, sub: Submission) -> Verdict | None:
        require_unsanctioned(user=sub.user, site_id=sub.article.site_id)
        return None


class ClosedPhase:
    """Discussion closing after N days. The page flips Article.discussion_closed when it
    shows such a discussion (templatetags); here a late post is refused all the same."""

    name = "closed"

    def __call__(self, sub: Submission) -> Verdict | None:
        require_open(sub.article, sub.policy)
        return None


class RateLimitPhase:
    name = "rate_limit"

    def __call__(self, sub: Submission) -> Verdict | None:
        ratelimit.check("edit" if sub.is_edit else "comment", sub.user.pk)
        return None


class BannedWordsPhase:
    name = "banned_words"

    def __call__(self, sub: Submission) -> Verdict | None:
        found = words.compile_list(sub.policy.site.banned_words).find(sub.text)
        if not found:
            return None
        shown = sub.text[found[0].start : found[0].end]
        return Verdict(
            Action.REFUSE,
            "banned_word",
            f"Your comment contains “{shown}”, a word this site does not allow. "
            "Edit it and post again.",
        )


class LinkPhase:
    name = "links"

    def __call__(self, sub: Submission) -> Verdict | None:
        if sub.policy.links == LinkMode.ALLOW:
            return None
        allowed = links.parse_domains(sub.policy.site.allowed_domains)
        outside = [d for d in links.link_domains(sub.body_html) if not links.is_allowed(d, allowed)]
        if not outside:
            return None
        if sub.policy.links == LinkMode.STRIP:
            sub.body_html = links.strip_links(sub.body_html, allowed)
            return None
        needed = sub.policy.site.links_min_approved
        if sub.approved_count >= needed:
            return None
        return hold(
            HoldRule.LINK,
            f"to {outside[0] or 'an address'}; the commenter has "
            f"{sub.approved_count} approved comment{'s' if sub.approved_count != 1 else ''}",
        )


class MaskPhase:
    """Masks listed words in the stored HTML (the body keeps the author's text; editing
    the list re-renders stored comments: see actions.remask_site)."""

    name = "mask"

    def __call__(self, sub: Submission) -> Verdict | None:
        masked = words.compile_list(sub.policy.site.masked_words)
        sub.body_html = words.mask_html(sub.body_html, masked)
        return None


class ModePhase:
    name = "mode"

    def __call__(self, sub: Submission) -> Verdict | None:
        if sub.is_edit:
            return None
        site_id = sub.article.site_id
        flagged = rawsql.fetch_one(
            f"SELECT 1 FROM {rawsql.table(UserFlag)}"  # noqa: S608
            " WHERE user_id = %s AND site_id = %s AND always_premoderate",
            [sub.user.pk, site_id],
        )
        if flagged:
            return hold(HoldRule.USER_PREMODERATION, "set by a moderator")
        if sub.policy.mode == Mode.PRE:
            return hold(HoldRule.PREMODERATION, "every comment waits")
        first = sub.policy.site.first_held_count
        if sub.policy.mode == Mode.FIRST and sub.approved_count < first:
            return hold(
                HoldRule.FIRST_COMMENTS,
                f"{sub.approved_count} of {first} approved so far",
            )
        return None


class SuspectWordsPhase:
    name = "suspect_words"

    def __call__(self, sub: Submission) -> Verdict | None:
        found = words.compile_list(sub.policy.site.suspect_words).find(sub.text)
        if not found:
            return None
        return hold(HoldRule.SUSPECT_WORD, f"“{found[0].entry}”")


class RepeatPhase:
    name = "repeat"

    def __call__(self, sub: Submission) -> Verdict | None:
        minutes = sub.policy.site.repeat_window_minutes
        if sub.is_edit or not minutes:
            return None
        since = timezone.now() - timedelta(minutes=minutes)
        recent = rawsql.fetch_column(
            f"SELECT c.body FROM {rawsql.table(Comment)} c"  # noqa: S608
            f" JOIN {rawsql.table(Article)} a ON a.id = c.article_id"
            " WHERE c.author_id = %s AND c.created_at >= %s AND a.site_id = %s LIMIT 50",
            [sub.user.pk, rawsql.when(since), sub.article.site_id],
        )
        if any(same_text(body, sub.body) for body in recent):
            return hold(HoldRule.REPEAT, f"the same text again within {minutes} minutes")
        return None


def close_discussion_if_due(article: Article) -> bool:
    """Marks a discussion closed when it has passed its automatic closing date. No query
    when it is open and the article came with its policy (policy.auto_close_days)."""
    if article.discussion_closed:
        return True
    days = auto_close_days(article)
    if not days or timezone.now() < article.published_at + timedelta(days=days):
        return False
    Article.objects.filter(pk=article.pk).update(discussion_closed=True)
    article.discussion_closed = True
    return True
