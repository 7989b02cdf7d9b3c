"""Inline passages of an import: editors' questions and anchored comments.

Each passage is placed on the article's current revision (`inline.actions.ensure_revision`
writes one when the article has none yet, as for an article made by this import). When
the quote is at the given offsets of that text the passage is kept as it was, state
included, so a Parley export imported into an empty database has the same anchors. When it
is not (the article's text differs from the exporting site's), the passage is looked for by
its quote and context (`inline.reanchor`, as an editor's change would do); not found, it is
kept orphaned with its selectors, as Parley keeps its own orphans. Passages already marked
orphaned stay orphaned, on the older text their selectors refer to when the file has it
and the article is one this import made (that text is written as an earlier revision).

Questions are keyed in `ImportedRecord`, anchors by their comment (one each): a second
import of the same file adds neither. Anchors come only with comments written by this
import, as votes do.
"""

from typing import TYPE_CHECKING, Any

from parley.articles.models import Article
from parley.importers.bulk import chunks
from parley.importers.models import ImportedRecord
from parley.importers.records import (
    AnchorRecord,
    PassageRecord,
    QuestionRecord,
    RevisionRecord,
)
from parley.inline.actions import ensure_revision
from parley.inline.models import Anchor, AnchorState, ArticleRevision, PassageQuestion
from parley.inline.reanchor import CONTEXT_CHARS, Selectors, reanchor

if TYPE_CHECKING:
    from parley.importers.writer import Writer

QUESTION = "question"


class PassageWriter:
    def __init__(self, writer: "Writer") -> None:
        self.writer = writer
        self.questions: list[QuestionRecord] = []
        self.anchors: list[AnchorRecord] = []
        self.older: list[RevisionRecord] = []
        self.question_ids: dict[str, int] = {}
        self.revisions: dict[int, ArticleRevision] = {}
        self.older_revisions: dict[str, ArticleRevision] = {}
        self._numbers: dict[int, int | None] = {}

    @property
    def pending(self) -> int:
        return len(self.questions) + len(self.anchors) + len(self.older)

    def write(self) -> None:
        """Writes the older texts, the questions, then the anchors read so far (their
        comments are written: the caller flushed them)."""
        older, self.older = self.older, []
        questions, self.questions = self.questions, []
        anchors, self.anchors = self.anchors, []
        if older:
            self._write_older(older)
        if questions:
            self._write_questions(questions)
        if anchors:
            self._write_anchors(anchors)

    # --- older texts ----------------------------------------------------------------------

    def _write_older(self, records: list[RevisionRecord]) -> None:
        """Older texts that orphans refer to, with their numbers, before the current text
        (which ensure_revision then numbers after them). Only for an article this import
        made (one without revisions yet): an article already in Parley has its own
        history, and its orphans are recorded against its text."""
        for record in records:
            mapped = self.writer.articles.mapped.get(record.thread)
            if mapped is None:
                continue
            article_id = mapped.article_id
            if article_id not in self._numbers:
                fresh = article_id not in self.revisions and not (
                    ArticleRevision.objects.filter(article_id=article_id).exists()
                )
                self._numbers[article_id] = 0 if fresh else None
            number = self._numbers[article_id]
            if number is None or article_id in self.revisions:
                continue
            number = record.number if record.number > number else number + 1  # as numbered
            self._numbers[article_id] = number
            self.older_revisions[record.key] = ArticleRevision.objects.create(
                article_id=article_id,
                number=number,
                text=record.text,
                created_at=record.created_at or self.writer.last_date,
            )

    # --- questions ------------------------------------------------------------------------

    def _write_questions(self, records: list[QuestionRecord]) -> None:
        w = self.writer
        placed: list[tuple[QuestionRecord, int]] = []
        for record in records:
            mapped = w.articles.mapped.get(record.thread)
            if mapped is None:
                w.report.warn("question on an article without comments: not imported", record.key)
                continue
            placed.append((record, mapped.site_id))
        self._known_questions({r.key for r, _ in placed}, {s for _, s in placed})
        rows: list[PassageQuestion] = []
        keys: list[tuple[str, int]] = []
        for record, site_id in placed:
            if record.key in self.question_ids or record.key in {k for k, _ in keys}:
                w.report.warn("question already imported or twice in the file", record.key)
                continue
            article_id = w.articles.mapped[record.thread].article_id
            fields = self._fields(record.passage, article_id, f"question {record.key}")
            rows.append(
                PassageQuestion(
                    article_id=article_id,
                    question=record.question[:300] or "?",
                    created_at=record.created_at or w.last_date,
                    **fields,
                )
            )
            keys.append((record.key, site_id))
        PassageQuestion.objects.bulk_create(rows, batch_size=500)
        links = []
        for row, (key, site_id) in zip(rows, keys, strict=True):
            self.question_ids[key] = row.pk
            links.append(
                ImportedRecord(
                    site_id=site_id,
                    source=w.source,
                    kind=QUESTION,
                    source_id=key[:300],
                    object_id=row.pk,
                    run=w.run,
                )
            )
        ImportedRecord.objects.bulk_create(links, batch_size=500)
        w.report.questions_imported += len(rows)

    def _known_questions(self, keys: set[str], site_ids: set[int]) -> None:
        """Questions an earlier import made (by their provenance rows)."""
        keys -= set(self.question_ids)
        site_ids = site_ids or {m.site_id for m in self.writer.articles.mapped.values()}
        for chunk in chunks(sorted(keys)):
            rows = ImportedRecord.objects.filter(
                site_id__in=site_ids,
                source=self.writer.source,
                kind=QUESTION,
                source_id__in=chunk,
                object_id__isnull=False,
            ).values_list("source_id", "object_id")
            self.question_ids.update((key, pk) for key, pk in rows if pk is not None)

    # --- anchors --------------------------------------------------------------------------

    def _write_anchors(self, records: list[AnchorRecord]) -> None:
        w = self.writer
        site_ids = {m.site_id for m in w.articles.mapped.values()}
        w._load({r.comment for r in records if r.comment not in w.cache}, site_ids)
        self._known_questions({r.question for r in records if r.question}, set())
        rows: list[Anchor] = []
        seen: set[int] = set()
        for record in records:
            ref = f"anchor of comment {record.comment}"
            placed = w.cache.get(record.comment)
            if placed is None or placed.comment_id is None:
                w.report.warn("anchor on a comment not in Parley: ignored", ref)
                continue
            if not placed.this_run or placed.comment_id in seen:
                continue  # its comment came in an earlier import, and its anchor with it
            seen.add(placed.comment_id)
            question_id = self.question_ids.get(record.question) if record.question else None
            if record.question and question_id is None:
                w.report.warn("answer to a question not in Parley: kept as a plain anchor", ref)
            fields = self._fields(record.passage, placed.article_id, ref)
            rows.append(Anchor(comment_id=placed.comment_id, question_id=question_id, **fields))
        Anchor.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
        w.report.anchors_imported += len(rows)

    # --- placing a passage ----------------------------------------------------------------

    def _revision(self, article_id: int) -> ArticleRevision:
        revision = self.revisions.get(article_id)
        if revision is None:
            if len(self.revisions) > 10_000:
                self.revisions.clear()
            article = Article.objects.get(pk=article_id)
            revision = self.revisions[article_id] = ensure_revision(article)
        return revision

    def _fields(self, passage: PassageRecord, article_id: int, ref: str) -> dict[str, Any]:
        older = self.older_revisions.get(passage.revision or "")
        if (
            older is not None
            and older.article_id == article_id
            and passage.state == AnchorState.ORPHANED
        ):
            revision = older  # an orphan, with the text its selectors are valid against
            self._revision(article_id)  # the current text comes after it
        else:
            revision = self._revision(article_id)
        text = revision.text
        exact, start, end = passage.exact, passage.start, passage.end
        state = passage.state
        original = passage.original_exact or exact
        prefix, suffix = passage.prefix[-CONTEXT_CHARS:], passage.suffix[:CONTEXT_CHARS]
        at_offsets = start is not None and end is not None and text[start:end] == exact
        if state != AnchorState.ORPHANED and not at_offsets:
            result = reanchor(
                text,
                text,
                Selectors(exact, prefix, suffix, start or 0, end or 0, original),
            )
            found = result.selectors
            if found is None:
                self.writer.report.warn("passage not in the article's text: kept orphaned", ref)
                state = AnchorState.ORPHANED
            else:
                self.writer.report.warn("passage found again by its quote", ref)
                exact, prefix, suffix = found.exact, found.prefix, found.suffix
                start, end = found.start, found.end
                state = AnchorState(result.state.value)
        if start is None or end is None:
            start, end = 0, max(len(exact), 1)
        return {
            "revision": revision,
            "made_on": revision,
            "exact": exact,
            "prefix": prefix,
            "suffix": suffix,
            "start": start,
            "end": end,
            "original_exact": original,
            "state": state,
        }
