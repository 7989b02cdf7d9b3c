"""The moderation log of an import (Parley's own format): one `AuditEntry` per entry.

Actors and target users are identities like comment authors (users that cannot sign in
until claimed); the comment and the article are the ones this import (or an earlier one)
made from the same records. An entry about a comment or article the file does not carry
is kept without it, as Parley keeps entries about deleted comments. Each entry is keyed in
`ImportedRecord` by its id in the file: a second import of the same file adds nothing.
"""

from typing import TYPE_CHECKING

from django.utils import timezone

from parley.importers.bulk import chunks
from parley.importers.models import ImportedRecord
from parley.importers.records import ModerationRecord, ThreadRecord
from parley.moderation.models import AuditAction, AuditEntry

if TYPE_CHECKING:
    from parley.importers.writer import Writer

KIND = "moderation"


class ModerationLogWriter:
    def __init__(self, writer: "Writer") -> None:
        self.writer = writer
        self.pending: list[ModerationRecord] = []

    def write(self) -> None:
        """Writes the entries read so far (the caller flushed their comments first)."""
        records, self.pending = self.pending, []
        if not records:
            return
        w = self.writer
        w.identities.resolve(
            [p for r in records for p in (r.actor, r.target) if p is not None], w.run
        )
        mapped_sites = {m.site_id for m in w.articles.mapped.values()}
        w._load(
            {r.comment for r in records if r.comment and r.comment not in w.cache}, mapped_sites
        )
        sites = {r.key: self._site_id(r) for r in records}
        done = self._earlier({r.key for r in records}, set(sites.values()))
        rows: list[AuditEntry] = []
        keys: list[tuple[str, int]] = []
        for record in records:
            ref = f"moderation entry {record.key}"
            site_id = sites[record.key]
            if (site_id, record.key) in done:
                w.report.moderation_known += 1
                continue
            if record.action not in AuditAction.values:
                w.report.warn(f"unknown moderation action {record.action[:40]!r}: ignored", ref)
                continue
            done.add((site_id, record.key))
            comment_id = article_id = None
            if record.comment:
                placed = w.cache.get(record.comment)
                if placed is not None and placed.comment_id is not None:
                    comment_id, article_id = placed.comment_id, placed.article_id
                else:
                    w.report.warn("moderation entry on a comment not in Parley: kept without", ref)
            if record.thread:
                mapped = w.articles.mapped.get(record.thread)
                if mapped is not None:
                    article_id = mapped.article_id
                elif article_id is None:
                    w.report.warn("moderation entry on an article not imported: kept without", ref)
            rows.append(
                AuditEntry(
                    site_id=site_id,
                    actor_id=w.identities.user_id(record.actor),
                    action=record.action,
                    comment_id=comment_id,
                    target_user_id=w.identities.user_id(record.target),
                    article_id=article_id,
                    reason=record.reason[:500],
                    before=record.before or {},
                    after=record.after or {},
                    created_at=record.created_at or timezone.now(),
                )
            )
            keys.append((record.key, site_id))
        AuditEntry.objects.bulk_create(rows, batch_size=500)
        ImportedRecord.objects.bulk_create(
            [
                ImportedRecord(
                    site_id=site_id,
                    source=w.source,
                    kind=KIND,
                    source_id=key[:300],
                    object_id=row.pk,
                    run=w.run,
                )
                for row, (key, site_id) in zip(rows, keys, strict=True)
            ],
            batch_size=500,
        )
        w.report.moderation_imported += len(rows)

    def _site_id(self, record: ModerationRecord) -> int:
        """The site of the entry's article when it has one, else the file's site."""
        w = self.writer
        if record.thread and record.thread in w.articles.mapped:
            return w.articles.mapped[record.thread].site_id
        site = w.articles.site_for(ThreadRecord(key="", url="", site_key=record.site_key))
        return site.pk

    def _earlier(self, keys: set[str], site_ids: set[int]) -> set[tuple[int, str]]:
        found: set[tuple[int, str]] = set()
        for chunk in chunks(sorted(keys)):
            found |= set(
                ImportedRecord.objects.filter(
                    site_id__in=site_ids, source=self.writer.source, kind=KIND, source_id__in=chunk
                ).values_list("site_id", "source_id")
            )
        return found
