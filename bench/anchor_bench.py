"""Re-anchoring figures: 1,000 passages of a 5,000-word article after an editor's edit.

Prints, for several kinds of edit, the time `reanchor_many` takes (median of runs, pure
function) and how the passages came out (attached / changed / orphaned), then the same
edit end to end: an Article.save() that writes the revision and updates the 1,000 anchor
rows in an in-memory SQLite database.

    .venv/bin/python bench/anchor_bench.py
"""

import os
import random
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["DATABASE_URL"] = "sqlite://:memory:"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parley.settings")

import django  # noqa: E402

django.setup()

from parley.articles.body import plain_text  # noqa: E402
from parley.demo.content import ARTICLES  # noqa: E402
from parley.inline.reanchor import Selectors, reanchor_many, selectors_at  # noqa: E402

WORDS = 5000
ANCHORS = 1000
RUNS = 5
rng = random.Random(20261128)


def article_body() -> str:
    """5,000 words of paragraphs built from the demo articles' sentences, each sentence
    given a number so that the text is not one passage repeated."""
    sentences = [
        s
        for data in ARTICLES
        for s in re.split(r"(?<=[.?!])\s+", plain_text(data["body"]))
        if len(s.split()) > 4 and not s.startswith("#")
    ]
    paragraphs, words, n = [], 0, 0
    while words < WORDS:
        paragraph = []
        for _ in range(rng.randint(3, 7)):
            n += 1
            sentence = rng.choice(sentences).replace("\n", " ")
            paragraph.append(f"{sentence[:-1]}, as note {n} says{sentence[-1]}")
            words += len(paragraph[-1].split())
        paragraphs.append(" ".join(paragraph))
    return plain_text("\n\n".join(paragraphs))


def passages(text: str) -> list[Selectors]:
    spans = [m.span() for m in re.finditer(r"\S+", text)]
    out = []
    for _ in range(ANCHORS):
        first = rng.randrange(len(spans) - 30)
        last = first + rng.randint(2, 25)
        out.append(selectors_at(text, spans[first][0], spans[last][1]))
    return out


def insert_paragraph(text: str) -> str:
    return "An editor's note, added at the top after publication.\n\n" + text


def change_words_inside(text: str, anchors: list[Selectors]) -> str:
    """One word replaced in the middle of 100 of the passages."""
    chars = list(text)
    for anchor in sorted(rng.sample(anchors, 100), key=lambda a: -a.start):
        middle = (anchor.start + anchor.end) // 2
        word = re.search(r"\w+", text[middle : anchor.end])
        if word:
            at = middle + word.start()
            chars[at : at + len(word.group())] = list("altered")
    return "".join(chars)


def editors_pass(text: str) -> str:
    """Thirty scattered edits: sentences added and cut, words changed, a paragraph split,
    straight quotes made typographic."""
    paragraphs = text.split("\n\n")
    for _ in range(10):
        i = rng.randrange(len(paragraphs))
        paragraphs[i] = paragraphs[i] + " A sentence the editor added for clarity."
    for _ in range(10):
        i = rng.randrange(len(paragraphs))
        sentences = paragraphs[i].split(". ")
        if len(sentences) > 2:
            del sentences[rng.randrange(len(sentences))]
            paragraphs[i] = ". ".join(sentences)
    for _ in range(9):
        i = rng.randrange(len(paragraphs))
        words = paragraphs[i].split(" ")
        words[rng.randrange(len(words))] = "revised"
        paragraphs[i] = " ".join(words)
    i = rng.randrange(len(paragraphs))
    half = paragraphs[i].find(". ", len(paragraphs[i]) // 2)
    if half > 0:
        paragraphs[i] = paragraphs[i][: half + 1] + "\n\n" + paragraphs[i][half + 2 :]
    return "\n\n".join(paragraphs).replace("'", "\u2019")


def heavy_rewrite(text: str) -> str:
    """A fifth of the paragraphs cut, one word in ten replaced."""
    paragraphs = [p for p in text.split("\n\n") if rng.random() > 0.2]
    words = "\n\n".join(paragraphs).split(" ")
    for i in rng.sample(range(len(words)), len(words) // 10):
        words[i] = "rewritten"
    return " ".join(words)


def timed(old: str, new: str, anchors: list[Selectors]) -> tuple[float, Counter]:
    times, results = [], []
    for _ in range(RUNS):
        began = time.perf_counter()
        results = reanchor_many(old, new, anchors)
        times.append(time.perf_counter() - began)
    return statistics.median(times), Counter(r.state.value for r in results)


def end_to_end(body: str, edited: str, anchors: list[Selectors]) -> tuple[float, Counter]:
    """Article.save() with the edited body: revision, re-anchoring, 1,000 row updates."""
    from django.core.management import call_command

    from parley import factories
    from parley.discussion.models import Comment
    from parley.inline.models import Anchor, ArticleRevision

    call_command("migrate", verbosity=0)
    article = factories.make_article(body=body)
    revision = ArticleRevision.objects.get(article=article)
    assert revision.text == body
    comments = Comment.objects.bulk_create(
        Comment(article=article, body="x", body_html="<p>x</p>", path="") for _ in anchors
    )
    Anchor.objects.bulk_create(
        Anchor(
            comment=c,
            revision=revision,
            made_on=revision,
            exact=a.exact,
            prefix=a.prefix,
            suffix=a.suffix,
            start=a.start,
            end=a.end,
            original_exact=a.exact,
        )
        for c, a in zip(comments, anchors, strict=True)
    )
    article.body = edited
    began = time.perf_counter()
    article.save()
    elapsed = time.perf_counter() - began
    return elapsed, Counter(Anchor.objects.values_list("state", flat=True))


def main() -> None:
    body = article_body()
    anchors = passages(body)
    print(
        f"article: {len(body.split()):,} words, {len(body):,} characters; "
        f"{len(anchors):,} passages of 3-26 words; median of {RUNS} runs"
    )
    edits = {
        "paragraph inserted at the top": insert_paragraph(body),
        "a word changed inside 100 passages": change_words_inside(body, anchors),
        "editor's pass (30 scattered edits)": editors_pass(body),
        "heavy rewrite (20% cut, 10% words)": heavy_rewrite(body),
    }
    print(f"{'edit':<38} {'time':>9}  attached  changed  orphaned")
    for name, edited in edits.items():
        seconds, states = timed(body, edited, anchors)
        print(
            f"{name:<38} {seconds * 1000:>6.1f} ms  {states['attached']:>8}  "
            f"{states['changed']:>7}  {states['orphaned']:>8}"
        )
    seconds, states = end_to_end(body, edits["editor's pass (30 scattered edits)"], anchors)
    print(
        f"{'end to end: Article.save(), SQLite':<38} {seconds * 1000:>6.1f} ms  "
        f"{states['attached']:>8}  {states['changed']:>7}  {states['orphaned']:>8}"
    )


if __name__ == "__main__":
    main()
