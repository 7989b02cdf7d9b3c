"""Writes the benchmark's discussions (bench/shapes.py) into Parley's database, fast.

    DATABASE_URL=sqlite:///bench/.work/x.sqlite3 .venv/bin/python bench/parley_data.py \
        --fingerprint abc --out state.json

Comments are written with bulk_create and ids chosen here, so each row's materialised
path (parley.discussion.models.path_segment) is known before the insert: one pass, no
UPDATE of paths. Counters (`thread_replies`, `comment_count`) are computed while building
the rows, as the actions would have kept them. A database already holding the data of the
same fingerprint (the site's tagline records it) is reused; only the posters' sessions are
new each run.

Prints nothing but progress on stderr; the state (article slugs and ids, the posters'
sessions and CSRF token) goes to --out as JSON.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parley.settings")

import shapes  # noqa: E402

READERS = 300
POSTERS = 1000  # subscribers whose sessions the posting benchmark takes turns with


def log(message: str) -> None:
    print(f"  [parley data] {message}", file=sys.stderr, flush=True)


def prepare_postgres(url: str, fingerprint: str) -> bool:
    """True when the database already holds this fingerprint's data; otherwise it is
    dropped and created empty."""
    import psycopg
    from psycopg import sql

    name = url.rsplit("/", 1)[1].split("?", 1)[0]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    try:
        with psycopg.connect(url, connect_timeout=5) as conn:
            row = conn.execute("SELECT tagline FROM articles_site WHERE key = 'bench'").fetchone()
            if row and row[0] == fingerprint:
                return True
    except psycopg.Error:
        pass
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return False


def build(fingerprint: str, specs: list[shapes.ArticleSpec]) -> None:
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.core.management.color import no_style
    from django.db import connection, transaction

    from parley.accounts.models import Subscription, User
    from parley.articles.models import Article, Author, Site
    from parley.discussion.models import Comment, CommentStatus, path_segment

    started = time.monotonic()
    unusable = make_password(None)  # nobody signs in with a password; sessions are made here
    call_command("migrate", verbosity=0)
    log(f"migrated in {time.monotonic() - started:.1f}s")
    with transaction.atomic():
        site = Site.objects.create(key="bench", name="The Benchmark Gazette", tagline="building")
        author = Author.objects.create(site=site, name="A. Writer", slug="a-writer")
        readers = User.objects.bulk_create(
            [
                User(username=f"reader-{n}", display_name=f"Reader {n}", password=unusable)
                for n in range(READERS)
            ]
        )
        reader_ids = [u.pk for u in readers]
        posters = User.objects.bulk_create(
            [
                User(username=f"poster-{n}", display_name=f"Poster {n}", password=unusable)
                for n in range(POSTERS)
            ]
        )
        Subscription.objects.bulk_create(
            [Subscription(user=p, site=site, starts_at=shapes.START) for p in posters]
        )
        Article.objects.bulk_create(
            [
                Article(
                    site=site,
                    author=author,
                    slug=spec.slug,
                    title=spec.title,
                    body=shapes.ARTICLE_BODY,
                    published_at=shapes.START,
                    comment_count=spec.comments,
                )
                for spec in specs
            ],
            batch_size=1000,
        )
        article_ids = dict(Article.objects.filter(site=site).values_list("slug", "pk"))
        log(f"{len(specs)} articles in {time.monotonic() - started:.1f}s")

        next_id = (Comment.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        batch: list[Comment] = []
        written = 0
        for spec in specs:
            make = shapes.flat_discussion if spec.slug == "flat-100k" else shapes.discussion
            rows = make(spec, readers=READERS)
            ids = [next_id + r.index for r in rows]
            next_id += len(rows)
            paths: list[str] = []
            replies = [0] * len(rows)
            for r in rows:
                parent_path = paths[r.parent] if r.parent is not None else ""
                paths.append(parent_path + path_segment(ids[r.index]))
                if r.root is not None:
                    replies[r.root] += 1
            for r in rows:
                text = shapes.text_of(r)
                batch.append(
                    Comment(
                        id=ids[r.index],
                        article_id=article_ids[spec.slug],
                        author_id=reader_ids[r.author],
                        parent_id=ids[r.parent] if r.parent is not None else None,
                        root_id=ids[r.root] if r.root is not None else None,
                        depth=r.depth,
                        path=paths[r.index],
                        body=text,
                        body_html=f"<p>{text}</p>",
                        status=CommentStatus.VISIBLE,
                        created_at=shapes.created_at(r),
                        upvotes=r.upvotes,
                        downvotes=r.downvotes,
                        score=r.upvotes - r.downvotes,
                        thread_replies=replies[r.index] if r.root is None else 0,
                    )
                )
            if len(batch) >= 20_000:
                Comment.objects.bulk_create(batch, batch_size=2000)
                written += len(batch)
                batch = []
        Comment.objects.bulk_create(batch, batch_size=2000)
        written += len(batch)
        log(f"{written} comments in {time.monotonic() - started:.1f}s")
        # Explicit ids leave PostgreSQL's sequence behind; the posting benchmark needs it on.
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), [Comment]):
                cursor.execute(statement)
        Site.objects.filter(pk=site.pk).update(tagline=fingerprint)


def vacuum() -> None:
    """What autovacuum does on a live PostgreSQL, which this machine's runs with off: the
    statistics, and the dead rows earlier runs' posts left (every post rewrites its
    article's row, and a reused database would carry them all into the next run's
    posting and page figures). SQLite is left without statistics, as Parley leaves it:
    docs/performance.md says why."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def poster_sessions() -> dict[str, object]:
    """A signed-in session for each subscriber who posts, and one CSRF secret that every
    request sends as both the cookie and the form field (Django accepts the unmasked
    secret). New sessions each run: they are cheap, and a run never inherits a logout."""
    from datetime import timedelta

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.middleware.csrf import _get_new_csrf_string
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from parley.accounts import backends
    from parley.accounts.models import User

    store = SessionStore()
    rows = []
    for user in User.objects.filter(username__startswith="poster-"):
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: backends.PATH,
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        rows.append(
            Session(
                session_key=get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789"),
                session_data=store.encode(data),
                expire_date=timezone.now() + timedelta(days=1),
            )
        )
    Session.objects.bulk_create(rows, batch_size=500)
    return {"sessions": [r.session_key for r in rows], "csrftoken": _get_new_csrf_string()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fingerprint", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--small", type=int, default=shapes.SMALL_ARTICLES)
    parser.add_argument("--flat", type=int, default=shapes.FLAT)
    args = parser.parse_args()
    specs = shapes.articles(small_articles=args.small, flat=args.flat)
    url = os.environ.get("DATABASE_URL", "")
    reuse = prepare_postgres(url, args.fingerprint) if url.startswith("postgres") else False

    import django

    django.setup()
    from parley.articles.models import Article, Site

    if not reuse and _has_tables():
        reuse = Site.objects.filter(key="bench", tagline=args.fingerprint).exists()
    if reuse:
        log("reusing the database built earlier for this fingerprint")
    else:
        build(args.fingerprint, specs)
    vacuum()
    ids = dict(Article.objects.filter(site__key="bench").values_list("slug", "pk"))
    state = {
        "articles": {spec.slug: ids[spec.slug] for spec in specs if not spec.slug.startswith("a-")},
        "small": [spec.slug for spec in specs if spec.slug.startswith("a-")],
        "counts": {spec.slug: spec.comments for spec in specs if not spec.slug.startswith("a-")},
        "poster": poster_sessions(),
        "reused": reuse,
    }
    Path(args.out).write_text(json.dumps(state))


def _has_tables() -> bool:
    from django.db import connection

    return "articles_site" in connection.introspection.table_names()


if __name__ == "__main__":
    main()
