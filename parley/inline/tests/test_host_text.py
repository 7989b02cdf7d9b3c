"""The host page's text of an embedded article (views.host_text): the embed's frame sends
it, passages are checked against it, and a changed text re-anchors them."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from parley import factories
from parley.discussion.models import Comment
from parley.embed.models import EmbedSite
from parley.inline.models import Anchor, AnchorState, ArticleRevision, TextSource
from parley.inline.tests.helpers import anchor_fields
from parley.sso.models import SiteSso
from parley.sso.tests.conftest import SECRET, claims, exchange, sign

pytestmark = pytest.mark.django_db

HOST = "https://news.example"
PAGE = f"{HOST}/2026/a-story"
BLOCKS = [
    "  Every city that has closed its centre\n   to private cars "
    "has gone through\tthe same seasons. ",
    "First comes the fury: shopkeepers predicting ruin.",
    "",
    "It begins with the bus,\u00ad not the bollard.\u202e",
]
TEXT = (
    "Every city that has closed its centre to private cars has gone through the same "
    "seasons.\n\nFirst comes the fury: shopkeepers predicting ruin.\n\n"
    "It begins with the bus, not the bollard."
)


@pytest.fixture
def embedded(site):
    EmbedSite.objects.create(site=site, allowed_origins=HOST, auto_create_articles=True)
    return factories.make_article(site, body="", canonical_url=PAGE)


@pytest.fixture
def session_key(site, embedded):
    SiteSso.objects.create(site=site, shared_secret=SECRET)
    return exchange(Client(), site.key, sign(claims(site))).json()["session"]


def headers(site, key=None, **extra):
    out = {"X-Parley-Embed": "1", "X-Parley-Site": site.key, **extra}
    if key:
        out["Authorization"] = f"Bearer {key}"
    return out


def send(site, article, key, blocks=BLOCKS, origin=HOST, url=PAGE, csrf=True, **extra):
    return Client(enforce_csrf_checks=csrf).post(
        reverse("inline:host_text", args=[article.pk]),
        json.dumps({"blocks": blocks, "origin": origin, "url": url}),
        content_type="application/json",
        headers=headers(site, key, **extra),
    )


def test_the_frame_sends_the_host_text_and_comments_on_it(site, embedded, session_key):
    response = send(site, embedded, session_key)
    assert response.status_code == 200, response.content
    assert response.json()["changed"] is True
    revision = ArticleRevision.objects.filter(article=embedded).order_by("-number")[0]
    assert revision.text == TEXT and revision.source == TextSource.HOST
    assert send(site, embedded, session_key).json() == {
        "revision": revision.number,
        "changed": False,
    }

    posted = Client(enforce_csrf_checks=True).post(
        f"/articles/{embedded.slug}/comments/",
        {"body": "Not in my town.", **anchor_fields(TEXT, "shopkeepers predicting ruin")},
        headers=headers(site, session_key, **{"X-Parley-Fragment": "1"}),
    )
    assert posted.status_code == 201, posted.content
    anchor = Anchor.objects.get()
    assert anchor.revision == revision and anchor.exact == "shopkeepers predicting ruin"

    # The publisher edits the page: a new revision, the passage follows.
    edited = ["A new first paragraph.", *BLOCKS]
    assert send(site, embedded, session_key, blocks=edited).json()["changed"] is True
    anchor.refresh_from_db()
    assert anchor.state == AnchorState.ATTACHED and anchor.revision.number == revision.number + 1
    assert anchor.revision.text[anchor.start : anchor.end] == "shopkeepers predicting ruin"

    # Saving the article (a new title) keeps the host's text.
    embedded.title = "Renamed"
    embedded.save()
    latest = ArticleRevision.objects.filter(article=embedded).order_by("-number")[0]
    assert latest.source == TextSource.HOST and latest.text.startswith("A new first")


def test_a_quote_not_in_the_host_text_is_refused(site, embedded, session_key):
    send(site, embedded, session_key)
    response = Client().post(
        f"/articles/{embedded.slug}/comments/",
        {"body": "Hm.", **anchor_fields(TEXT.replace("ruin", "rain"), "predicting rain")},
        headers=headers(site, session_key, **{"X-Parley-Fragment": "1"}),
    )
    assert response.json()["code"] == "anchor_mismatch"
    assert not Comment.objects.exists()


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"embed": False}, 403, "embed_only"),
        ({"origin": "https://evil.example"}, 403, "origin_not_allowed"),
        ({"url": f"{HOST}/2026/another-story"}, 404, "not_found"),
        ({"signed_in": False}, 403, "not_signed_in"),
        ({"blocks": "just a string"}, 400, "bad_text"),
        ({"blocks": [1, 2]}, 400, "bad_text"),
        ({"blocks": ["x" * 100_000, "y" * 100_001]}, 400, "text_too_long"),
        ({"blocks": ["word"] * 5_001}, 400, "text_too_long"),
    ],
)
def test_refusals_change_nothing(site, embedded, session_key, change, status, code):
    key = session_key if change.get("signed_in", True) else None
    # Without the embed's header: CSRF refuses a cross-site post; a same-site one (with a
    # token, as here without checks) is still not the embed's.
    extra = {} if change.get("embed", True) else {"X-Parley-Embed": "0", "csrf": False}
    response = send(
        site,
        embedded,
        key,
        blocks=change.get("blocks", BLOCKS),
        origin=change.get("origin", HOST),
        url=change.get("url", PAGE),
        **extra,
    )
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert not ArticleRevision.objects.filter(article=embedded, source=TextSource.HOST).exists()


def test_an_article_with_a_body_keeps_its_own_text(site, embedded, session_key):
    embedded.body = "Parley's own body."
    embedded.save()
    response = send(site, embedded, session_key)
    assert response.status_code == 400 and response.json()["code"] == "article_has_body"


def test_a_reader_who_may_not_post_cannot_send_it(site, embedded):
    SiteSso.objects.create(site=site, shared_secret=SECRET)
    free = claims(site, entitlement={"subscriber": False})
    key = exchange(Client(), site.key, sign(free)).json()["session"]
    response = send(site, embedded, key)
    assert response.status_code == 403 and response.json()["code"] == "not_subscriber"
