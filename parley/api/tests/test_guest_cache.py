"""Guests share the API's page of comments as they share the article page (parley/cache):
served without a query once stored, identical to what the API renders, retired by every
change, and never shared when it is not the same for every guest (a signed-in caller,
a metered site).

These tests commit (django_db(transaction=True)): versions are bumped when a change
commits, and inside a test's transaction the cache stands aside."""

import json

import pytest
from django.test import Client

from parley import factories
from parley.discussion import actions

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def page_url(article, **params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/api/v1/articles/{article.pk}/comments" + (f"?{query}" if query else "")


def guest(url: str, **headers: str):
    response = Client().get(url, headers=headers)
    return response, getattr(response.wsgi_request, "parley_cache", None)


@pytest.fixture
def discussion(article):
    ann = factories.make_subscriber(article.site, "ann")
    first = factories.make_comment(article, ann, "The first point.")
    factories.make_comment(article, body="A reply.", parent=first)
    return ann


def test_a_guest_is_served_the_stored_page_without_a_query(
    article, discussion, settings, django_assert_num_queries
):
    url = page_url(article, sort="new")
    first, outcome = guest(url)
    assert outcome == "store"
    with django_assert_num_queries(0):
        again, outcome = guest(url)
    assert outcome == "hit"
    assert again.json() == first.json()
    assert again["ETag"] == first["ETag"] and "public" in again["Cache-Control"]
    assert guest(url, **{"If-None-Match": again["ETag"]})[0].status_code == 304
    settings.PARLEY_PAGE_CACHE = False
    assert guest(url)[0].json() == again.json()  # what the API renders without the cache


def test_every_variant_is_its_own_page(article, discussion):
    newest, _ = guest(page_url(article, sort="new"))
    oldest, _ = guest(page_url(article, sort="old"))
    no_replies, _ = guest(page_url(article, sort="new", replies="0"))
    assert [t["comment"]["body_html"] for t in newest.json()["threads"]] == [
        "<p>The first point.</p>"
    ]
    assert newest.json()["sort"] == "new" and oldest.json()["sort"] == "old"
    assert newest.json()["threads"][0]["replies"]
    assert not no_replies.json()["threads"][0]["replies"]
    assert guest(page_url(article, sort="old"))[1] == "hit"
    assert guest(page_url(article, sort="old"))[0].json() == oldest.json()


def test_a_new_comment_reaches_the_next_guest(article, discussion):
    url = page_url(article)
    guest(url)
    assert guest(url)[1] == "hit"
    actions.do_post_comment(
        user=discussion, article=article, body="Late.", body_html="<p>Late news.</p>"
    )
    response, outcome = guest(url)
    assert outcome != "hit"
    assert response.json()["comment_count"] == 3
    assert "<p>Late news.</p>" in json.dumps(response.json())


def test_a_signed_in_caller_gets_their_own_page(article, discussion, subscriber):
    url = page_url(article)
    guest(url)
    member = Client()
    member.force_login(subscriber)
    response = member.get(url)
    assert getattr(response.wsgi_request, "parley_cache", None) is None
    assert response.json()["viewer"]["standing"] != "guest"
    assert "public" not in response.get("Cache-Control", "")


def test_a_metered_sites_page_is_never_shared(article, discussion, site):
    site.meter_free_articles = 3
    site.save()
    url = page_url(article)
    for _ in range(3):
        response, outcome = guest(url)
        assert outcome == "bypass"
        assert "private" in response["Cache-Control"]
