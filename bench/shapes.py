"""The benchmark's data, described once and written twice: into Parley's database
(bench/parley_data.py) and into Isso's (bench/isso_side.py), so both serve the same
discussions.

A discussion is a list of `Shaped` comments in posting order. About 30 % are replies to a
recent comment (so threads form the way they do under a live article); the rest start
threads. Scores are skewed so that Most Voted differs from Oldest and Newest. Everything
comes from a seeded generator: two runs produce the same data.
"""

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

HOT = 1_000  # the hot article
HUGE = 20_000  # the huge one
FLAT = 100_000  # the flat-cost check (Parley only: see docs/performance.md)
SMALL_ARTICLES = 10_000
SMALL = 20  # comments on each of the small articles
REPLY_SHARE = 0.30
MAX_DEPTH = 6
START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)

WORDS = [
    "the",
    "argument",
    "holds",
    "only",
    "if",
    "the",
    "figures",
    "are",
    "right",
    "and",
    "I",
    "doubt",
    "they",
    "are",
    "because",
    "the",
    "survey",
    "asked",
    "the",
    "wrong",
    "people",
    "at",
    "the",
    "wrong",
    "time",
    "of",
    "year",
    "which",
    "the",
    "piece",
    "admits",
    "in",
    "its",
    "third",
    "paragraph",
    "but",
    "then",
    "forgets",
    "entirely",
    "when",
    "it",
    "reaches",
    "its",
    "conclusion",
    "about",
    "rents",
    "wages",
    "councils",
    "schools",
    "trains",
    "and",
    "the",
    "long",
    "slow",
    "decline",
    "of",
    "the",
    "high",
    "street",
]


@dataclass(frozen=True, slots=True)
class Shaped:
    """One comment: `parent` and `root` are indexes into the same discussion (None for
    a thread's first comment)."""

    index: int
    number: int  # the comment's number in its own generator: its text and author follow it
    parent: int | None
    root: int | None
    depth: int
    seconds: int  # after START
    upvotes: int
    downvotes: int
    author: int  # which of the generated readers wrote it
    words: int


@dataclass(frozen=True, slots=True)
class ArticleSpec:
    slug: str
    title: str
    comments: int
    seed: int
    isso: bool = True  # also written into Isso's database


def articles(*, small_articles: int = SMALL_ARTICLES, flat: int = FLAT) -> list[ArticleSpec]:
    specs = [
        ArticleSpec("hot-1k", "The hot article", HOT, 1),
        ArticleSpec("huge-20k", "The huge discussion", HUGE, 2),
        ArticleSpec("post-target", "Where the posting benchmark writes", 0, 3),
    ]
    if flat:
        specs.append(ArticleSpec("flat-100k", "The flat-cost check", flat, 4, isso=False))
    specs += [
        ArticleSpec(f"a-{n:05d}", f"Article number {n}", SMALL, 1000 + n)
        for n in range(small_articles)
    ]
    return specs


def discussion(spec: ArticleSpec, *, readers: int) -> list[Shaped]:
    rng = random.Random(spec.seed)
    rows: list[Shaped] = []
    popular_rows: list[Shaped] = []  # well-voted comments draw half of the replies
    for i in range(spec.comments):
        parent = None
        if rows and rng.random() < REPLY_SHARE:
            if popular_rows and rng.random() < 0.5:
                candidate = rng.choice(popular_rows[-50:])
            else:
                candidate = rows[rng.randrange(max(0, i - 60), i)]
            if candidate.depth < MAX_DEPTH:
                parent = candidate
        popular = rng.random() < 0.05
        rows.append(
            Shaped(
                index=i,
                number=i,
                parent=parent.index if parent else None,
                root=(parent.root if parent.root is not None else parent.index) if parent else None,
                depth=parent.depth + 1 if parent else 0,
                seconds=i * 7 + rng.randrange(7),
                upvotes=rng.randrange(40, 200) if popular else rng.randrange(0, 12),
                downvotes=rng.randrange(0, 6),
                author=rng.randrange(readers),
                words=rng.randrange(12, 70),
            )
        )
        if popular:
            popular_rows.append(rows[-1])
    return rows


def flat_discussion(spec: ArticleSpec, *, readers: int) -> list[Shaped]:
    """The flat-cost check's discussion: the hot article's own 1,000 comments, with the rest
    of `spec.comments` posted quietly between its first hundred and the others (scores of
    0 or 1, replies only among themselves). In id order, as the list runs. Its first page
    in every sort is the hot article's, comment for comment, so the two pages differ only
    in the size of the discussion around them."""
    core = discussion(articles(small_articles=0, flat=0)[0], readers=readers)
    quiet = discussion(
        ArticleSpec("quiet", "", spec.comments - len(core), spec.seed), readers=readers
    )
    split = 100
    order = [("core", r) for r in core[:split]] + [("quiet", r) for r in quiet]
    order += [("core", r) for r in core[split:]]
    place = {(group, r.index): n for n, (group, r) in enumerate(order)}
    return [
        Shaped(
            index=n,
            number=r.number,
            parent=place[(group, r.parent)] if r.parent is not None else None,
            root=place[(group, r.root)] if r.root is not None else None,
            depth=r.depth,
            seconds=r.seconds if group == "core" else core[split - 1].seconds,
            upvotes=r.upvotes if group == "core" else min(r.upvotes, 1),
            downvotes=r.downvotes if group == "core" else 0,
            author=r.author,
            words=r.words,
        )
        for n, (group, r) in enumerate(order)
    ]


def text_of(row: Shaped) -> str:
    start = (row.number * 7) % len(WORDS)
    words = [WORDS[(start + k) % len(WORDS)] for k in range(row.words)]
    return f"Comment {row.number}: " + " ".join(words).capitalize() + "."


def created_at(row: Shaped) -> datetime:
    return START + timedelta(seconds=row.seconds)


ARTICLE_BODY = "\n\n".join(
    [
        "The council met on Tuesday to decide what to do about the high street.",
        "> Nobody in the room could say what the survey had actually asked.",
        " ".join(WORDS * 3),
        "## What happens next",
        " ".join(reversed(WORDS * 2)),
    ]
)
