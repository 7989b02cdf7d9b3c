"""Run in a subprocess against the servers' database (DATABASE_URL, REDIS_URL from the
environment):

    python -m parley.live.tests.seed setup            # migrate, flush, create; prints ids
    python -m parley.live.tests.seed pending ARTICLE  # a pending comment (moderators only)
    python -m parley.live.tests.seed comment ARTICLE  # a visible comment, posted here

Used by the process tests and bench/live_bench.py, whose servers cannot share pytest's
in-memory test database.
"""

import json
import os
import sys
import time
from datetime import timedelta

PASSWORD = "pw-for-tests"
POSTERS = 10


def setup() -> dict:
    from django.core.management import call_command
    from django.utils import timezone

    from parley import factories

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    site = factories.make_site(key="live", name="Live Times")
    article = factories.make_article(site, slug="hot-topic", title="A hot topic")
    sam = factories.make_subscriber(site, "sam")
    factories.make_subscriber(site, "rita")
    # Accounts that post: moderation limits each account to a few comments a minute.
    for n in range(POSTERS):
        factories.make_subscriber(site, f"poster{n}")
    factories.make_moderator(site, "mo")
    factories.make_comment(article, sam, "The first word.")
    idle = factories.make_article(site, slug="old-news", title="Old news")
    factories.make_comment(idle, sam, "Long ago.", created_at=timezone.now() - timedelta(days=400))
    return {
        "article": article.pk,
        "slug": article.slug,
        "idle_article": idle.pk,
        "password": PASSWORD,
        "posters": [f"poster{n}" for n in range(POSTERS)],
    }


def post(article_id: int, *, pending: bool) -> dict:
    from parley import factories
    from parley.accounts.models import User
    from parley.articles.models import Article
    from parley.discussion.models import CommentStatus

    article = Article.objects.get(pk=article_id)
    sam = User.objects.get(username="sam")
    status = CommentStatus.PENDING if pending else CommentStatus.VISIBLE
    body = f"Posted from a script at {time.time()}."  # never the same text twice
    comment = factories.make_comment(article, sam, body, status=status)
    return {"comment": comment.pk}


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parley.settings")
    import django

    django.setup()
    command = argv[0] if argv else "setup"
    if command == "setup":
        result = setup()
    elif command in ("pending", "comment"):
        result = post(int(argv[1]), pending=command == "pending")
    else:
        print(__doc__, file=sys.stderr)
        return 2
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
