"""The guest page cache through HTTP: what is shared, what is not, and that no change
leaves a guest looking at an older page.

These tests commit (django_db(transaction=True)): the versions are bumped when a change
commits, as in production. Inside a test's transaction the cache stands aside (see
test_bypassed_inside_a_transaction)."""

from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from parley import factories
from parley.articles import views
from parley.articles.models import Site
from parley.cache import pages, versions
from parley.discussion.models import Comment, CommentStatus

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_routes(monkeypatch):
    """A flushed database reuses slugs: each test learns its routes afresh."""
    monkeypatch.setattr(pages, "routes", pages._Routes())


@pytest.fixture
def url(article):
    return reverse("article", kwargs={"slug": article.slug})


@pytest.fixture
def member(subscriber):
    client = Client()
    client.force_login(subscriber)
    return client


def guest_get(url: str, **headers: Any) -> tuple[str, str, Any]:
    """(outcome, body, response) of a guest's GET: outcome is hit, store, miss or bypass."""
    response = Client().get(url, **headers)
    assert response.status_code in (200, 304)
    outcome = getattr(response.wsgi_request, pages.OUTCOME_ATTR)
    return outcome, response.content.decode(), response


def warm(url: str) -> str:
    """Fills the cache (the first request learns the route, the second stores) and
    checks that the third is served from it."""
    guest_get(url)
    guest_get(url)
    outcome, body, _ = guest_get(url)
    assert outcome == "hit"
    return body


def test_a_guest_is_served_from_the_cache_without_a_query(url, django_assert_num_queries):
    warm(url)
    with django_assert_num_queries(0):
        outcome, _, response = guest_get(url)
    assert outcome == "hit"
    assert response["ETag"].startswith('W/"')
    assert "public" in response["Cache-Control"]
    assert "max-age=10" in response["Cache-Control"]
    assert "stale-while-revalidate=30" in response["Cache-Control"]
    assert "Cookie" in response["Vary"]


def test_a_matching_etag_gets_304(url):
    warm(url)
    _, _, response = guest_get(url)
    again = Client().get(url, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    assert again["ETag"] == response["ETag"]
    assert again.content == b""


def test_each_sort_and_the_fragment_are_cached_apart(url, article):
    comment = factories.make_comment(article, body="Only comment")
    for variant in ({"sort": "new"}, {"sort": "old"}):
        query = f"{url}?sort={variant['sort']}"
        warm(query)
        _, body, _ = guest_get(query)
        assert 'aria-current="true" class="current"' in body
        assert f'id="c-{comment.pk}"' in body
    warm(url)
    outcome, body, response = guest_get(url, HTTP_X_PARLEY_FRAGMENT="1")
    assert outcome == "store"  # its own entry, not the HTML page's
    assert response["Content-Type"] == "application/json"
    assert body.startswith('{"html"')
    assert guest_get(url, HTTP_X_PARLEY_FRAGMENT="1")[0] == "hit"


def test_signed_in_readers_are_never_served_a_shared_page(url, member):
    warm(url)
    response = member.get(url)
    assert not hasattr(response.wsgi_request, "parley_cache")
    assert "Post comment" in response.content.decode()
    assert "private" in response["Cache-Control"]
    assert "ETag" not in response


def test_tracking_parameters_are_served_but_never_stored(url):
    outcome, _, _ = guest_get(f"{url}?utm_source=social")
    outcome, _, _ = guest_get(f"{url}?utm_source=social")
    assert outcome == "miss"  # rendered, not stored: its sign-in link names utm_source
    warm(url)
    outcome, body, _ = guest_get(f"{url}?fbclid=abc")
    assert outcome == "hit"
    assert "fbclid" not in body


def post(member: Client, article, body: str, parent: Comment | None = None) -> Comment:
    data = {"body": body, **({"parent": parent.pk} if parent else {})}
    response = member.post(reverse("post_comment", kwargs={"slug": article.slug}), data)
    assert response.status_code == 302
    return Comment.objects.latest("pk")


CHANGES = ["post", "reply", "vote", "edit", "delete", "tombstone", "remove", "close", "article"]


@pytest.mark.parametrize("change", CHANGES)
def test_no_change_leaves_a_guest_on_an_older_page(change, url, article, member, author, moderator):
    """Each way a guest's page can change, made through the same path a reader (or a
    moderator, or an editor) takes; the guest's very next request shows it."""
    writer = Client()
    writer.force_login(author)
    mine = post(writer, article, "My first words")
    theirs = factories.make_comment(article, body="Someone else's")
    before = warm(url)
    assert "My first words" in before

    if change == "post":
        post(member, article, "Breaking: a new comment")
        expected = "Breaking: a new comment"
    elif change == "reply":
        post(member, article, "A reply to you", parent=mine)
        expected = "A reply to you"
    elif change == "vote":
        done = member.post(reverse("vote", args=[mine.pk]), {"value": "up"})
        assert done.status_code == 302
        expected = "<span data-up>1</span>"
    elif change == "edit":
        done = writer.post(reverse("edit_comment", args=[mine.pk]), {"body": "Second thoughts"})
        assert done.status_code == 302
        expected = "Second thoughts"
    elif change == "delete":
        done = writer.post(reverse("delete_comment", args=[mine.pk]))
        assert done.status_code == 302
        expected = "<span data-count>1</span> Comment"
    elif change == "tombstone":
        post(member, article, "Keeps the thread", parent=mine)
        warm(url)
        writer.post(reverse("delete_comment", args=[mine.pk]))
        expected = "This comment was deleted."
    elif change == "remove":
        from parley.moderation.actions import do_remove

        do_remove(actor=moderator, comment=theirs, reason="spam")
        expected = ""
    elif change == "close":
        from parley.moderation.actions import do_set_closed

        do_set_closed(actor=moderator, article=article, closed=True)
        expected = "This discussion is closed to new comments."
    else:
        article.title = "A corrected headline"
        article.save()
        expected = "A corrected headline"

    outcome, after, _ = guest_get(url)
    assert outcome != "hit"
    if change == "remove":
        assert "Someone else" in before
        assert "Someone else" not in after
    else:
        assert expected in after
        assert expected not in before


def test_a_page_rendered_across_a_change_is_not_served_after_it(url, article, monkeypatch):
    """The version is read before the rows: a page whose rendering began before a change
    committed is stored under the old version, so the next guest renders again."""
    warm(url)
    versions.bump_article(article.pk)  # the next guest renders

    real_context = views.discussion_context
    changed: list[Comment] = []

    def context_with_a_change_in_the_middle(request, **kwargs):
        if not changed:
            changed.append(factories.make_comment(article, body="Landed mid-render"))
        return real_context(request, **kwargs)

    monkeypatch.setattr(views, "discussion_context", context_with_a_change_in_the_middle)
    outcome, _, _ = guest_get(url)
    assert outcome == "store"
    monkeypatch.setattr(views, "discussion_context", real_context)
    outcome, body, _ = guest_get(url)
    assert outcome == "store"  # the version moved under that page: not served
    assert "Landed mid-render" in body


def test_a_site_change_retires_every_page(url, site):
    warm(url)
    Site.objects.get(pk=site.pk).save()
    assert guest_get(url)[0] == "store"


def test_hidden_comments_never_reach_the_shared_page(url, article, member, author):
    pending = factories.make_comment(article, body="Awaiting review", status=CommentStatus.PENDING)
    assert pending.status == CommentStatus.PENDING
    warm(url)
    assert "Awaiting review" not in guest_get(url)[1]


def test_a_broken_cache_serves_uncached_pages(url, monkeypatch, caplog):
    warm(url)

    def broken(*args, **kwargs):
        raise ConnectionError("redis went away")

    monkeypatch.setattr(caches["default"], "get_many", broken)
    monkeypatch.setattr(versions, "_down_until", 0.0)
    outcome, body, response = guest_get(url)
    assert outcome == "miss"
    assert "Comments" in body
    assert "ETag" not in response
    assert "page cache unavailable" in caplog.text


def test_the_cache_can_be_turned_off(url, settings):
    settings.PARLEY_PAGE_CACHE = False
    assert guest_get(url)[0] == "bypass"
    assert guest_get(url)[0] == "bypass"


@pytest.mark.django_db(transaction=False)
def test_bypassed_inside_a_transaction(url):
    """A request inside an open transaction may see writes whose announcements wait for
    the commit; it must neither fill nor use the shared cache."""
    assert guest_get(url)[0] == "bypass"
    assert guest_get(url)[0] == "bypass"


def test_a_slug_that_moves_to_another_article_serves_the_new_one(site):
    """The route memo (host, slug → article) may be stale; a page is still served only
    when its article and that article's version match."""
    first = factories.make_article(site, slug="moving", title="The first story")
    url = reverse("article", kwargs={"slug": "moving"})
    assert "The first story" in warm(url)
    first.slug = "moved-away"
    first.save()
    factories.make_article(site, slug="moving", title="The second story")
    outcome, body, _ = guest_get(url)
    assert outcome != "hit"
    assert "The second story" in body
    warm(url)
    assert "The second story" in guest_get(url)[1]
