"""The comments page costs a fixed number of queries, whatever the size of the discussion:
threads are keyset-paged and a page's replies come in one query."""

import pytest

from parley import factories
from parley.discussion import actions

pytestmark = pytest.mark.django_db

PAGE = 10


def grow(article, people, *, threads: int, replies: int) -> None:
    for i in range(threads):
        top = factories.make_comment(article, people[i % len(people)], f"Thread {i}")
        for j in range(replies):
            factories.make_comment(article, people[(i + j + 1) % len(people)], "Re", parent=top)
        if i % 3 == 0:
            actions.do_vote(user=people[(i + 1) % len(people)], comment=top, value=1)


@pytest.fixture
def people(site):
    return [factories.make_subscriber(site) for _ in range(4)]


def small(article, people):
    grow(article, people, threads=2, replies=1)


def large(article, people):
    grow(article, people, threads=3 * PAGE + 1, replies=2)


# Guest: article, threads, replies; a first page that has a next page also reads the
# newest top-level id once, to freeze the cursor. A signed-in reader adds the session,
# the user, their standing (roles and subscriptions, one query) and their votes on the
# page.
@pytest.mark.parametrize(
    ("grow_it", "signed_in", "queries"),
    [
        (small, False, 3),
        (large, False, 4),
        (small, True, 7),
        (large, True, 8),
    ],
    ids=["small-guest", "large-guest", "small-reader", "large-reader"],
)
@pytest.mark.parametrize("sort", ["top", "new", "old"])
def test_first_page_query_count(
    sort, grow_it, signed_in, queries, article, people, as_user, django_assert_num_queries
):
    grow_it(article, people)
    client = as_user(people[0] if signed_in else None)
    with django_assert_num_queries(queries):
        response = client.get(f"/articles/{article.pk}/comments?sort={sort}&limit={PAGE}")
    assert response.status_code == 200
    assert len(response.json()["threads"]) <= PAGE


@pytest.mark.parametrize(("sort", "queries"), [("top", 4), ("new", 3), ("old", 3)])
def test_later_pages_cost_the_same_whatever_the_depth(
    sort, queries, article, people, as_user, django_assert_num_queries
):
    """Later Most Voted pages also read the score ledger (one more query)."""
    large(article, people)
    client = as_user(None)
    cursor = client.get(f"/articles/{article.pk}/comments?sort={sort}&limit={PAGE}").json()[
        "next_cursor"
    ]
    for _ in range(2):
        with django_assert_num_queries(queries):
            page = client.get(
                f"/articles/{article.pk}/comments?sort={sort}&limit={PAGE}&cursor={cursor}"
            ).json()
        cursor = page["next_cursor"]
        assert cursor


def test_replies_page_query_count(article, people, as_user, django_assert_num_queries):
    top = factories.make_comment(article, people[0], "Long thread")
    for i in range(30):
        factories.make_comment(article, people[i % 4], f"R{i}", parent=top)
    with django_assert_num_queries(2):  # the thread's root (with article, site), the slice
        response = as_user(None).get(f"/comments/{top.pk}/replies?limit=10")
    assert len(response.json()["items"]) == 10
