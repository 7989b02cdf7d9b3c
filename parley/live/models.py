from django.db import models
from django.utils import timezone


class EventType(models.TextChoices):
    COMMENT = "comment", "New top-level comment"
    REPLY = "reply", "New reply"
    VOTE = "vote", "Vote counts changed"
    EDIT = "edit", "Comment edited"
    DELETE = "delete", "Comment deleted or removed"
    COUNT = "count", "Comment count changed"


class Visibility(models.TextChoices):
    PUBLIC = "public", "Everyone who can read the article"
    MODERATORS = "moderators", "Moderators of the site"


class LiveEvent(models.Model):
    """One event of a discussion, as streamed to readers. The row's id is the event id
    (SSE `id:`, `Last-Event-ID`): monotonic, and it survives a Redis or server restart.
    Only the newest events of each article are kept (see backlog.prune)."""

    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    type = models.CharField(max_length=8, choices=EventType.choices)
    visibility = models.CharField(max_length=10, choices=Visibility.choices)
    # No foreign key: the event outlives a comment that is erased.
    comment_id = models.BigIntegerField()
    payload = models.JSONField(help_text="The event as sent, without its id.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["article", "id"], name="liveevent_article_id")]

    def __str__(self) -> str:
        return f"{self.type} #{self.pk} on article {self.article_id}"

    def as_dict(self) -> dict:
        return {"id": self.pk, **self.payload}
