"""Moderation figures: a desk queue of 10,000 pending comments, the civility model, and the
word matcher. Printed as figures, compared in one run, never pass/fail.

- Queue: render time (median of runs) and query count of the first pending page and of a
  page deep in the queue (keyset `after`), with 10,000 pending comments from 500
  commenters among 20,000 visible ones, next to the same pages with 100 pending.
- Civility: alt-profanity-check's size on disk (package and model files), load time,
  and time per comment (median over real-length comments).
- Words: time to match a 2,000-character comment against 500-entry lists.

    .venv/bin/python bench/moderation_bench.py          # SQLite file in a temp dir
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/parley_bench .venv/bin/python ...
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
_tmp = tempfile.mkdtemp(prefix="parley-modbench-")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{_tmp}/bench.sqlite3")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parley.settings")
os.environ.setdefault("PARLEY_PAGE_CACHE", "0")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from parley import factories  # noqa: E402
from parley.accounts.models import Subscription, User  # noqa: E402
from parley.discussion.models import Comment, CommentStatus, path_segment  # noqa: E402
from parley.moderation.models import Hold, HoldRule  # noqa: E402
from parley.moderation.words import compile_list  # noqa: E402

RUNS = 7
PENDING = 10_000
VISIBLE = 20_000
COMMENTERS = 500


def bulk(article, users, count: int, status: str, start: int) -> list[Comment]:
    rows = Comment.objects.bulk_create(
        [
            Comment(
                article=article,
                author=users[(start + i) % len(users)],
                body=f"Comment {start + i} about the budget and the buses.",
                body_html=f"<p>Comment {start + i} about the budget and the buses.</p>",
                status=status,
            )
            for i in range(count)
        ],
        batch_size=1000,
    )
    for row in rows:
        row.path = path_segment(row.pk)
    Comment.objects.bulk_update(rows, ["path"], batch_size=1000)
    return rows


def setup(pending: int):
    site = factories.make_site()
    article = factories.make_article(site)
    moderator = factories.make_moderator(site, f"mod-{site.pk}")
    users = User.objects.bulk_create(
        [User(username=f"c{site.pk}-{i}", display_name=f"Reader {i}") for i in range(COMMENTERS)]
    )
    Subscription.objects.bulk_create([Subscription(user=u, site=site) for u in users])
    bulk(article, users, VISIBLE if pending > 1000 else 200, CommentStatus.VISIBLE, 0)
    held = bulk(article, users, pending, CommentStatus.PENDING, VISIBLE)
    Hold.objects.bulk_create(
        [Hold(comment=c, site=site, rule=HoldRule.FIRST_COMMENTS) for c in held],
        batch_size=1000,
    )
    return moderator, held


def measure(client: Client, url: str) -> tuple[float, int]:
    client.get(url)  # warm
    times = []
    queries = 0
    for _ in range(RUNS):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
        queries = len(captured)
    return statistics.median(times) * 1000, queries


def queue_figures() -> None:
    print(f"database: {connection.vendor}")
    for pending in (100, PENDING):
        moderator, held = setup(pending)
        client = Client()
        client.force_login(moderator)
        site = f"?site={held[0].article.site_id}"
        first = measure(client, f"/moderation/queue/pending/{site}")
        deep = measure(client, f"/moderation/queue/pending/{site}&after={held[len(held) // 2].pk}")
        rules = measure(client, f"/moderation/queue/rules/{site}")
        print(
            f"queue of {pending:>6,} pending: first page {first[0]:6.1f} ms, {first[1]} queries; "
            f"page in the middle {deep[0]:6.1f} ms, {deep[1]} queries; "
            f"'held by rules' tab {rules[0]:6.1f} ms, {rules[1]} queries"
        )


def civility_figures() -> None:
    started = time.perf_counter()
    import profanity_check  # loads the model (and scikit-learn) on import

    from parley.moderation.civility import ProfanityCheckScorer

    scorer = ProfanityCheckScorer()
    scorer.score("warm up")
    load = time.perf_counter() - started
    package = Path(profanity_check.__file__).parent
    size = sum(p.stat().st_size for p in package.rglob("*") if p.is_file())
    model = sum(p.stat().st_size for p in (package / "data").glob("*.joblib"))
    samples = [c.body for c in Comment.objects.filter(status="visible")[:1]] or ["x"]
    texts = [
        "The author is right that the bus has to come first. But every scheme I have seen "
        "promises a bus every ten minutes and delivers one every forty once the ribbon has "
        "been cut. " * 2,
        "You are wrong and you know it. Pick a better example or admit this one does not hold.",
        "You are a delusional idiot and everyone here knows it.",
        samples[0],
    ]
    times = []
    for _ in range(50):
        for text in texts:
            started = time.perf_counter()
            scorer.score(text)
            times.append(time.perf_counter() - started)
    print(
        f"civility model (alt-profanity-check): package {size / 1e6:.2f} MB on disk "
        f"(model files {model / 1e6:.2f} MB; needs scikit-learn, scipy, numpy); "
        f"load {load:.2f} s; per comment median {statistics.median(times) * 1000:.2f} ms, "
        f"p95 {sorted(times)[int(len(times) * 0.95)] * 1000:.2f} ms"
    )


def word_figures() -> None:
    entries = "\n".join(f"word{i}" for i in range(495)) + "\npiss\nshit*\ngo die\nfuck*\nass"
    wordlist = compile_list(entries)
    text = ("A reasonably long comment about p1ss poor buses in Scunthorpe, " * 40)[:2000]
    times = []
    for _ in range(200):
        started = time.perf_counter()
        wordlist.find(text)
        times.append(time.perf_counter() - started)
    median = statistics.median(times) * 1000
    print(f"word lists (500 entries), 2,000-character comment: {median:.2f} ms")


def main() -> None:
    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0)
    queue_figures()
    civility_figures()
    word_figures()


if __name__ == "__main__":
    main()
