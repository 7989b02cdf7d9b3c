"""The article page costs a fixed number of queries, whatever the size of its discussion.

A discussion of 16 comments and one of 2,000 (400 threads, 1,600 replies, some threads
longer than the 20 replies a page shows, some deep, some tombstones) must cost exactly the
same. The numbers below are the contract; each lists its queries."""

import re
from collections.abc import Sequence
from datetime import timedelta

import pytest
from django.db.models import Count, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from parley.accounts.models import User
from parley.articles.models import Article
from parley.discussion import actions
from parley.discussion.models import (
    SHOWN_STATUSES,
    Comment,
    CommentStatus,
    Vote,
    path_segment,
)

pytestmark = pytest.mark.django_db

# What a page costs when it is rendered. A guest's page served from the read cache
# (parley/cache) costs no query at all (parley/cache/tests/test_pages.py); inside this
# test's transaction the cache stands aside, so every request here renders.
# Every page view, guest or not: access_article (with its site, author and moderation
# overrides) and, from parley.live, the article's newest live event id (where the stream
# starts). The site and its moderation policy (which gives the automatic closing delay)
# are kept in the process for a few seconds (parley/cache/local.py): the test reads the
# page once before counting, as any earlier request would have.
PAGE_FRAME = 2
# Guest, first page (Most Voted or Newest): the frame plus
#   threads, newest top-level id (bounds later pages), first replies of each thread
GUEST_FIRST_PAGE = PAGE_FRAME + 3
# Signed-in subscriber, first page: the guest's plus eight of the viewer's own:
#   session and user (auth middleware, loaded on first use), site roles and subscriptions
#   (entitlement, one query), the viewer's votes on the page's comments, and from
#   parley.notifications the bell's unread count, the viewer's follows in this article, the
#   default notify choice, and from parley.moderation the viewer's active sanction (the
#   notice above the form)
SUBSCRIBER_FIRST_PAGE = GUEST_FIRST_PAGE + 8
# Guest, a later Most Voted page (cursor): the frame plus threads whose score did not change
# since page 1, threads whose score changed (with their score then, from the ledger), replies
GUEST_LATER_TOP_PAGE = PAGE_FRAME + 3
# Guest, a later Newest page: the frame plus threads and replies.
GUEST_LATER_NEW_PAGE = PAGE_FRAME + 2


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _insert(
    article: Article, parents: Sequence[Comment | None], users: list[User], start
) -> list[Comment]:
    """Writes one comment per entry of `parents` in two statements (rows, then paths)."""
    rows = []
    for i, parent in enumerate(parents):
        imported = i % 17 == 5
        rows.append(
            Comment(
                article=article,
                author=None if imported else users[i % len(users)],
                author_name="Imported Reader" if imported else "",
                parent=parent,
                root_id=(parent.root_id or parent.pk) if parent else None,
                depth=parent.depth + 1 if parent else 0,
                body=f"Comment {i}",
                body_html=f"<p>Comment {i} with <em>markup</em></p>",
                created_at=start + timedelta(seconds=i),
                upvotes=i % 5,
                downvotes=i % 3,
                score=i % 5 - i % 3,
            )
        )
    created = Comment.objects.bulk_create(rows, batch_size=500)
    assert all(c.pk for c in created)
    for comment, parent in zip(created, parents, strict=True):
        comment.path = (parent.path if parent else "") + path_segment(comment.pk)
    Comment.objects.bulk_update(created, ["path"], batch_size=500)
    return created


def build_discussion(article: Article, *, threads: int, replies: int, long_threads: int):
    """A discussion with `threads` top-level comments and `replies` replies. The first
    `long_threads` threads (the best scored) hold more than a page's 20 replies each; the
    others take the rest at depths 1 to 3. Counters are fixed afterwards, as the actions
    would have kept them."""
    users = User.objects.bulk_create(
        [User(username=f"{article.slug}-u{i}", display_name=f"Reader {i}") for i in range(30)]
    )
    start = timezone.now() - timedelta(days=1)
    roots = _insert(article, [None] * threads, users, start)
    long_roots, short_roots = roots[:long_threads], roots[long_threads:]
    Comment.objects.filter(pk__in=[r.pk for r in long_roots]).update(score=100, upvotes=100)

    level1_long = [r for r in long_roots for _ in range(30)]
    budget = replies - len(level1_long)
    level1_short = [r for r in short_roots for _ in range(2)][: max(budget, 0)]
    level1 = _insert(article, level1_long + level1_short, users, start + timedelta(hours=1))
    budget -= len(level1_short)

    by_root: dict[int, list[Comment]] = {}
    for reply in level1:
        by_root.setdefault(reply.thread_id, []).append(reply)
    level2_parents = [c for r in long_roots for c in by_root[r.pk][:10]]
    level2_parents += [by_root[r.pk][0] for r in short_roots if r.pk in by_root]
    level2_parents = level2_parents[: max(budget, 0)]
    level2 = _insert(article, level2_parents, users, start + timedelta(hours=2))
    budget -= len(level2)

    level3_parents = [level2[i] for i in range(0, len(level2), 7)][: max(budget, 0)]
    level3 = _insert(article, level3_parents, users, start + timedelta(hours=3))
    budget -= len(level3)
    assert budget == 0, f"{budget} replies left to place"

    # A few tombstones: deleted comments that keep their replies.
    tombstones = [roots[-1], *level1[0:41:40]]
    Comment.objects.filter(pk__in=[c.pk for c in tombstones]).update(
        status=CommentStatus.DELETED, body="", body_html=""
    )
    shown_replies = (
        Comment.objects.filter(root=OuterRef("pk"), status__in=SHOWN_STATUSES)
        .order_by()
        .values("root")
        .annotate(n=Count("pk"))
        .values("n")
    )
    Comment.objects.filter(article=article, parent__isnull=True).update(
        thread_replies=Coalesce(Subquery(shown_replies), Value(0))
    )
    visible = Comment.objects.filter(article=article, status=CommentStatus.VISIBLE).count()
    Article.objects.filter(pk=article.pk).update(comment_count=visible)
    assert Comment.objects.filter(article=article).count() == threads + replies
    return roots


@pytest.fixture
def sized_discussion(request, article, subscriber, author):
    size = request.param
    if size == 16:
        roots = build_discussion(article, threads=12, replies=4, long_threads=0)
    else:
        roots = build_discussion(article, threads=400, replies=1600, long_threads=10)
        longest = Comment.objects.filter(root=roots[0]).count()
        assert longest > 20
    # The subscriber has voted on some comments of the first page.
    page_rows = Comment.objects.filter(article=article).order_by("id")[:8]
    Vote.objects.bulk_create(
        [Vote(user=subscriber, comment=c, value=1 if c.pk % 2 else -1) for c in page_rows]
    )
    return size


def next_cursor(html: str) -> str:
    found = re.search(r'data-parley-more href="[^"]*after=([\w-]+)', html)
    assert found is not None, "no Load more link"
    return found.group(1)


@pytest.mark.parametrize("sized_discussion", [16, 2000], indirect=True)
def test_article_page_costs_the_same_for_any_discussion_size(
    client, article, subscriber, author, sized_discussion, django_assert_num_queries
):
    url = reverse("article", kwargs={"slug": article.slug})

    def page(label: str, expected: int, params: dict | None = None) -> str:
        """Gets the page under the contract and prints the figure, pass or fail."""
        captured = None
        try:
            with django_assert_num_queries(expected) as captured:
                response = client.get(url, params or {})
        finally:
            done = len(captured) if captured is not None else "?"
            print(f"queries: {sized_discussion:>5} comments, {label}: {done} (contract {expected})")
        assert response.status_code == 200
        return response.content.decode()

    assert client.get(url).status_code == 200  # the site and its policy, kept in the process
    first = page("guest first page", GUEST_FIRST_PAGE)
    # A vote after the first page sends page 2 through the ledger of score changes.
    actions.do_vote(
        user=author, comment=Comment.objects.filter(article=article).latest("id"), value=1
    )
    page(
        "guest Most Voted page 2",
        GUEST_LATER_TOP_PAGE,
        {"sort": "top", "after": next_cursor(first)},
    )
    newest = page("guest Newest", GUEST_FIRST_PAGE, {"sort": "new"})
    page("guest Newest page 2", GUEST_LATER_NEW_PAGE, {"sort": "new", "after": next_cursor(newest)})
    client.force_login(subscriber)
    mine = page("subscriber first page", SUBSCRIBER_FIRST_PAGE)
    assert "pressed" in mine  # the subscriber's own votes are shown
    page("subscriber Newest", SUBSCRIBER_FIRST_PAGE, {"sort": "new"})


def test_the_big_discussion_is_well_formed(article):
    """The bulk builder keeps the invariants the actions keep."""
    roots = build_discussion(article, threads=400, replies=1600, long_threads=10)
    article.refresh_from_db()
    assert Comment.objects.filter(article=article).count() == 2000
    assert article.comment_count == Comment.objects.filter(status=CommentStatus.VISIBLE).count()
    for root in Comment.objects.filter(pk__in=[roots[0].pk, roots[200].pk]):
        rows = list(Comment.objects.filter(root=root).order_by("path"))
        assert root.thread_replies == len(rows)
        for row in rows:
            assert row.path.startswith(root.path)
            assert len(row.path) == 8 * (row.depth + 1)
            assert row.parent is not None and row.path[:-8] == row.parent.path
    assert max(Comment.objects.values_list("depth", flat=True)) == 3
