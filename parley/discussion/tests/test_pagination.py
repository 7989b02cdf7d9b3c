"""Paging the top-level threads (keyset cursors), permalinks into any page or depth, and the
"more replies" links of long threads.

The contract: walking the pages of one sort shows every top-level comment that existed when
the first page was served exactly once, whatever votes and posts happen between requests.
Most Voted ranks later pages by each comment's score as of the first page; comments posted
after the first page are not paged in (they reach readers live or on reload)."""

import base64
import html as html_lib
import json
import re
from collections.abc import Callable

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from parley import factories
from parley.accounts.models import User
from parley.articles.models import Article
from parley.discussion import actions, selectors
from parley.discussion.models import Comment

pytestmark = pytest.mark.django_db

PAGE_SIZE = 5
# Net scores of the top-level comments, oldest first: ties, negatives and zeros on purpose.
SCORES = [3, 0, 1, 3, -1, 2, 0, 0, 5, 1, 2, -2, 4, 0, 3, 1, 1, 0, 2, -1, 6, 0, 1]


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def people(n: int, prefix: str) -> list[User]:
    return User.objects.bulk_create(
        [User(username=f"{prefix}{i}", display_name=f"{prefix.title()} {i}") for i in range(n)]
    )


def thread_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<article class="thread" id="t-(\d+)"', html)]


def comment_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'\bid="c-(\d+)"', html)]


def load_more_href(html: str) -> str | None:
    found = re.search(r'<a class="load-more button" data-parley-more href="([^"]+)"', html)
    return html_lib.unescape(found.group(1)).split("#")[0] if found else None


def more_replies_href(html: str) -> str | None:
    found = re.search(r'<a class="more-replies" data-parley-more-replies href="([^"]+)"', html)
    return html_lib.unescape(found.group(1)) if found else None


def ranked(article: Article, sort: str) -> list[int]:
    """The expected order of all top-level comments right now."""
    rows = Comment.objects.filter(article=article, parent__isnull=True)
    order = {"top": ("-score", "id"), "new": ("-id",), "old": ("id",)}[sort]
    return list(rows.order_by(*order).values_list("pk", flat=True))


class Discussion:
    """An article whose top-level comments have the SCORES above, plus a few replies."""

    def __init__(self, article: Article, site) -> None:
        site.comments_page_size = PAGE_SIZE
        site.save()
        self.article = Article.objects.select_related("site").get(pk=article.pk)
        self.writer = factories.make_subscriber(site, "writer")
        self.voters = people(40, "voter")
        self.used: dict[int, int] = {}  # comment id -> voters used on it so far
        self.top = [
            factories.make_comment(self.article, user=self.writer, body=f"Top {i}")
            for i in range(len(SCORES))
        ]
        for comment, score in zip(self.top, SCORES, strict=True):
            for voter in self.voters[: abs(score)]:
                actions.do_vote(user=voter, comment=comment, value=1 if score > 0 else -1)
        for parent in self.top[:3]:
            reply = factories.make_comment(self.article, user=self.writer, parent=parent)
            factories.make_comment(self.article, user=self.writer, parent=reply)

    def fresh_voters(self, comment_id: int, n: int) -> list[User]:
        """Voters who have not voted on the comment yet (voters[:6] made the scores)."""
        start = self.used.get(comment_id, 6)
        chosen = self.voters[start : start + n]
        assert len(chosen) == n, "out of voters"
        self.used[comment_id] = start + n
        return chosen

    def push(self, comment_id: int, delta: int) -> None:
        """Moves a comment's score by `delta`, one new voter per point."""
        comment = Comment.objects.get(pk=comment_id)
        for voter in self.fresh_voters(comment_id, abs(delta)):
            actions.do_vote(user=voter, comment=comment, value=1 if delta > 0 else -1)

    def post(self) -> int:
        return factories.make_comment(self.article, user=self.writer, body="Late").pk


@pytest.fixture
def discussion(article, site) -> Discussion:
    return Discussion(article, site)


Between = Callable[[int, list[int]], None]


def walk_selector(article: Article, sort: str, between: Between | None = None) -> list[int]:
    seen: list[int] = []
    cursor = None
    for number in range(1, 100):
        page = selectors.comment_page(
            article=article, sort=sort, cursor=cursor, page_size=PAGE_SIZE
        )
        assert len(page.threads) <= PAGE_SIZE
        seen += [t.pk for t in page.threads]
        cursor = page.next_cursor
        if cursor is None:
            return seen
        if between:
            between(number, seen)
    raise AssertionError("paging never ended")


def walk_http(client, article: Article, sort: str, between: Between | None = None) -> list[int]:
    """Follows the "Load more comments" links of the plain page."""
    seen: list[int] = []
    url: str | None = reverse("article", kwargs={"slug": article.slug}) + f"?sort={sort}"
    for number in range(1, 100):
        assert url is not None
        response = client.get(url)
        assert response.status_code == 200
        page = response.content.decode()
        seen += thread_ids(page)
        url = load_more_href(page)
        if url is None:
            return seen
        assert f"?sort={sort}&after=" in url
        if between:
            between(number, seen)
    raise AssertionError("paging never ended")


def walk_fragments(client, article: Article, sort: str, between: Between | None = None):
    """Follows the `next` cursors of the JSON fragments parley.js asks for."""
    seen: list[int] = []
    base = reverse("article", kwargs={"slug": article.slug})
    params = {"sort": sort}
    for number in range(1, 100):
        response = client.get(base, params, HTTP_X_PARLEY_FRAGMENT="1")
        assert response.status_code == 200
        data = response.json()
        seen += thread_ids(data["html"])
        if data["next"] is None:
            assert load_more_href(data["html"]) is None
            return seen
        assert load_more_href(data["html"]) == f"{base}?sort={sort}&after={data['next']}"
        params = {"sort": sort, "after": data["next"]}
        if between:
            between(number, seen)
    raise AssertionError("paging never ended")


WALKS = ["selector", "http", "fragments"]


def walk(how: str, client, article: Article, sort: str, between: Between | None = None):
    if how == "selector":
        return walk_selector(article, sort, between)
    if how == "http":
        return walk_http(client, article, sort, between)
    return walk_fragments(client, article, sort, between)


# Walking still pages ----------------------------------------------------------------------


@pytest.mark.parametrize("how", WALKS)
@pytest.mark.parametrize("sort", selectors.SORTS)
def test_every_top_level_comment_appears_exactly_once(client, discussion, sort, how):
    expected = ranked(discussion.article, sort)
    assert len(expected) == len(SCORES)
    seen = walk(how, client, discussion.article, sort)
    assert seen == expected  # every one, once, in order


def test_a_page_holds_each_threads_first_replies(discussion):
    page = selectors.comment_page(article=discussion.article, sort="old", page_size=PAGE_SIZE)
    assert [len(page.replies[t.pk]) for t in page.threads] == [2, 2, 2, 0, 0]


def test_a_discussion_of_one_page_has_no_cursor(client, article, author):
    comments = [factories.make_comment(article, user=author) for _ in range(3)]
    page = selectors.comment_page(article=article, sort="top", page_size=3)
    assert [t.pk for t in page.threads] == [c.pk for c in comments]
    assert page.next_cursor is None
    html = client.get(reverse("article", kwargs={"slug": article.slug})).content.decode()
    assert load_more_href(html) is None


# Votes and posts between requests ----------------------------------------------------------


@pytest.mark.parametrize("how", WALKS)
def test_most_voted_survives_votes_and_posts_between_pages(client, discussion, how):
    d = discussion
    as_of_first_page = ranked(d.article, "top")
    original = set(as_of_first_page)
    late: list[int] = []
    pages = [as_of_first_page[i : i + PAGE_SIZE] for i in range(0, len(SCORES), PAGE_SIZE)]
    assert len(pages) == 5

    def between(number: int, seen: list[int]) -> None:
        assert seen == as_of_first_page[: len(seen)]
        if number == 1:
            d.push(pages[4][-1], +12)  # the very last comment overtakes everything seen
            d.push(pages[3][0], +9)  # so does one from page 4
            d.push(pages[0][0], -14)  # the first comment sinks below everything unseen
            d.push(pages[1][2], -8)  # an unseen one on page 2 sinks too
            late.append(d.post())
            d.push(late[-1], +15)  # a new comment that would top the list
        elif number == 2:
            d.push(pages[0][1], -9)  # seen comment sinks into unseen pages
            d.push(pages[2][4], +3)  # the page boundary shifts
            d.push(pages[4][0], +7)
            late.append(d.post())
        elif number == 3:
            # A voter changes sides and back: two ledger rows that cancel out.
            voter = d.fresh_voters(pages[3][2], 1)[0]
            moving = Comment.objects.get(pk=pages[3][2])
            actions.do_vote(user=voter, comment=moving, value=1)
            actions.do_vote(user=voter, comment=moving, value=-1)
            actions.do_vote(user=voter, comment=moving, value=0)
            d.push(pages[3][1], -5)
            reply_to = Comment.objects.get(pk=pages[3][3])
            factories.make_comment(d.article, user=d.writer, parent=reply_to)
        elif number == 4:
            d.push(pages[4][1], +20)
            late.append(d.post())

    seen = walk(how, client, d.article, "top", between)
    assert len(seen) == len(set(seen)), "a comment was shown twice"
    assert set(seen) == original, "a comment was lost or a late one paged in"
    assert not set(late) & set(seen)
    assert seen == as_of_first_page
    # The votes did move the live ranking: a fresh walk sees the new order and late posts.
    assert ranked(d.article, "top") != as_of_first_page
    assert walk_selector(d.article, "top") == ranked(d.article, "top")


@pytest.mark.parametrize("sort", ["new", "old"])
@pytest.mark.parametrize("how", WALKS)
def test_newest_and_oldest_leave_out_comments_posted_after_the_first_page(
    client, discussion, sort, how
):
    expected = ranked(discussion.article, sort)
    late: list[int] = []

    def between(number: int, seen: list[int]) -> None:
        late.append(discussion.post())
        discussion.push(expected[-1], +2)

    seen = walk(how, client, discussion.article, sort, between)
    assert seen == expected
    assert len(late) == 4


# Bad cursors ------------------------------------------------------------------------------


def token(data) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def real_cursor(article: Article, sort: str) -> str:
    cursor = selectors.comment_page(article=article, sort=sort, page_size=PAGE_SIZE).next_cursor
    assert cursor is not None
    return cursor


BAD_CURSORS = [
    "garbage",
    "!!!!",
    "e30",  # {}
    token("not a list"),
    token(["top", 1.7e9, 5, 3]),
    token(["top", "yesterday", 5, 3, 0]),
    token(["top", 1.7e9, "5", 3, 0]),
    token(["top", 1.7e9, 5, 3.5, 0]),
    token(["top", 1.7e9, 5, 3, "many"]),
    token(["top", 1.7e9, 5, 3, [0]]),
    token(["top", 1e30, 5, 3, 0]),
    token(["top", float("nan"), 5, 3, 0]),
    token(["best", 1.7e9, 5, 3, 0]),
    base64.urlsafe_b64encode(b"\xff\xfe\xfd").decode(),
]


@pytest.fixture
def small_discussion(article, author) -> Article:
    """Two pages of PAGE_SIZE, without votes: enough to make real cursors."""
    for _ in range(PAGE_SIZE + 2):
        factories.make_comment(article, user=author)
    return article


@pytest.mark.parametrize("bad", BAD_CURSORS)
def test_a_garbled_cursor_is_a_bad_request(client, small_discussion, bad):
    url = reverse("article", kwargs={"slug": small_discussion.slug})
    response = client.get(url, {"sort": "top", "after": bad}, HTTP_X_PARLEY_FRAGMENT="1")
    assert response.status_code == 400
    assert response.json()["code"] == "bad_cursor"
    page = client.get(url, {"sort": "top", "after": bad})
    assert page.status_code == 400
    assert 'data-code="bad_cursor"' in page.content.decode()


@pytest.mark.parametrize(("made_for", "used_for"), [("top", "new"), ("new", "old"), ("old", "top")])
def test_a_cursor_of_another_sort_is_a_bad_request(client, small_discussion, made_for, used_for):
    small_discussion.site.comments_page_size = PAGE_SIZE
    small_discussion.site.save()
    cursor = real_cursor(small_discussion, made_for)
    url = reverse("article", kwargs={"slug": small_discussion.slug})
    response = client.get(url, {"sort": used_for, "after": cursor}, HTTP_X_PARLEY_FRAGMENT="1")
    assert response.status_code == 400
    assert response.json()["code"] == "bad_cursor"
    assert client.get(url, {"sort": used_for, "after": cursor}).status_code == 400
    # Under its own sort the same cursor is fine, and an unknown sort means Most Voted.
    assert client.get(url, {"sort": made_for, "after": cursor}).status_code == 200
    if made_for == "top":
        assert client.get(url, {"sort": "evil", "after": cursor}).status_code == 200


# Permalinks -------------------------------------------------------------------------------


def permalink(client, comment: Comment) -> str:
    url = reverse("permalink", kwargs={"slug": comment.article.slug, "comment_id": comment.pk})
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def article_html(client, article: Article) -> str:
    return client.get(reverse("article", kwargs={"slug": article.slug})).content.decode()


def test_permalink_to_a_comment_on_page_three(client, article, author):
    comments = [factories.make_comment(article, user=author) for _ in range(25)]
    target = comments[22]  # all scores 0: Most Voted is oldest first, 10 a page
    first = article_html(client, article)
    assert f'id="c-{target.pk}"' not in first
    expected = ranked(article, "top")
    assert expected.index(target.pk) // article.site.comments_page_size == 2

    html = permalink(client, target)
    assert f'id="c-{target.pk}"' in html
    assert re.search(rf'class="comment indent-0 focused" id="c-{target.pk}"', html)
    assert thread_ids(html) == [target.pk]


def test_permalink_to_a_reply_at_depth_six_deep_inside_a_thread(client, article, author):
    root = factories.make_comment(article, user=author)
    siblings = [factories.make_comment(article, user=author, parent=root) for _ in range(22)]
    chain = [siblings[20]]
    for _ in range(5):
        chain.append(factories.make_comment(article, user=author, parent=chain[-1]))
    target = chain[-1]
    below = factories.make_comment(article, user=author, parent=target)
    assert Comment.objects.get(pk=target.pk).depth == 6
    assert f'id="c-{target.pk}"' not in article_html(client, article)

    html = permalink(client, target)
    shown = comment_ids(html)
    ancestors = [root.pk, *[c.pk for c in chain[:-1]]]
    assert shown == [*ancestors, target.pk, below.pk]  # ancestors, the comment, its replies
    assert re.search(rf'class="comment indent-4 focused" id="c-{target.pk}"', html)
    assert 'data-depth="6"' in html


def test_permalink_to_a_late_reply_beyond_the_first_twenty(client, article, author):
    per_thread = django_settings.PARLEY_REPLIES_PER_THREAD
    assert per_thread == 20
    root = factories.make_comment(article, user=author)
    replies = [factories.make_comment(article, user=author, parent=root) for _ in range(25)]
    target = replies[23]
    first = article_html(client, article)
    assert comment_ids(first) == [root.pk, *[r.pk for r in replies[:per_thread]]]

    html = permalink(client, target)
    assert comment_ids(html) == [root.pk, target.pk]
    assert re.search(rf'class="comment indent-1 focused" id="c-{target.pk}"', html)


def test_permalink_to_a_missing_or_foreign_comment_is_404(client, article, author, site):
    other = factories.make_article(site)
    elsewhere = factories.make_comment(other, user=author)
    url = reverse("permalink", kwargs={"slug": article.slug, "comment_id": elsewhere.pk})
    assert client.get(url).status_code == 404
    url = reverse("permalink", kwargs={"slug": article.slug, "comment_id": 999999})
    assert client.get(url).status_code == 404


# More replies -----------------------------------------------------------------------------


@pytest.fixture
def long_thread(article, author):
    """A thread of 25 replies: the page shows 20, the link the other 5."""
    root = factories.make_comment(article, user=author)
    replies = [factories.make_comment(article, user=author, parent=root) for _ in range(25)]
    return root, replies


def test_more_replies_link_returns_the_rest_as_a_page(client, article, long_thread):
    root, replies = long_thread
    first = article_html(client, article)
    assert "Show 5 more replies" in first
    href = more_replies_href(first)
    assert href is not None
    assert href.startswith(
        reverse("more_replies", kwargs={"slug": article.slug, "comment_id": root.pk})
    )
    response = client.get(href)
    assert response.status_code == 200
    html = response.content.decode()
    assert comment_ids(html) == [root.pk, *[r.pk for r in replies[20:]]]
    assert more_replies_href(html) is None


def test_more_replies_link_returns_the_rest_as_a_fragment(client, article, long_thread):
    _root, replies = long_thread
    href = more_replies_href(article_html(client, article))
    assert href is not None
    response = client.get(href, HTTP_X_PARLEY_FRAGMENT="1")
    assert response.status_code == 200
    data = response.json()
    assert data["next_after"] is None
    assert comment_ids(data["html"]) == [r.pk for r in replies[20:]]


def test_a_very_long_thread_is_walked_by_its_links(client, article, author):
    """80 replies at several depths: 20 on the page, then links of 50 until the end."""
    root = factories.make_comment(article, user=author)
    replies: list[Comment] = []
    for i in range(80):
        parent = replies[i - 3] if i % 4 == 3 else root
        replies.append(factories.make_comment(article, user=author, parent=parent))
    in_thread_order = [r.pk for r in sorted(replies, key=lambda r: r.path)]
    assert Comment.objects.get(pk=root.pk).thread_replies == 80

    first = article_html(client, article)
    seen = comment_ids(first)[1:]
    assert "Show 60 more replies" in first
    href = more_replies_href(first)
    fragments = 0
    while href:
        response = client.get(href, HTTP_X_PARLEY_FRAGMENT="1")
        data = response.json()
        seen += comment_ids(data["html"])
        fragments += 1
        href = more_replies_href(data["html"])
        if data["next_after"]:
            assert href is not None and href.endswith(f"?after={data['next_after']}")
        else:
            assert href is None
    assert fragments == 2
    assert seen == in_thread_order


def test_more_replies_for_a_reply_or_another_article_is_404(client, article, long_thread, site):
    root, replies = long_thread
    url = reverse("more_replies", kwargs={"slug": article.slug, "comment_id": replies[0].pk})
    assert client.get(url, HTTP_X_PARLEY_FRAGMENT="1").status_code == 404
    other = factories.make_article(site)
    url = reverse("more_replies", kwargs={"slug": other.slug, "comment_id": root.pk})
    assert client.get(url, HTTP_X_PARLEY_FRAGMENT="1").status_code == 404


@pytest.mark.django_db(transaction=True)  # the worker closes and reopens its connection
def test_the_worker_prunes_the_score_ledger_no_link_still_ranks_by(article, author, site):
    import signal
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from parley.discussion.models import ScoreChange

    comment = factories.make_comment(article, user=author)
    for n in range(3):
        actions.do_vote(user=factories.make_subscriber(site, f"voter{n}"), comment=comment, value=1)
    old = list(ScoreChange.objects.order_by("id").values_list("id", flat=True))[:2]
    ScoreChange.objects.filter(id__in=old).update(created_at=timezone.now() - timedelta(hours=25))
    assert actions.prune_score_ledger(now=timezone.now() + timedelta(hours=2)) == 2
    assert ScoreChange.objects.count() == 1
    ScoreChange.objects.update(created_at=timezone.now() - timedelta(days=3))
    # The worker takes SIGTERM and SIGINT for itself: give them back to pytest afterwards.
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        call_command("worker", "--once")
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
    assert not ScoreChange.objects.exists()
    comment.refresh_from_db()
    assert comment.score == 3  # the scores themselves are untouched
