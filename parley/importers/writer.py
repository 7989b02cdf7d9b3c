"""Writes parsed records as Parley comments, in batches, keeping every thread whole.

Per batch (2,000 comments): the batch's threads are mapped onto articles, its authors
onto users, its ids and missing parents are looked up in one pass over the provenance
table, then each record is placed: its id is taken, its path is its parent's path plus
its own segment, and its row is queued. A reply whose parent has not been seen yet waits
(in memory, only for as long as the parent is missing: exports list parents first, so
this stays small) and is placed right after its parent; at the end of the file the
replies whose parent never came are kept as top-level comments, with a warning each.

At the end: childless tombstones are dropped (as Parley's own delete does; their
provenance row stays, so a re-import does not bring them back), counters are set (from
counts kept while writing for the articles this run created, recomputed in SQL for the
articles that had comments before), closed threads close their discussions.
"""

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Exists, OuterRef
from django.utils import timezone

from parley.articles.models import Site
from parley.discussion.models import (
    MAX_DEPTH,
    PATH_SEGMENT,
    SHOWN_STATUSES,
    Comment,
    Vote,
    path_segment,
)
from parley.importers.articles import ArticleMapper, Mapped
from parley.importers.bodies import convert_html
from parley.importers.bulk import (
    DEFER_INDEXES_FROM,
    LARGE_FILE_BYTES,
    DeferredIndexes,
    IdAllocator,
    KeyLookup,
    RowWriter,
    SeenKeys,
    chunks,
    datetime_adapter,
    recount,
    write_counts,
)
from parley.importers.identities import IdentityMapper
from parley.importers.models import ImportedComment, ImportRun
from parley.importers.modlog import ModerationLogWriter
from parley.importers.passages import PassageWriter
from parley.importers.records import (
    DELETED,
    PENDING,
    SPAM,
    VISIBLE,
    AnchorRecord,
    CommentRecord,
    ModerationRecord,
    QuestionRecord,
    RevisionRecord,
    SiteHint,
    SkippedRecord,
    ThreadRecord,
    VoteRecord,
)
from parley.importers.report import ImportReport
from parley.importers.urlmap import UrlMapper

BATCH = 2000
CACHE_MAX = 200_000
OUTCOME = {
    VISIBLE: "imported",
    PENDING: "held",
    SPAM: "spam",
    DELETED: "tombstoned",
    "removed": "tombstoned",
}
COMMENT_COLUMNS = (
    "id",
    "article",
    "author",
    "author_name",
    "parent",
    "root",
    "depth",
    "path",
    "body",
    "body_html",
    "status",
    "created_at",
    "edited_at",
    "upvotes",
    "downvotes",
    "score",
    "thread_replies",
)
LINK_COLUMNS = ("site", "source", "source_id", "comment", "fingerprint", "run", "extra")
SHOWN = frozenset(str(status) for status in SHOWN_STATUSES)


@dataclass(slots=True)
class Placed:
    """A comment already written (in this run or an earlier one), as its replies need it."""

    comment_id: int | None
    path: str
    status: str
    article_id: int
    fingerprint: int
    this_run: bool


class Writer:
    def __init__(
        self,
        *,
        source: str,
        site: Site | None,
        fixed_site: bool,
        urls: UrlMapper,
        report: ImportReport,
        file_name: str,
        file_size: int = 0,
    ) -> None:
        self.source = source
        self.report = report
        self.run = ImportRun.objects.create(source=source, file_name=file_name[:500], site=site)
        self.articles = ArticleMapper(
            source=source, site=site, fixed_site=fixed_site, urls=urls, report=report
        )
        self.identities = IdentityMapper(source, report)
        self.ids = IdAllocator(Comment)
        self.comments_written = 0
        # A large file's rows go in without the plain indexes from the start (as long as
        # the tables held fewer rows before); a smaller one's only past DEFER_INDEXES_FROM.
        floor = 0 if file_size >= LARGE_FILE_BYTES else DEFER_INDEXES_FROM
        self.indexes = [
            DeferredIndexes(model, rows_before=self.ids.next_sqlite, floor=floor)
            for model in (Comment, ImportedComment)
        ]
        self.comment_rows = RowWriter(Comment, COMMENT_COLUMNS)
        self.link_rows = RowWriter(ImportedComment, LINK_COLUMNS)
        self.batch: list[CommentRecord] = []
        self.votes: list[VoteRecord] = []
        self.passages = PassageWriter(self)
        self.log = ModerationLogWriter(self)
        self.cache: dict[str, Placed] = {}
        # When Parley holds no record of this source yet, a key can only be in the
        # provenance table if this run wrote it: keys it certainly did not write (most of
        # them, in a first import) are not looked up.
        self.known_before = ImportedComment.objects.filter(source=source).exists()
        self.seen = SeenKeys()
        self.deferred: dict[str, list[CommentRecord]] = {}
        self.skipped_keys: dict[str, str] = {}
        self.tombstones: list[int] = []
        # Counters of the articles this run created (Article.comment_count, and
        # thread_replies by top-level comment), kept as rows are placed.
        self.visible_counts: Counter[int] = Counter()
        self.reply_counts: Counter[int] = Counter()
        self.last_date = timezone.now()
        self.run_id = self.run.pk
        self.extra_field = ImportedComment._meta.get_field("extra")
        self.to_db = datetime_adapter()
        q = connection.ops.quote_name
        link, comment = q(ImportedComment._meta.db_table), q(Comment._meta.db_table)
        # One indexed lookup per 500 keys, in plain SQL: building the same query through
        # the ORM costs ~10 ms, which over a million comments is most of a minute.
        self.lookup = KeyLookup(
            f"SELECT l.source_id, l.comment_id, l.fingerprint, l.run_id, c.path, c.status, "  # noqa: S608
            f"c.article_id FROM {link} l LEFT JOIN {comment} c ON c.id = l.comment_id "
            f"WHERE l.site_id IN ({{sites}}) AND l.source = %s AND l.source_id IN ({{keys}})"
        )

    # --- input ---------------------------------------------------------------------------

    def feed(self, item: Any) -> None:
        if isinstance(item, CommentRecord):
            if item.html is not None:  # left to this process by the reader (bodies.Handoff)
                item.body, item.body_html = convert_html(item.html)
                item.html = None
            self.batch.append(item)
            if len(self.batch) >= BATCH:
                self.flush()
        elif isinstance(item, ThreadRecord):
            self.articles.add_thread(item)
        elif isinstance(item, SkippedRecord):
            self.report.skip(item.reason)
            if len(self.skipped_keys) < CACHE_MAX:
                self.skipped_keys[item.key] = item.reason
        elif isinstance(item, VoteRecord):
            self.votes.append(item)
            if len(self.votes) >= BATCH:
                self.flush()
                self._write_votes()
        elif isinstance(item, SiteHint):
            self.articles.add_hint(item)
        elif isinstance(item, QuestionRecord | AnchorRecord | RevisionRecord):
            if isinstance(item, QuestionRecord):
                self.passages.questions.append(item)
            elif isinstance(item, AnchorRecord):
                self.passages.anchors.append(item)
            else:
                self.passages.older.append(item)
            if self.passages.pending >= BATCH:
                self.flush()
                self.passages.write()
        elif isinstance(item, ModerationRecord):
            self.log.pending.append(item)
            if len(self.log.pending) >= BATCH:
                self.flush()
                self.log.write()

    def flush(self) -> None:
        records, self.batch = self.batch, []
        if not records:
            return
        self._trim_cache()
        mapped = self.articles.resolve({r.thread for r in records}, self.run)
        self.identities.resolve([r.author for r in records if r.author], self.run)
        wanted = {r.key for r in records if r.key not in self.cache}
        wanted |= {r.parent for r in records if r.parent and r.parent not in self.cache}
        self._load(wanted, {m.site_id for m in mapped.values()})
        for record in records:
            self._place(record)
        self._write()

    def finish(self) -> None:
        self.flush()
        self._place_orphans()
        self._write()
        self._write_votes()
        self.passages.write()
        self.log.write()
        for indexes in self.indexes:
            indexes.restore()
        self._prune_tombstones()
        write_counts(self.visible_counts, self.reply_counts)
        recount(self.articles.touched - self.articles.created)
        self.articles.close_discussions()

    # --- placing one record --------------------------------------------------------------

    def _place(self, record: CommentRecord) -> None:
        mapped = self.articles.mapped.get(record.thread)
        if mapped is None:
            self.report.skip("its thread is not in the file")
            return
        key = self._key_for(record)
        if key is None:
            return
        parent: Placed | None = None
        if record.parent:
            parent = self.cache.get(record.parent)
            if parent is None:
                reason = self.skipped_keys.get(record.parent)
                if reason is None:
                    self.deferred.setdefault(record.parent, []).append(record)
                    return
                self.report.warn(f"reply to a {reason}: kept as a top-level comment", record.ref)
            elif parent.comment_id is None:
                self.report.warn("reply to a comment not kept: now top-level", record.ref)
                parent = None
            elif parent.article_id != mapped.article_id:
                self.report.warn("reply to a comment on another page: now top-level", record.ref)
                parent = None
        self._insert(record, key, mapped, parent)
        for child in self.deferred.pop(record.key, ()):
            if child.key not in self.cache:
                self._load({child.key}, {mapped.site_id})
            self._place(child)

    def _key_for(self, record: CommentRecord) -> str | None:
        """The provenance key for this record, or None when it is already in Parley."""
        key = record.key
        for _attempt in range(2):
            prior = self.cache.get(key)
            if prior is None:
                if key != record.key:
                    self.report.warn(
                        "id used by two different records: the second imported under a derived id",
                        f"{record.ref} → {key}",
                    )
                return key[:300]
            if prior.fingerprint == record.fingerprint:
                self.report.skip(
                    "duplicate record in the file" if prior.this_run else "already imported"
                )
                return None
            key = f"{record.key}#{record.fingerprint:x}"
            self._load({key}, {self.articles.mapped[record.thread].site_id})
        self.report.skip("id clash that could not be resolved")
        return None

    def _insert(
        self, record: CommentRecord, key: str, mapped: Mapped, parent: Placed | None
    ) -> None:
        comment_id = self.ids.take()
        status = record.status
        if parent is None:
            path, depth, parent_id, root_id = path_segment(comment_id), 0, None, None
        else:
            base = parent.path
            if len(base) // PATH_SEGMENT > MAX_DEPTH:
                base = base[: PATH_SEGMENT * MAX_DEPTH]
                self.report.warn(
                    f"reply deeper than {MAX_DEPTH} levels: attached higher up", record.ref
                )
            path = base + path_segment(comment_id)
            depth = len(base) // PATH_SEGMENT
            parent_id, root_id = int(base[-PATH_SEGMENT:], 36), int(base[:PATH_SEGMENT], 36)
            if parent.status in (SPAM, PENDING) and status == VISIBLE:
                status = PENDING
                self.report.warn("reply to a hidden (spam or held) comment: held too", record.ref)
        body, body_html = (record.body, record.body_html) if status != DELETED else ("", "")
        created = record.created_at or mapped.created_at or self.last_date
        self.last_date = created
        self.comment_rows.add(
            (
                comment_id,
                mapped.article_id,
                self.identities.user_id(record.author),
                self.identities.display(record.author_name),
                parent_id,
                root_id,
                depth,
                path,
                body,
                body_html,
                status,
                self.to_db(created),
                self.to_db(record.edited_at),
                record.upvotes,
                record.downvotes,
                record.score,
                0,
            )
        )
        extra = None
        if record.extra is not None:
            extra = self.extra_field.get_db_prep_save(record.extra, connection)
        self.link_rows.add(
            (mapped.site_id, self.source, key, comment_id, record.fingerprint, self.run_id, extra)
        )
        self.report.outcome(OUTCOME[status])
        if mapped.article_id in self.articles.created:
            if status == VISIBLE:
                self.visible_counts[mapped.article_id] += 1
            if root_id is not None and status in SHOWN:
                self.reply_counts[root_id] += 1
        if record.extra:
            for flag in ("sticky", "feedback_form_id", "closed"):
                if flag in record.extra:
                    self.report.note(_NOTES[flag])
        if status == DELETED:
            self.tombstones.append(comment_id)
        self._remember(
            key, Placed(comment_id, path, status, mapped.article_id, record.fingerprint, True)
        )
        if key != record.key and record.key not in self.cache:
            self._remember(record.key, self.cache[key])
        if len(self.comment_rows.rows) >= BATCH:
            self._write()

    def _remember(self, key: str, placed: Placed) -> None:
        self.cache[key] = placed
        self.seen.add(key)

    def _trim_cache(self) -> None:
        """Forgets the older half of the cache, between batches only (a batch counts on
        what it looked up staying there). Replies mostly answer recent comments; older
        parents are fetched again from the provenance table when needed."""
        if len(self.cache) > CACHE_MAX:
            self.cache = dict(list(self.cache.items())[CACHE_MAX // 2 :])

    def _load(self, keys: set[str], site_ids: set[int]) -> None:
        """Fills the cache with the given keys' provenance rows, where they exist."""
        if not self.known_before:
            keys = {key for key in keys if key in self.seen}
        if not site_ids or not keys:
            return
        for chunk in chunks(sorted(keys)):
            rows = self.lookup.fetch(chunk, [*sorted(site_ids), self.source], len(site_ids))
            for key, cid, fp, run_id, path, status, article_id in rows:
                self.cache[key] = Placed(
                    cid, path or "", status or "", article_id or 0, fp, run_id == self.run.pk
                )

    def _place_orphans(self) -> None:
        while self.deferred:
            waiting = {child.key for children in self.deferred.values() for child in children}
            missing = [key for key in self.deferred if key not in waiting]
            message = "parent not in the file: kept as a top-level comment"
            if not missing:
                missing = [next(iter(self.deferred))]
                message = "replies form a cycle: one kept as a top-level comment"
            for key in missing:
                for child in self.deferred.pop(key, []):
                    self.report.warn(message, child.ref)
                    child.parent = None
                    if child.key not in self.cache:
                        self._load({child.key}, {self.articles.mapped[child.thread].site_id})
                    self._place(child)

    def _write(self) -> None:
        self.comments_written += self.comment_rows.flush()
        self.link_rows.flush()
        for indexes in self.indexes:
            indexes.written(self.comments_written)

    # --- after the last record ------------------------------------------------------------

    def _write_votes(self) -> None:
        votes, self.votes = self.votes, []
        if not votes:
            return
        self.identities.resolve([v.voter for v in votes], self.run)
        site_ids = {m.site_id for m in self.articles.mapped.values()}
        self._load({v.comment for v in votes if v.comment not in self.cache}, site_ids)
        rows = []
        for vote in votes:
            placed = self.cache.get(vote.comment)
            user_id = self.identities.user_id(vote.voter)
            if placed is None or placed.comment_id is None or user_id is None:
                self.report.warn("vote on a comment not in Parley: ignored", vote.comment)
                continue
            if not placed.this_run:
                continue  # its comment came in an earlier import, and its votes with it
            if vote.value not in (-1, 1):
                self.report.warn("vote that is neither +1 nor -1: ignored", vote.comment)
                continue
            at = vote.created_at or timezone.now()
            rows.append(
                Vote(
                    user_id=user_id,
                    comment_id=placed.comment_id,
                    value=vote.value,
                    created_at=at,
                    updated_at=at,
                )
            )
        created = Vote.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
        self.report.votes_imported += len(created)

    def _prune_tombstones(self) -> None:
        """Tombstones exist to hold replies; one without any is dropped, as Parley's own
        delete would, and so is a tombstone that this leaves without replies."""
        candidates = set(self.tombstones)
        while candidates:
            childless: list[int] = []
            for chunk in chunks(sorted(candidates)):
                for pk, root_id in (
                    Comment.objects.filter(id__in=chunk, status=DELETED)
                    .exclude(Exists(Comment.objects.filter(parent_id=OuterRef("pk"))))
                    .values_list("id", "root_id")
                ):
                    childless.append(pk)
                    if root_id in self.reply_counts:
                        self.reply_counts[root_id] -= 1  # a tombstone counts as shown
            if not childless:
                break
            for chunk in chunks(childless):
                ImportedComment.objects.filter(comment_id__in=chunk).update(comment=None)
                Comment.objects.filter(id__in=chunk).delete()
            self.report.outcome("tombstoned", -len(childless))
            self.report.skip("deleted, with no replies to hold", len(childless))
            candidates -= set(childless)


_NOTES = {
    "sticky": "sticky (pinned) comment recorded in its import record: featuring lands later",
    "feedback_form_id": "inline-feedback comment: anchored to its passage (form id kept too)",
    "closed": "comment closed to replies in the source: recorded (Parley closes whole threads)",
}
