"""Reads of passages. Each function costs a fixed number of queries, whatever the number
of anchors, comments or questions."""

from dataclasses import dataclass, field

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

from parley.articles.models import Article
from parley.discussion.models import SHOWN_STATUSES, Comment, CommentStatus
from parley.discussion.selectors import parse_sort
from parley.inline.access import quote_visible
from parley.inline.models import PLACED_STATES, Anchor, AnchorState, PassageQuestion

SORT_FIELDS = {"top": ("-score", "id"), "new": ("-id",), "old": ("id",)}
MAX_ANCHORED_THREADS = 500


def passage_key(*, start: int, end: int, question_id: int | None = None) -> str:
    """The stable name of a highlighted passage: `q<id>` for a question, else `p<start>-<end>`."""
    return f"q{question_id}" if question_id else f"p{start}-{end}"


def highlighted_passages(*, article: Article, limit: int | None) -> list[dict]:
    """The passages to highlight in the article, in text order: visible anchored comments
    grouped by passage, and editors' questions with their answer counts. Two queries."""
    rows = (
        Anchor.objects.filter(
            comment__article=article,
            comment__parent__isnull=True,
            comment__status=CommentStatus.VISIBLE,
            question__isnull=True,
            state__in=PLACED_STATES,
        )
        .order_by("start", "end", "comment_id")
        .values_list("start", "end", "exact", "prefix", "suffix", "state")
    )
    groups: dict[str, dict] = {}
    for start, end, exact, prefix, suffix, state in rows:
        if not quote_visible(end, limit):
            continue
        key = passage_key(start=start, end=end)
        group = groups.setdefault(
            key,
            {
                "key": key,
                "kind": "comments",
                "start": start,
                "end": end,
                "exact": exact,
                "prefix": prefix,
                "suffix": suffix,
                "changed": False,
                "count": 0,
                "question": "",
            },
        )
        group["count"] += 1
        group["changed"] = group["changed"] or state == AnchorState.CHANGED
    questions = PassageQuestion.objects.filter(article=article, state__in=PLACED_STATES).annotate(
        answer_count=Count("answers", filter=Q(answers__comment__status=CommentStatus.VISIBLE))
    )
    for question in questions:
        if not quote_visible(question.end, limit):
            continue
        key = passage_key(start=question.start, end=question.end, question_id=question.pk)
        groups[key] = {
            "key": key,
            "kind": "question",
            "start": question.start,
            "end": question.end,
            "exact": question.exact,
            "prefix": question.prefix,
            "suffix": question.suffix,
            "changed": question.has_changed,
            "count": question.answer_count,
            "question": question.question,
        }
    return sorted(groups.values(), key=lambda g: (g["start"], -g["end"], g["key"]))


@dataclass
class PassageGroup:
    """Comments on one passage (or answers to one question), in the chosen sort."""

    key: str
    start: int
    end: int
    quote: str | None  # None when the viewer may not read that part of the article
    original: str
    state: str
    question: PassageQuestion | None = None
    roots: list[Comment] = field(default_factory=list)

    @property
    def is_orphaned(self) -> bool:
        return self.state == AnchorState.ORPHANED

    @property
    def has_changed(self) -> bool:
        return self.state == AnchorState.CHANGED


@dataclass
class InlineFeedback:
    placed: list[PassageGroup]
    orphaned: list[PassageGroup]
    sort: str

    @property
    def roots(self) -> list[Comment]:
        return [root for group in self.placed + self.orphaned for root in group.roots]


def _key_filter(keys: list[str]) -> Q:
    condition = Q(pk__in=[])
    for key in keys:
        try:
            if key.startswith("q"):
                condition |= Q(anchor__question_id=int(key[1:]))
            elif key.startswith("p"):
                start, end = (int(n) for n in key[1:].split("-", 1))
                condition |= Q(
                    anchor__start=start,
                    anchor__end=end,
                    anchor__question__isnull=True,
                    anchor__state__in=PLACED_STATES,
                )
        except ValueError:
            continue
    return condition


def _anchored_roots(*, article: Article, sort: str, keys: list[str] | None) -> QuerySet[Comment]:
    roots = Comment.objects.filter(
        article=article, parent__isnull=True, status__in=SHOWN_STATUSES, anchor__isnull=False
    )
    if keys is not None:
        roots = roots.filter(_key_filter(keys))
    return (
        roots.select_related("author", "anchor__question")
        .annotate(
            orphan=Case(
                When(anchor__state=AnchorState.ORPHANED, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .order_by("orphan", "anchor__start", "anchor__end", *SORT_FIELDS[sort])
    )


def inline_feedback(
    *, article: Article, sort: str, limit: int | None, keys: list[str] | None = None
) -> InlineFeedback:
    """The anchored threads of an article grouped by passage: placed passages in text order
    (comments within one passage in the chosen sort), then orphans with their original
    quote. Editors' questions appear even before anyone answers them. Two queries; `keys`
    restricts the result to some passages (`p<start>-<end>`, `q<id>`)."""
    sort = parse_sort(sort)
    groups: dict[str, PassageGroup] = {}
    questions = PassageQuestion.objects.filter(article=article).order_by("start", "pk")
    if keys is not None:
        questions = questions.filter(
            pk__in=[int(k[1:]) for k in keys if k.startswith("q") and k[1:].isdigit()]
        )
    for question in questions:
        key = passage_key(start=question.start, end=question.end, question_id=question.pk)
        groups[key] = _group(key, question, limit, question=question)
    for root in _anchored_roots(article=article, sort=sort, keys=keys)[:MAX_ANCHORED_THREADS]:
        anchor = root.anchor
        if anchor.question_id:
            key = passage_key(start=0, end=0, question_id=anchor.question_id)
        elif anchor.is_orphaned:
            key = f"o{anchor.pk}"
        else:
            key = passage_key(start=anchor.start, end=anchor.end)
        if key not in groups:
            groups[key] = _group(key, anchor, limit)
        groups[key].roots.append(root)
    placed = sorted(
        (g for g in groups.values() if not g.is_orphaned), key=lambda g: (g.start, -g.end, g.key)
    )
    orphaned = [g for g in groups.values() if g.is_orphaned]
    orphaned.sort(key=lambda g: g.start)
    return InlineFeedback(placed=placed, orphaned=orphaned, sort=sort)


def _group(key: str, passage: Anchor | PassageQuestion, limit: int | None, **extra) -> PassageGroup:
    return PassageGroup(
        key=key,
        start=passage.start,
        end=passage.end,
        quote=passage.exact if quote_visible(passage.end, limit) else None,
        original=passage.original_exact if quote_visible(passage.end, limit) else "",
        state=passage.state,
        **extra,
    )


def exported_passages(*, article: Article) -> tuple[list[Anchor], list[PassageQuestion]]:
    """Anchors of the article's visible comments (with comment, author and revision) and
    its questions (with revision), for the Web Annotation export. Two queries."""
    anchors = list(
        Anchor.objects.filter(comment__article=article, comment__status=CommentStatus.VISIBLE)
        .select_related("comment__author", "revision")
        .order_by("start", "comment_id")
    )
    questions = list(
        PassageQuestion.objects.filter(article=article)
        .select_related("revision")
        .order_by("start", "pk")
    )
    return anchors, questions
