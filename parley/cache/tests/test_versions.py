"""Version tokens and the helper other endpoints (the API) call to cache for guests."""

import pytest
from django.http import HttpResponse, JsonResponse
from django.test import RequestFactory

from parley import factories
from parley.cache import pages, versions
from parley.discussion import events

pytestmark = pytest.mark.django_db(transaction=True)


def test_tokens_are_never_reused():
    seen = set()
    for _ in range(50):
        versions.bump_article(7)
        token = versions.article_version(7)
        assert token not in seen
        seen.add(token)


def test_a_missing_version_is_made_once_and_kept():
    first = versions.article_version(8)
    assert first is not None
    assert versions.article_version(8) == first


def test_every_discussion_event_bumps_its_article(article):
    comment = factories.make_comment(article)
    for signal in (events.comment_posted, events.comment_changed, events.vote_changed):
        before = versions.article_version(article.pk)
        signal.send(sender=signal, comment=comment, kind="test")
        assert versions.article_version(article.pk) != before


def test_deleting_an_article_retires_its_pages(article):
    before = versions.article_version(article.pk)
    article_id = article.pk
    article.delete()
    assert versions.article_version(article_id) != before


class Build:
    """A stand-in for an API endpoint: counts how often it really runs."""

    def __init__(self, status: int = 200):
        self.calls = 0
        self.status = status

    def __call__(self) -> HttpResponse:
        self.calls += 1
        return JsonResponse({"n": self.calls}, status=self.status)


def api_get(build: Build, article_id: int, variant=("top", "")):
    request = RequestFactory().get(f"/api/v1/articles/{article_id}/comments")
    return pages.cached_guest_response(request, article_id=article_id, variant=variant, build=build)


def test_the_api_helper_serves_guests_from_the_cache_until_a_change(article):
    build = Build()
    first = api_get(build, article.pk)
    assert api_get(build, article.pk).content == first.content
    assert build.calls == 1
    assert first["ETag"].endswith('-a"')
    api_get(build, article.pk, variant=("new", ""))
    assert build.calls == 2  # another variant, another entry
    factories.make_comment(article)  # commits, announces, bumps
    assert api_get(build, article.pk).content == b'{"n": 3}'


def test_the_api_helper_stores_only_successes(article):
    build = Build(status=400)
    api_get(build, article.pk)
    api_get(build, article.pk)
    assert build.calls == 2


def test_the_api_helper_answers_304(article):
    build = Build()
    etag = api_get(build, article.pk)["ETag"]
    request = RequestFactory().get("/x", HTTP_IF_NONE_MATCH=etag)
    response = pages.cached_guest_response(
        request, article_id=article.pk, variant=("top", ""), build=build
    )
    assert response.status_code == 304
