"""Moderation data: a site's rules (with per-article overrides), who is sanctioned, why a
comment is held or removed, reports, appeals, editor's picks, and the audit trail.

Everything is keyed by real foreign keys to discussion rows; the discussion app knows
nothing of these tables. Word lists are plain text, one entry a line, matched by
`parley.moderation.words` (never as regular expressions).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Mode(models.TextChoices):
    POST = "post", "Post-moderation: comments appear at once"
    PRE = "pre", "Pre-moderation: every comment waits for approval"
    FIRST = "first", "A commenter's first comments wait for approval"


class LinkMode(models.TextChoices):
    ALLOW = "allow", "Allowed"
    HOLD = "hold", "Held for commenters with few approved comments"
    STRIP = "strip", "Stripped (the text stays, the link goes)"


class SitePolicy(models.Model):
    """A site's moderation rules. A site without a row gets these defaults."""

    site = models.OneToOneField(
        "articles.Site", on_delete=models.CASCADE, primary_key=True, related_name="policy"
    )
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.POST)
    first_held_count = models.PositiveSmallIntegerField(
        default=3, help_text="In 'first comments' mode: how many approved comments it takes."
    )
    banned_words = models.TextField(
        blank=True, help_text="One a line: a comment with one is refused. 'word*' = prefix."
    )
    suspect_words = models.TextField(
        blank=True, help_text="One a line: a comment with one is held for review."
    )
    masked_words = models.TextField(
        blank=True, help_text="One a line: shown masked (p***), the stored text is kept."
    )
    links = models.CharField(max_length=8, choices=LinkMode.choices, default=LinkMode.ALLOW)
    links_min_approved = models.PositiveSmallIntegerField(
        default=3, help_text="Links are held for commenters with fewer approved comments."
    )
    allowed_domains = models.TextField(
        blank=True, help_text="One a line: links here are always allowed (and subdomains)."
    )
    repeat_window_minutes = models.PositiveSmallIntegerField(
        default=10, help_text="The same text again within this many minutes is held."
    )
    auto_close_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="Close discussions this many days after publication."
    )
    report_threshold = models.PositiveSmallIntegerField(
        default=3, help_text="This many open reports hold a comment."
    )
    report_daily_cap = models.PositiveSmallIntegerField(
        default=20, help_text="Reports one reader may file in 24 hours."
    )
    civility_enabled = models.BooleanField(default=True)
    civility_threshold = models.FloatField(
        default=0.9, help_text="Civility score (0-1) above which the author is nudged."
    )
    external_url = models.URLField(
        blank=True, help_text="Optional external moderation phase (HTTP POST, HMAC-signed)."
    )
    external_secret = models.CharField(max_length=200, blank=True)
    external_timeout_ms = models.PositiveIntegerField(default=1500)
    external_fail_hold = models.BooleanField(
        default=False, help_text="Hold comments when the external phase fails or times out."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "site policies"

    def __str__(self) -> str:
        return f"Moderation policy of site {self.site_id}"


class ArticlePolicy(models.Model):
    """Per-article overrides; an empty field inherits the site's setting."""

    article = models.OneToOneField(
        "articles.Article", on_delete=models.CASCADE, primary_key=True, related_name="policy"
    )
    mode = models.CharField(max_length=8, choices=Mode.choices, blank=True)
    links = models.CharField(max_length=8, choices=LinkMode.choices, blank=True)
    auto_close_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="0 keeps this discussion open whatever the site says."
    )

    class Meta:
        verbose_name_plural = "article policies"

    def __str__(self) -> str:
        return f"Moderation overrides of article {self.article_id}"


class UserFlag(models.Model):
    """Per-user moderation settings on one site."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    site = models.ForeignKey("articles.Site", on_delete=models.CASCADE)
    always_premoderate = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "site"], name="one_flag_per_user")]

    def __str__(self) -> str:
        return f"Flags of {self.user_id} on {self.site_id}"


class SanctionKind(models.TextChoices):
    SUSPEND = "suspend", "Suspended"
    BAN = "ban", "Banned"


class SanctionQuerySet(models.QuerySet["Sanction"]):
    def active(self, at=None):
        at = at or timezone.now()
        return self.filter(Q(ends_at__isnull=True) | Q(ends_at__gt=at), lifted_at__isnull=True)


class Sanction(models.Model):
    """A suspension (with an end) or a ban (without) from commenting and voting on a site."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sanctions"
    )
    site = models.ForeignKey("articles.Site", on_delete=models.CASCADE)
    kind = models.CharField(max_length=8, choices=SanctionKind.choices)
    message = models.TextField(blank=True, help_text="Shown to the user.")
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = SanctionQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["user", "site"], name="sanction_lookup")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.user_id} on {self.site_id}"


class HoldRule(models.TextChoices):
    PREMODERATION = "premoderation", "Pre-moderation"
    FIRST_COMMENTS = "first_comments", "First comments"
    USER_PREMODERATION = "user_premoderation", "User always pre-moderated"
    SUSPECT_WORD = "suspect_word", "Suspect word"
    LINK = "link", "Link from a new commenter"
    REPEAT = "repeat", "Repeated text"
    CIVILITY = "civility", "Civility (posted anyway)"
    REPORTS = "reports", "Reported by readers"
    EXTERNAL = "external", "External moderation"
    OTHER = "other", "Other"


# Holds that a mode makes (everything waits), as opposed to a rule that fired.
MODE_RULES = (HoldRule.PREMODERATION, HoldRule.FIRST_COMMENTS, HoldRule.USER_PREMODERATION)


class Hold(models.Model):
    """Why a comment was last held for review."""

    comment = models.OneToOneField(
        "discussion.Comment", on_delete=models.CASCADE, related_name="moderation_hold"
    )
    site = models.ForeignKey("articles.Site", on_delete=models.CASCADE)
    rule = models.CharField(max_length=24, choices=HoldRule.choices)
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.comment_id} held: {self.rule}"


class ReportReason(models.TextChoices):
    SPAM = "spam", "Spam"
    ABUSE = "abuse", "Abusive or a personal attack"
    OFF_TOPIC = "off_topic", "Off topic"
    OTHER = "other", "Something else"


class Report(models.Model):
    """A reader's report of a comment: one per reader and comment."""

    comment = models.ForeignKey(
        "discussion.Comment", on_delete=models.CASCADE, related_name="moderation_reports"
    )
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    site = models.ForeignKey("articles.Site", on_delete=models.CASCADE)
    reason = models.CharField(max_length=12, choices=ReportReason.choices)
    text = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["comment", "reporter"], name="one_report_per_reader")
        ]
        indexes = [
            models.Index(
                fields=["site", "comment"],
                condition=Q(resolved_at__isnull=True),
                name="report_open_queue",
            ),
            models.Index(fields=["reporter", "-created_at"], name="report_by_reader"),
        ]

    def __str__(self) -> str:
        return f"Report of {self.comment_id} by {self.reporter_id}: {self.reason}"


class RemovalReason(models.TextChoices):
    SPAM = "spam", "Spam"
    ABUSE = "abuse", "Abuse or personal attack"
    OFF_TOPIC = "off_topic", "Off topic"
    PERSONAL = "personal", "Personal information"
    LEGAL = "legal", "Legal reasons"
    OTHER = "other", "Other"


class Removal(models.Model):
    """Why a moderator removed a comment. Deleted when the comment is restored."""

    comment = models.OneToOneField(
        "discussion.Comment", on_delete=models.CASCADE, related_name="moderation_removal"
    )
    site = models.ForeignKey("articles.Site", on_delete=models.CASCADE)
    reason = models.CharField(max_length=12, choices=RemovalReason.choices)
    note = models.CharField(max_length=300, blank=True)
    previous_status = models.CharField(max_length=16)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["site", "-id"], name="removal_recent")]

    def __str__(self) -> str:
        return f"{self.comment_id} removed: {self.reason}"

    @property
    def shown_reason(self) -> str:
        if self.reason == RemovalReason.OTHER and self.note:
            return self.note
        return str(self.get_reason_display())


class AppealStatus(models.TextChoices):
    OPEN = "open", "Waiting for a moderator"
    GRANTED = "granted", "Granted: the comment is back"
    DENIED = "denied", "Denied"


class Appeal(models.Model):
    """The author's one appeal against the removal of a comment."""

    comment = models.OneToOneField(
        "discussion.Comment", on_delete=models.CASCADE, related_name="moderation_appeal"
    )
    site = models.ForeignKey("articles.Site", on_delete=models.CASCADE)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    text = models.TextField(blank=True)
    status = models.CharField(max_length=8, choices=AppealStatus.choices, default="open")
    response = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["site", "status", "id"], name="appeal_queue")]

    def __str__(self) -> str:
        return f"Appeal of {self.comment_id}: {self.status}"


class Feature(models.Model):
    """An editor's pick."""

    comment = models.OneToOneField(
        "discussion.Comment", on_delete=models.CASCADE, related_name="moderation_feature"
    )
    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE)
    site = models.ForeignKey("articles.Site", on_delete=models.CASCADE)
    featured_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["article", "-id"], name="feature_by_article"),
            models.Index(fields=["site", "-id"], name="feature_by_site"),
        ]

    def __str__(self) -> str:
        return f"Pick {self.comment_id}"


class AuditAction(models.TextChoices):
    HOLD = "hold", "Held"
    APPROVE = "approve", "Approved"
    DISMISS_REPORTS = "dismiss_reports", "Reports dismissed"
    REMOVE = "remove", "Removed"
    RESTORE = "restore", "Restored"
    FEATURE = "feature", "Featured"
    UNFEATURE = "unfeature", "Unfeatured"
    CLOSE = "close", "Discussion closed"
    REOPEN = "reopen", "Discussion reopened"
    SUSPEND = "suspend", "Suspended"
    BAN = "ban", "Banned"
    LIFT = "lift", "Sanction lifted"
    PREMODERATE = "premoderate", "Pre-moderation for user changed"
    APPEAL = "appeal", "Appealed"
    APPEAL_GRANTED = "appeal_granted", "Appeal granted"
    APPEAL_DENIED = "appeal_denied", "Appeal denied"


class AuditEntry(models.Model):
    """One moderation action: who did what to which comment, user or article, why, and
    the state before and after. Written in the transaction of the action it records.
    `actor` is null for the system (rules, reports reaching the threshold)."""

    site = models.ForeignKey("articles.Site", on_delete=models.CASCADE)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    action = models.CharField(max_length=16, choices=AuditAction.choices)
    comment = models.ForeignKey(
        "discussion.Comment", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    article = models.ForeignKey(
        "articles.Article", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reason = models.CharField(max_length=500, blank=True)
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["comment", "-id"], name="audit_by_comment"),
            models.Index(fields=["target_user", "site", "-id"], name="audit_by_user"),
            models.Index(fields=["site", "-id"], name="audit_by_site"),
        ]

    def __str__(self) -> str:
        return f"{self.action} by {self.actor_id or 'system'} at {self.created_at:%Y-%m-%d %H:%M}"


class RateCounter(models.Model):
    """Fixed-window counters for rate limits when Redis is not configured."""

    key = models.CharField(max_length=120)
    window = models.BigIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "window"], name="one_counter")]

    def __str__(self) -> str:
        return f"{self.key}@{self.window}: {self.count}"
