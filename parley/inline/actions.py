"""Writes of the inline app. Like the discussion's `do_*` actions they trust their
arguments: access.py checked them (importers and tests may call them directly)."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, models, transaction
from django.utils import timezone

from parley.articles.body import plain_text
from parley.articles.models import Article
from parley.discussion.models import Comment
from parley.errors import InvalidInput
from parley.inline.models import (
    Anchor,
    AnchorState,
    ArticleRevision,
    Passage,
    PassageQuestion,
    TextSource,
)
from parley.inline.reanchor import Selectors, reanchor_many, selectors_at
from parley.inline.texts import article_text, current_revision

REANCHORED_FIELDS = ["revision_id", "exact", "prefix", "suffix", "start", "end", "state"]


@dataclass(frozen=True)
class AnchorData:
    """A checked passage of the text `text` (the article's plain text when checked)."""

    start: int
    end: int
    text: str
    question: PassageQuestion | None = None

    @property
    def selectors(self) -> Selectors:
        return selectors_at(self.text, self.start, self.end)


@transaction.atomic
def do_record_revision(
    *, article: Article, created_at: datetime | None = None
) -> ArticleRevision | None:
    """Writes a revision when the article's plain text differs from the latest one, then
    re-anchors every passage of the article on it. Returns the new revision, or None when
    the text is unchanged. The article row is locked so that two saves number their
    revisions one after the other. An article without a body whose text came from its
    host page (an embedded article) keeps that text: saving it writes nothing."""
    list(Article.objects.select_for_update().filter(pk=article.pk).values_list("pk"))
    text = plain_text(article.body)
    latest = current_revision(article)
    if latest is not None and not text and latest.source == TextSource.HOST:
        return None
    return _new_revision(article, latest, text, TextSource.BODY, created_at)


def _new_revision(
    article: Article,
    latest: ArticleRevision | None,
    text: str,
    source: TextSource,
    created_at: datetime | None = None,
) -> ArticleRevision | None:
    """Caller holds the article's row lock."""
    if latest is not None and latest.text == text:
        return None
    revision = ArticleRevision.objects.create(
        article=article,
        number=(latest.number + 1) if latest else 1,
        text=text,
        source=source,
        created_at=created_at or timezone.now(),
    )
    if latest is not None:
        do_reanchor_article(article=article, revision=revision)
    return revision


@transaction.atomic
def do_record_host_text(*, article: Article, text: str) -> ArticleRevision | None:
    """The host page of an embedded article sent its text (checked by
    access.check_host_text): a new revision when it differs from the latest, and every
    passage re-anchored on it, as for an editor's save. None when unchanged."""
    list(Article.objects.select_for_update().filter(pk=article.pk).values_list("pk"))
    return _new_revision(article, current_revision(article), text, TextSource.HOST)


def ensure_revision(article: Article) -> ArticleRevision:
    """The revision holding the article's current text (written if the article predates
    the inline app or was changed without a save signal)."""
    latest = current_revision(article)
    if latest is not None and latest.text == article_text(article, latest):
        return latest
    recorded = do_record_revision(article=article)
    assert recorded is not None
    return recorded


def _reanchor_rows(
    rows: Sequence[Passage], revision: ArticleRevision, texts: dict[int, str]
) -> list[Passage]:
    """Moves each row's selectors onto `revision`, grouped by the revision they were valid
    against (one text alignment per group; `texts` maps those revisions to their text).
    Orphans keep their last good selectors and revision, so a later revision that restores
    the passage finds it again. Returns the rows that changed."""
    groups: dict[int, list[Passage]] = defaultdict(list)
    for row in rows:
        groups[row.revision_id].append(row)
    changed: list[Passage] = []
    for revision_id, members in groups.items():
        results = reanchor_many(
            texts[revision_id],
            revision.text,
            [
                Selectors(r.exact, r.prefix, r.suffix, r.start, r.end, r.original_exact)
                for r in members
            ],
        )
        for row, result in zip(members, results, strict=True):
            if result.selectors is None:
                if row.state != AnchorState.ORPHANED:
                    row.state = AnchorState.ORPHANED
                    changed.append(row)
                continue
            found = result.selectors
            row.revision_id = revision.pk
            row.exact, row.prefix, row.suffix = found.exact, found.prefix, found.suffix
            row.start, row.end = found.start, found.end
            row.state = AnchorState(result.state.value)
            changed.append(row)
    return changed


def _write_selectors(model: type[Passage], rows: list[Passage]) -> None:
    """One UPDATE per row, sent as one executemany (a single round trip on PostgreSQL's
    pipeline, a C loop on SQLite). bulk_update's CASE expressions cost seconds in Python
    for a thousand rows."""
    if not rows:
        return
    quote = connection.ops.quote_name
    columns = []
    for name in REANCHORED_FIELDS:
        field = model._meta.get_field(name)
        assert isinstance(field, models.Field) and field.column
        columns.append(field.column)
    assignments = ", ".join(f"{quote(column)} = %s" for column in columns)
    sql = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {quote('id')} = %s"  # noqa: S608 - names from the model's meta, values as parameters
    with connection.cursor() as cursor:
        cursor.executemany(
            sql, [[getattr(row, name) for name in REANCHORED_FIELDS] + [row.pk] for row in rows]
        )


def do_reanchor_article(*, article: Article, revision: ArticleRevision) -> None:
    """Re-anchors every anchor and question of the article on `revision`: four reads
    (anchors, questions, the texts their selectors are valid against) and one batched
    write per kind, whatever the number of anchors."""
    anchors = list(Anchor.objects.filter(comment__article=article).exclude(revision=revision))
    questions = list(PassageQuestion.objects.filter(article=article).exclude(revision=revision))
    revision_ids = {row.revision_id for row in [*anchors, *questions]}
    texts = dict(ArticleRevision.objects.filter(pk__in=revision_ids).values_list("pk", "text"))
    _write_selectors(Anchor, _reanchor_rows(anchors, revision, texts))
    _write_selectors(PassageQuestion, _reanchor_rows(questions, revision, texts))


def passage_fields(data: AnchorData, revision: ArticleRevision) -> dict:
    """The selector fields of a new anchor or question on `revision`."""
    if revision.text != data.text:
        raise InvalidInput(
            "The article changed while you were writing. Reload it and select the passage "
            "again; your text is kept below.",
            code="article_changed",
        )
    found = data.selectors
    return {
        "revision": revision,
        "made_on": revision,
        "exact": found.exact,
        "prefix": found.prefix,
        "suffix": found.suffix,
        "start": found.start,
        "end": found.end,
        "original_exact": found.exact,
        "state": AnchorState.ATTACHED,
    }


@transaction.atomic
def attach_anchor(comment: Comment, anchor_data: AnchorData) -> Anchor:
    """Anchors a just-posted comment to a checked passage (or to the editor's question
    whose passage it answers). Call it in the transaction that posted the comment."""
    article = comment.article
    revision = ensure_revision(article)
    question = anchor_data.question
    if question is not None:
        fields = {
            name: getattr(question, name)
            for name in ("revision", "exact", "prefix", "suffix", "start", "end", "state")
        }
        fields |= {"made_on": revision, "original_exact": question.exact}
    else:
        fields = passage_fields(anchor_data, revision)
    return Anchor.objects.create(comment=comment, question=question, **fields)


@transaction.atomic
def do_save_question(
    *, question: PassageQuestion, start: int, end: int, text: str
) -> PassageQuestion:
    """Saves an editor's question on text[start:end] of the article's current text (a new
    question, or one moved to another passage)."""
    revision = ensure_revision(question.article)
    for name, value in passage_fields(
        AnchorData(start=start, end=end, text=text), revision
    ).items():
        setattr(question, name, value)
    question.save()
    return question


def do_add_question(
    *, article: Article, start: int, end: int, question: str, created_at: datetime | None = None
) -> PassageQuestion:
    row = PassageQuestion(
        article=article, question=question, created_at=created_at or timezone.now()
    )
    return do_save_question(question=row, start=start, end=end, text=article_text(article))
