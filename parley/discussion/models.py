from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

PATH_SEGMENT = 8  # base-36 characters per level: ids up to 36**8 (2.8e12)
MAX_DEPTH = 200


def path_segment(comment_id: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    n = comment_id
    while n:
        n, rem = divmod(n, 36)
        out = digits[rem] + out
    return out.rjust(PATH_SEGMENT, "0")


class CommentStatus(models.TextChoices):
    VISIBLE = "visible", "Visible"
    PENDING = "pending", "Pending review"
    DELETED = "deleted", "Deleted by its author"
    REMOVED = "removed", "Removed by a moderator"
    SPAM = "spam", "Spam"


# Statuses that take a place in the thread: visible comments and tombstones.
SHOWN_STATUSES = (CommentStatus.VISIBLE, CommentStatus.DELETED, CommentStatus.REMOVED)
TOMBSTONE_STATUSES = (CommentStatus.DELETED, CommentStatus.REMOVED)


class Comment(models.Model):
    """One comment. Threads are stored as a materialised path: `path` is the chain of
    base-36 ids from the thread's top-level comment down to this one, so ordering a
    thread's rows by `path` gives depth-first order with siblings oldest first, and one
    query fetches any slice of a thread. `root` is the top-level comment (null on it)."""

    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="comments"
    )
    # No index of its own: `comment_author_recent` (author, -created_at) begins with it.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="comments",
        db_index=False,
    )
    author_name = models.CharField(
        max_length=60, blank=True, help_text="Name shown when there is no account (imports)."
    )
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    # No index of its own: `comment_thread_path` (root, path) begins with it.
    root = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="thread_rows",
        db_index=False,
    )
    depth = models.PositiveSmallIntegerField(default=0)
    path = models.CharField(max_length=PATH_SEGMENT * (MAX_DEPTH + 1), db_index=False)
    body = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    status = models.CharField(
        max_length=16, choices=CommentStatus.choices, default=CommentStatus.VISIBLE
    )
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    upvotes = models.PositiveIntegerField(default=0)
    downvotes = models.PositiveIntegerField(default=0)
    score = models.IntegerField(default=0)
    # On a top-level comment: how many replies its thread shows (visible and tombstones).
    thread_replies = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(
                fields=["article", "-score", "id"],
                condition=Q(parent__isnull=True),
                name="comment_top_by_score",
            ),
            # Newest and Oldest page top-level comments by path, which for them is the
            # id in fixed-width base 36: ordered by id, PostgreSQL walks the primary key
            # instead and, for an older discussion, filters every newer comment of the
            # site on the way (docs/performance.md).
            models.Index(
                fields=["article", "path"],
                condition=Q(parent__isnull=True),
                name="comment_top_by_path",
            ),
            models.Index(fields=["root", "path"], name="comment_thread_path"),
            models.Index(fields=["author", "-created_at"], name="comment_author_recent"),
        ]

    def __str__(self) -> str:
        return f"Comment {self.pk} on {self.article_id}"

    @property
    def thread_id(self) -> int:
        return self.root_id or self.pk

    @property
    def is_tombstone(self) -> bool:
        return self.status in TOMBSTONE_STATUSES

    @property
    def shown_name(self) -> str:
        if self.author is not None:
            return self.author.public_name
        return self.author_name or "Former reader"


class Vote(models.Model):
    """One reader's vote on one comment: +1 or -1. Withdrawing a vote deletes the row."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="votes")
    value = models.SmallIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "comment"], name="one_vote_per_user"),
            models.CheckConstraint(condition=Q(value__in=[-1, 1]), name="vote_is_up_or_down"),
        ]

    def __str__(self) -> str:
        return f"{self.value:+d} by {self.user_id} on {self.comment_id}"


class ScoreChange(models.Model):
    """An append-only ledger of score changes. Later pages of Most Voted rank comments by
    their score at the moment the reader opened the first page (score now minus changes
    since), so no comment is lost or shown twice while votes move during paging."""

    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE)
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE)
    delta = models.SmallIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["article", "created_at"], name="scorechange_recent")]

    def __str__(self) -> str:
        return f"{self.delta:+d} on {self.comment_id}"
