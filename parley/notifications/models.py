"""What people follow, how they want to hear about it, and what is owed to them.

`Notification` is the in-page inbox; `OutboxMessage` is the e-mail outbox. Both are written
in the same transaction as the comment they are about, under a unique (recipient, key), so a
comment that rolls back leaves nothing behind and no event reaches anyone twice.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class NotifyChoice(models.TextChoices):
    """The comment form's "Notify of" select, and each user's default for it."""

    NONE = "none", "Nothing"
    REPLIES = "replies", "New replies to my comments"
    ALL = "all", "New follow-up comments"


class EmailMode(models.TextChoices):
    OFF = "off", "No e-mail"
    IMMEDIATE = "immediate", "E-mail each notification"
    DIGEST = "digest", "One daily digest e-mail"


class Reason(models.TextChoices):
    """Why someone hears about a comment. When several apply, the first listed wins."""

    REPLY = "reply", "replied to"
    MENTION = "mention", "mentioned you in"
    FOLLOW_UP = "follow_up", "commented on"


REASON_PRIORITY = [Reason.REPLY, Reason.MENTION, Reason.FOLLOW_UP]


class Preferences(models.Model):
    """A user's notification settings. A user without a row has the field defaults:
    nothing followed when commenting, in-page notifications on, e-mail immediately."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_prefs"
    )
    default_notify = models.CharField(
        max_length=10, choices=NotifyChoice.choices, default=NotifyChoice.NONE
    )
    in_page = models.BooleanField(default=True)
    email_mode = models.CharField(
        max_length=10, choices=EmailMode.choices, default=EmailMode.IMMEDIATE
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "preferences"

    def __str__(self) -> str:
        return f"Preferences of {self.user_id}"


class Follow(models.Model):
    """Following a whole discussion (`comment` is null: every new comment) or the replies
    to one comment. `article` is set on both, so one discussion's follows are one filter."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE)
    comment = models.ForeignKey(
        "discussion.Comment", on_delete=models.CASCADE, null=True, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "article"],
                condition=Q(comment__isnull=True),
                name="one_discussion_follow",
            ),
            models.UniqueConstraint(
                fields=["user", "comment"],
                condition=Q(comment__isnull=False),
                name="one_replies_follow",
            ),
        ]
        indexes = [models.Index(fields=["article", "comment"], name="follow_by_target")]

    def __str__(self) -> str:
        target = f"comment {self.comment_id}" if self.comment_id else "the discussion"
        return f"{self.user_id} follows {target} on {self.article_id}"


class Mute(models.Model):
    """Left by a discussion-scoped unsubscribe: no mention from this discussion reaches the
    user either. Following the discussion again lifts it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "article"], name="one_mute_per_discussion")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} muted {self.article_id}"


class Notification(models.Model):
    """One entry in a user's in-page inbox."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    key = models.CharField(max_length=80)
    reason = models.CharField(max_length=12, choices=Reason.choices)
    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE)
    comment = models.ForeignKey("discussion.Comment", on_delete=models.CASCADE)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="one_notification_per_event")
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notification_unread",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reason} for {self.recipient_id} about {self.comment_id}"


class OutboxKind(models.TextChoices):
    IMMEDIATE = "immediate", "E-mail about one comment"
    DIGEST_ITEM = "digest_item", "Waiting for the next digest"
    DIGEST = "digest", "Digest e-mail"


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FOLDED = "folded", "Folded into a digest"
    CANCELLED = "cancelled", "Cancelled"
    FAILED = "failed", "Failed"


class OutboxMessage(models.Model):
    """An e-mail owed to one recipient. The worker claims pending rows whose `due_at` has
    come by setting `claimed_by` and a `lease_until`; a worker that dies leaves the lease to
    run out and another claims the row again. The Message-ID comes from (recipient, key), so
    a message sent twice after a crash is the same message to the receiving side."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    key = models.CharField(max_length=80)
    kind = models.CharField(max_length=12, choices=OutboxKind.choices)
    reason = models.CharField(max_length=12, choices=Reason.choices, blank=True)
    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, null=True)
    comment = models.ForeignKey("discussion.Comment", on_delete=models.CASCADE, null=True)
    digest = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="items"
    )
    status = models.CharField(
        max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_by = models.CharField(max_length=40, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(max_length=200, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="one_email_per_event")
        ]
        indexes = [
            models.Index(
                fields=["due_at", "id"],
                condition=Q(status="pending"),
                name="outbox_due",
            ),
            models.Index(
                fields=["recipient", "article", "kind", "created_at"], name="outbox_flood"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} to {self.recipient_id} ({self.status})"
