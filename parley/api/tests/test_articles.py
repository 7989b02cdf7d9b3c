"""Articles: the list, lookups by id and canonical URL, and counts for many articles."""

from datetime import timedelta
from urllib.parse import quote

import pytest
from django.utils import timezone

from parley import factories

pytestmark = pytest.mark.django_db


def test_list_is_paged_newest_first_with_counts(api, site):
    now = timezone.now()
    made = [factories.make_article(site, published_at=now - timedelta(hours=i)) for i in range(5)]
    factories.make_comment(made[0])
    factories.make_article(site, title="Not yet", published_at=now + timedelta(days=1))
    first = api.get(f"/articles?site={site.key}&page_size=3").json()
    assert [a["id"] for a in first["items"]] == [a.pk for a in made[:3]]
    assert first["items"][0]["comment_count"] == 1 and first["next_page"] == 2
    second = api.get(f"/articles?site={site.key}&page_size=3&page=2").json()
    assert [a["id"] for a in second["items"]] == [a.pk for a in made[3:]]
    assert second["next_page"] is None


def test_article_fields(api, article):
    body = api.get(f"/articles/{article.pk}").json()
    assert set(body) == {
        "id", "site", "slug", "title", "standfirst", "author", "url", "canonical_url",
        "published_at", "discussion_closed", "comment_count",
    }  # fmt: skip
    assert body["site"] == article.site.key
    assert body["url"] == f"http://testserver/articles/{article.slug}/"
    assert body["canonical_url"] is None


def test_site_domain_makes_the_addresses(api, site):
    site.domain = "news.example"
    site.save()
    article = factories.make_article(site)
    assert api.get(f"/articles/{article.pk}").json()["url"].startswith("http://news.example/")


def test_lookup_by_canonical_url_ignores_the_fragment(api, site):
    article = factories.make_article(site, canonical_url="https://pub.example/a?id=1")
    found = api.get(f"/articles/lookup?site={site.key}&url={quote('https://pub.example/a?id=1#x')}")
    assert found.json()["id"] == article.pk
    missing = api.get(f"/articles/lookup?site={site.key}&url={quote('https://pub.example/b')}")
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")
    elsewhere = factories.make_site()
    other = api.get(f"/articles/lookup?site={elsewhere.key}&url={quote(article.canonical_url)}")
    assert other.status_code == 404


def test_counts_by_ids_and_urls_in_one_query(api, site, django_assert_num_queries):
    a = factories.make_article(site, canonical_url="https://pub.example/a")
    b = factories.make_article(site, canonical_url="https://pub.example/b")
    stranger = factories.make_article(factories.make_site())
    factories.make_comment(a)
    factories.make_comment(a)
    factories.make_comment(b)
    query = (
        f"site={site.key}&ids={a.pk}&ids={stranger.pk}&ids=99999"
        f"&urls={quote('https://pub.example/b#comments')}&urls={quote('https://nowhere.example/')}"
    )
    with django_assert_num_queries(2):  # the site, the counts
        body = api.get(f"/articles/counts?{query}").json()
    assert body == {
        "site": site.key,
        "counts": [
            {"article_id": a.pk, "canonical_url": "https://pub.example/a", "comment_count": 2},
            {"article_id": b.pk, "canonical_url": "https://pub.example/b", "comment_count": 1},
        ],
    }


def test_counts_are_bounded(api, site):
    many = "&".join(f"ids={i}" for i in range(1, 102))
    response = api.get(f"/articles/counts?site={site.key}&{many}")
    assert (response.status_code, response.json()["code"]) == (422, "invalid")


def test_unknown_site_and_bad_site_key(api, site):
    assert api.get("/articles?site=nope").json()["code"] == "not_found"
    assert api.get("/articles?site=bad%20key").status_code == 422


def test_default_site_is_the_one_serving_the_host(api, article):
    items = api.get("/articles").json()["items"]
    assert [a["id"] for a in items] == [article.pk]


def test_nul_in_a_url_is_bad_input(api, site):
    response = api.get(f"/articles/lookup?site={site.key}&url=a%00b")
    assert (response.status_code, response.json()["code"]) == (422, "invalid")
