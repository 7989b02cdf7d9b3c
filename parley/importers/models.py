"""Provenance of imported discussions, kept beside the core models so that Comment,
Article and User stay as they are. Every imported row can be traced back to the record it
came from, and `(site, source, source_id)` being unique is what makes a second import of
the same file create nothing."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class ImportRun(models.Model):
    """One run of `parley import`. The run and everything it wrote commit together (one
    transaction per import), so a run row exists only for an import that finished."""

    source = models.CharField(max_length=20)
    file_name = models.CharField(max_length=500)
    site = models.ForeignKey("articles.Site", on_delete=models.CASCADE, null=True)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    report = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"{self.source} import of {self.file_name}"


class ImportedThread(models.Model):
    """A thread record of the source (a Disqus thread, a WordPress post, an Isso URI…)
    and the article it was mapped onto. Several threads may map onto one article."""

    site = models.ForeignKey("articles.Site", on_delete=models.CASCADE)
    source = models.CharField(max_length=20)
    source_id = models.CharField(max_length=500)
    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="imported_threads"
    )
    url = models.CharField(max_length=2000, blank=True)
    title = models.CharField(max_length=300, blank=True)
    run = models.ForeignKey(ImportRun, on_delete=models.SET_NULL, null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["site", "source", "source_id"], name="unique_imported_thread"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source} thread {self.source_id}"


class ImportedComment(models.Model):
    """The source record a comment came from. `comment` is null when the record was
    read but deliberately not kept (a deleted comment without replies), or when the
    comment was later deleted in Parley: either way a re-import does not bring it back.
    `fingerprint` (a hash of date, author and text) tells a repeated id with other
    content (imported under a derived id) from the same record seen twice. `extra` holds
    what Parley has no column for yet: wpDiscuz sticky and inline-feedback data,
    per-comment closing, the source's edit marks."""

    site = models.ForeignKey("articles.Site", on_delete=models.CASCADE)
    source = models.CharField(max_length=20)
    source_id = models.CharField(max_length=300)
    comment = models.OneToOneField(
        "discussion.Comment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="imported_from",
    )
    fingerprint = models.BigIntegerField(default=0)
    run = models.ForeignKey(ImportRun, on_delete=models.SET_NULL, null=True)
    extra = models.JSONField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["site", "source", "source_id"], name="unique_imported_comment"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source} comment {self.source_id}"


class ImportedIdentity(models.Model):
    """An author of the source, and the Parley user that stands for them. The user has
    an unusable password, so nobody can sign in as them until the identity is claimed
    (through a verified e-mail, later). An identity is never matched to an existing
    account by e-mail: `email` is kept here for that claim, not on the user."""

    source = models.CharField(max_length=20)
    source_id = models.CharField(max_length=300)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="imported_identities"
    )
    name = models.CharField(max_length=200, blank=True)
    email = models.CharField(max_length=254, blank=True)
    url = models.CharField(max_length=500, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    run = models.ForeignKey(ImportRun, on_delete=models.SET_NULL, null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "source_id"], name="unique_imported_identity")
        ]

    def __str__(self) -> str:
        return f"{self.source} author {self.source_id}"


class ImportedRecord(models.Model):
    """A record of the source that is neither a thread nor a comment (an editor's passage
    question, a moderation log entry) and the row made from it (`object_id`, in the table
    `kind` names). Unique per site, source, kind and id: a second import of the same file
    makes nothing twice."""

    site = models.ForeignKey("articles.Site", on_delete=models.CASCADE)
    source = models.CharField(max_length=20)
    kind = models.CharField(max_length=20)
    source_id = models.CharField(max_length=300)
    object_id = models.BigIntegerField(null=True, blank=True)
    run = models.ForeignKey(ImportRun, on_delete=models.SET_NULL, null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["site", "source", "kind", "source_id"], name="unique_imported_record"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.kind} {self.source_id}"
