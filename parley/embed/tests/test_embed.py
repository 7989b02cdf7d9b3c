"""The embed over HTTP: allowed origins (CORS, frame-ancestors), the frame page, article
auto-creation from untrusted page data, and the frame's requests with an SSO session."""

import json

import pytest
from django.test import Client

from parley import factories
from parley.articles.models import Article
from parley.discussion.models import Comment
from parley.embed.models import EmbedSite
from parley.embed.origins import normalise_origin, origin_of_url
from parley.sso.models import SiteSso
from parley.sso.tests.conftest import SECRET, claims, exchange, sign

pytestmark = pytest.mark.django_db

HOST = "https://news.example"
PAGE = f"{HOST}/2026/a-story"


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def embed(site):
    return EmbedSite.objects.create(
        site=site, allowed_origins=f"{HOST}\nhttps://www.news.example:443/\nnot an origin"
    )


@pytest.fixture
def story(article):
    Article.objects.filter(pk=article.pk).update(canonical_url=PAGE)
    article.refresh_from_db()
    return article


def frame(client, site, url=PAGE, origin=HOST, title="A story", **headers):
    query = {"site": site.key, "url": url, "origin": origin, "title": title}
    return client.get("/embed/", query, headers=headers)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://Example.com:443/", "https://example.com"),
        ("http://127.0.0.1:8001", "http://127.0.0.1:8001"),
        ("https://example.com/path", None),
        ("javascript:alert(1)", None),
        ("https://user:pw@example.com", None),
        ("ftp://example.com", None),
        ("", None),
    ],
)
def test_origins_are_parsed_strictly(value, expected):
    assert normalise_origin(value) == expected


def test_origin_of_url():
    assert origin_of_url("https://news.example/a?b#c") == "https://news.example"
    assert origin_of_url("javascript://news.example/%0aalert(1)") is None
    assert origin_of_url("/relative") is None


def test_allowed_origins_ignore_junk(embed):
    assert embed.origins == ["https://news.example", "https://www.news.example"]


# --- CORS on the API -------------------------------------------------------------------


def test_cors_answers_allowed_origins_only(client, site, embed, story):
    url = f"/api/v1/articles/counts?site={site.key}&urls={PAGE}"
    allowed = client.get(url, headers={"Origin": HOST})
    other = client.get(url, headers={"Origin": "https://evil.example"})

    assert allowed.status_code == 200
    assert allowed["Access-Control-Allow-Origin"] == HOST
    assert "Access-Control-Allow-Credentials" not in allowed
    assert "Origin" in allowed["Vary"]
    assert "Access-Control-Allow-Origin" not in other


def test_cors_is_per_site(client, site, embed):
    other = factories.make_site()
    EmbedSite.objects.create(site=other, allowed_origins="https://other.example")
    response = client.get(f"/api/v1/articles/counts?site={other.key}", headers={"Origin": HOST})
    assert "Access-Control-Allow-Origin" not in response


def test_preflight(client, site, embed):
    headers = {"Origin": HOST, "Access-Control-Request-Method": "POST"}
    ok = client.options(f"/api/v1/sso/session?site={site.key}", headers=headers)
    refused = client.options(
        "/api/v1/sso/session", headers={**headers, "Origin": "https://evil.example"}
    )
    assert ok.status_code == 204
    assert "Authorization" in ok["Access-Control-Allow-Headers"]
    assert refused.status_code == 403
    assert "Access-Control-Allow-Origin" not in refused


# --- the frame -------------------------------------------------------------------------


def test_the_frame_shows_the_discussion_to_allowed_origins(client, site, embed, story):
    factories.make_comment(story, body="Hello from the thread.")
    response = frame(client, site)

    assert response.status_code == 200
    assert response["Content-Security-Policy"] == (
        "frame-ancestors https://news.example https://www.news.example"
    )
    assert "X-Frame-Options" not in response
    html = response.content.decode()
    assert "Hello from the thread." in html and "parley/parley.js" in html
    assert "<span data-count>1</span> Comment" in html


@pytest.mark.parametrize(
    ("origin", "url"),
    [
        ("https://evil.example", PAGE),  # framed by a page the site does not allow
        (HOST, "https://evil.example/2026/a-story"),  # a URL elsewhere
        (HOST, "javascript:alert(1)"),
    ],
)
def test_a_page_not_allowed_gets_nothing(client, site, embed, story, origin, url):
    factories.make_comment(story, body="Hello from the thread.")
    before = Article.objects.count()

    response = frame(client, site, url=url, origin=origin)

    assert response.status_code in (400, 403)
    assert "Hello from the thread." not in response.content.decode()
    assert response["Content-Security-Policy"].startswith("frame-ancestors https://news.example")
    assert Article.objects.count() == before


def test_unknown_site_is_not_found(client, site):
    response = frame(client, site)
    assert response.status_code == 404
    assert response["Content-Security-Policy"] == "frame-ancestors 'none'"


def test_no_article_and_no_auto_creation(client, site, embed):
    response = frame(client, site, url=f"{HOST}/new-page")
    assert response.status_code == 404
    assert not Article.objects.filter(canonical_url=f"{HOST}/new-page").exists()


def test_first_embed_creates_the_article_from_untrusted_text(client, site, embed):
    EmbedSite.objects.filter(pk=embed.pk).update(auto_create_articles=True)
    title = "  <b>Breaking</b>\u202e news\x00 " + "x" * 400

    first = frame(client, site, url=f"{HOST}/new-page#comments", title=title)
    second = frame(client, site, url=f"{HOST}/new-page", title="Something else")

    assert first.status_code == 200 and second.status_code == 200
    article = Article.objects.get(canonical_url=f"{HOST}/new-page")
    assert article.title.startswith("<b>Breaking</b> news")  # plain text, shown escaped
    assert "\u202e" not in article.title and "\x00" not in article.title
    assert len(article.title) <= 300
    assert Article.objects.filter(site=site).count() == 1


def test_the_loader_script_is_served(client):
    response = client.get("/embed.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert b"data-parley-count" in response.content


# --- the frame's requests --------------------------------------------------------------


@pytest.fixture
def session_key(site, embed):
    SiteSso.objects.create(site=site, shared_secret=SECRET)
    return exchange(Client(), site.key, sign(claims(site))).json()["session"]


def embed_headers(site, key=None):
    headers = {"X-Parley-Embed": "1", "X-Parley-Site": site.key, "X-Parley-Fragment": "1"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    return headers


def test_the_frame_posts_votes_and_renders_with_its_session(site, story, session_key):
    browser = Client(enforce_csrf_checks=True)  # no cookie, no CSRF token: a third-party frame
    other = factories.make_comment(story, body="Someone else.")

    posted = browser.post(
        f"/articles/{story.slug}/comments/",
        {"body": "From the embed."},
        headers=embed_headers(site, session_key),
    )
    voted = browser.post(
        f"/comments/{other.pk}/vote/", {"value": "up"}, headers=embed_headers(site, session_key)
    )
    fragment = frame(browser, site, **embed_headers(site, session_key))

    assert posted.status_code == 201, posted.content
    author = Comment.objects.get(pk=posted.json()["id"]).author
    assert author is not None and author.display_name == "Ada Lovelace"
    assert voted.json()["my_vote"] == 1
    assert "Commenting as <b>Ada Lovelace</b>" in json.loads(fragment.content)["html"]


def test_without_the_embed_header_csrf_still_applies(site, story, session_key):
    browser = Client(enforce_csrf_checks=True)
    headers = embed_headers(site, session_key)
    del headers["X-Parley-Embed"]
    response = browser.post(f"/articles/{story.slug}/comments/", {"body": "x"}, headers=headers)
    assert response.status_code == 403
    assert not Comment.objects.exists()


def test_an_expired_session_is_a_guest_and_says_so(site, story, session_key):
    browser = Client()
    browser.delete("/api/v1/sso/session", headers={"Authorization": f"Bearer {session_key}"})
    response = browser.post(
        f"/articles/{story.slug}/comments/",
        {"body": "Too late."},
        headers=embed_headers(site, session_key),
    )
    assert response.status_code == 403
    assert response.json()["code"] == "not_signed_in"
    assert response["X-Parley-Session"] == "expired"


def test_the_frame_names_its_site_whatever_the_host(site, embed, story):
    other = factories.make_site(domain="testserver")
    factories.make_article(other, slug=story.slug, title="Same slug elsewhere")
    response = Client().get(
        f"/articles/{story.slug}/", {"sort": "new"}, headers=embed_headers(site)
    )
    assert response.status_code == 200
    plain = Client().get(f"/articles/{story.slug}/")
    assert "Same slug elsewhere" in plain.content.decode()
