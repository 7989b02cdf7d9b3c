"""Passages of an article that comments (and editors' questions) are anchored to.

A passage is stored as W3C Web Annotation selectors over the article's plain text
(`parley.articles.body.plain_text`): a TextQuoteSelector (`exact`, `prefix`, `suffix`) and
a TextPositionSelector (`start`, `end`). The selectors are always valid against one
`ArticleRevision`, the one in `revision`; `made_on` is the revision the reader saw when
making the anchor, and `original_exact` the passage as it read then.
"""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from parley.inline.reanchor import CONTEXT_CHARS

MAX_QUOTE_CHARS = 1000
QUESTION_CHARS = 300


class AnchorState(models.TextChoices):
    ATTACHED = "attached", "Attached"
    CHANGED = "changed", "The passage has changed since"
    ORPHANED = "orphaned", "No longer in the article"


class TextSource(models.TextChoices):
    """Where a revision's text came from: Parley's own article body, or the host page of an
    embedded article, whose text lives on the publisher's page (docs/anchors.md)."""

    BODY = "body", "The article's body"
    HOST = "host", "The host page of the embed"


# States in which a passage is in the current text (highlighted, listed by position).
PLACED_STATES = (AnchorState.ATTACHED, AnchorState.CHANGED)


class ArticleRevision(models.Model):
    """The plain text of an article as readers saw it, numbered from 1. A new revision is
    written whenever a save changes that text (see receivers.py)."""

    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="revisions"
    )
    number = models.PositiveIntegerField()
    text = models.TextField()
    source = models.CharField(max_length=8, choices=TextSource.choices, default=TextSource.BODY)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="one_revision_number")
        ]

    def __str__(self) -> str:
        return f"Revision {self.number} of article {self.article_id}"


class Passage(models.Model):
    """The selectors and state shared by anchors and editors' questions."""

    revision = models.ForeignKey(
        ArticleRevision,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The revision the selectors are valid against.",
    )
    made_on = models.ForeignKey(ArticleRevision, on_delete=models.CASCADE, related_name="+")
    exact = models.TextField()
    prefix = models.CharField(max_length=CONTEXT_CHARS, blank=True)
    suffix = models.CharField(max_length=CONTEXT_CHARS, blank=True)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    original_exact = models.TextField(help_text="The passage as it read when it was marked.")
    state = models.CharField(
        max_length=16, choices=AnchorState.choices, default=AnchorState.ATTACHED
    )

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="%(class)s_not_empty")
        ]

    @property
    def is_placed(self) -> bool:
        return self.state in PLACED_STATES

    @property
    def is_orphaned(self) -> bool:
        return self.state == AnchorState.ORPHANED

    @property
    def has_changed(self) -> bool:
        return self.state == AnchorState.CHANGED


class PassageQuestion(Passage):
    """An editor's question on a passage ("Do you agree with this?"). Readers answer it
    with comments anchored to the same passage (`Anchor.question`)."""

    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="passage_questions"
    )
    question = models.CharField(max_length=QUESTION_CHARS)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta(Passage.Meta):
        indexes = [models.Index(fields=["article", "start"], name="question_by_position")]

    def __str__(self) -> str:
        return self.question


class Anchor(Passage):
    """The passage a top-level comment is about. Replies belong to their thread's passage."""

    comment = models.OneToOneField(
        "discussion.Comment", on_delete=models.CASCADE, related_name="anchor"
    )
    question = models.ForeignKey(
        PassageQuestion,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="answers",
        help_text="The editor's question this comment answers, if any.",
    )

    class Meta(Passage.Meta):
        pass

    def __str__(self) -> str:
        return f"Anchor of comment {self.comment_id} ({self.state})"
