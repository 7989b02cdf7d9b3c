"""Per-site and per-article rules (parley/accounts/policy.py): who may read the
discussion, post and vote, decided in one place (Entitlement) for the page, the API and
the live stream. The default rules are the subscriber discussion (test_permissions.py)."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from parley import factories
from parley.accounts.entitlements import Standing
from parley.accounts.policy import Rules, allows
from parley.articles.models import Article, Site
from parley.discussion.models import Comment, CommentStatus, Vote

pytestmark = pytest.mark.django_db

ROLES = ["guest", "reader", "lapsed", "subscriber", "moderator"]
FRAGMENT = {"X-Parley-Fragment": "1"}


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def serves_testserver(site):
    Site.objects.filter(pk=site.pk).update(domain="testserver")


# rule -> the roles it admits
ADMITS = {
    "everyone": {"guest", "reader", "lapsed", "subscriber", "moderator"},
    "guests": {"guest", "reader", "lapsed", "subscriber", "moderator"},
    "signed_in": {"reader", "lapsed", "subscriber", "moderator"},
    "subscribers": {"subscriber", "moderator"},
}
STANDING = {
    "guest": Standing.GUEST,
    "reader": Standing.READER,
    "lapsed": Standing.LAPSED,
    "subscriber": Standing.SUBSCRIBER,
    "moderator": Standing.STAFF,
}


@pytest.mark.parametrize("rule", sorted(ADMITS))
@pytest.mark.parametrize("role", ROLES)
def test_the_rules_table(rule, role):
    assert allows(rule, standing=STANDING[role]) == (role in ADMITS[rule])


def client_for(request, role) -> Client:
    client = Client()
    if role != "guest":
        client.force_login(request.getfixturevalue(role))
    return client


def set_rules(site, article=None, **rules):
    if article is not None:
        Article.objects.filter(pk=article.pk).update(**rules)
    else:
        Site.objects.filter(pk=site.pk).update(**rules)


@pytest.mark.parametrize("post_rule", ["subscribers", "signed_in", "guests"])
@pytest.mark.parametrize("role", ROLES)
def test_posting_under_each_rule_on_page_and_api(post_rule, role, request, site, article):
    set_rules(site, post_rule=post_rule)
    client = client_for(request, role)
    allowed = role in ADMITS[post_rule]
    form = {"body": "Hello.", "guest_name": "Passer-by"}

    page = client.post(reverse("post_comment", args=[article.slug]), form, headers=FRAGMENT)
    api = client.post(
        f"/api/v1/articles/{article.pk}/comments",
        json.dumps({"body": "Hello via API.", "guest_name": "Passer-by"}),
        content_type="application/json",
    )

    assert (page.status_code, api.status_code) == ((201, 201) if allowed else (403, 403))
    if not allowed:
        assert page.json()["code"] == api.json()["code"]
        assert not Comment.objects.exists()


def test_a_guest_posts_under_a_name_and_waits_for_a_moderator(site, article):
    set_rules(site, post_rule="guests")
    client = Client()
    page = client.get(reverse("article", args=[article.slug])).content.decode()
    assert 'name="guest_name"' in page

    nameless = client.post(
        reverse("post_comment", args=[article.slug]), {"body": "Hi"}, headers=FRAGMENT
    )
    posted = client.post(
        reverse("post_comment", args=[article.slug]),
        {"body": "Hi", "guest_name": " <b>Pat</b>\u202e "},
        headers=FRAGMENT,
    )

    assert nameless.status_code == 400 and nameless.json()["code"] == "name_required"
    comment = Comment.objects.get()
    assert posted.status_code == 201
    assert comment.author is None and comment.author_name == "<b>Pat</b>"
    assert comment.status == CommentStatus.PENDING


@pytest.mark.parametrize("vote_rule", ["subscribers", "signed_in"])
@pytest.mark.parametrize("role", ROLES)
def test_voting_under_each_rule(vote_rule, role, request, site, article, author):
    set_rules(site, vote_rule=vote_rule)
    target = factories.make_comment(article, author, "Vote on me.")
    client = client_for(request, role)
    allowed = role in ADMITS[vote_rule]

    page = client.post(reverse("vote", args=[target.pk]), {"value": "up"}, headers=FRAGMENT)
    shown = client.get(reverse("article", args=[article.slug])).content.decode()

    assert page.status_code == (200 if allowed else 403)
    assert ('data-parley="vote"' in shown) == allowed
    assert Vote.objects.count() == (1 if allowed else 0)


@pytest.mark.parametrize("read_rule", ["everyone", "signed_in", "subscribers"])
@pytest.mark.parametrize("role", ROLES)
def test_reading_under_each_rule_on_page_api_and_live(read_rule, role, request, site, article):
    comment = factories.make_comment(article, body="Only some may read this.")
    set_rules(site, read_rule=read_rule)
    client = client_for(request, role)
    allowed = role in ADMITS[read_rule]

    page = client.get(reverse("article", args=[article.slug])).content.decode()
    api = client.get(f"/api/v1/articles/{article.pk}/comments")
    context = client.get(f"/api/v1/comments/{comment.pk}")
    live = client.get(f"/live/articles/{article.pk}/comments?ids={comment.pk}")

    assert ("Only some may read this." in page) == allowed
    assert ("data-discussion-hidden" in page) != allowed
    assert article.title in page  # the article itself is the paywall's business
    expected = 200 if allowed else 403
    assert (api.status_code, context.status_code, live.status_code) == (expected,) * 3
    if not allowed:
        assert api.json()["code"] == "discussion_hidden"


def test_an_article_overrides_its_site(site, article, reader):
    other = factories.make_article(site)
    set_rules(site, article, post_rule="signed_in")
    client = Client()
    client.force_login(reader)

    here = client.post(
        reverse("post_comment", args=[article.slug]), {"body": "Yes"}, headers=FRAGMENT
    )
    there = client.post(
        reverse("post_comment", args=[other.slug]), {"body": "No"}, headers=FRAGMENT
    )

    assert here.status_code == 201
    assert there.status_code == 403 and there.json()["code"] == "not_subscriber"


def test_a_lapsed_subscriber_keeps_their_comments(site, article, lapsed):
    kept = factories.make_comment(article, lapsed, "Written while subscribed.")
    client = Client()
    client.force_login(lapsed)
    html = client.get(reverse("article", args=[article.slug])).content.decode()
    assert "Written while subscribed." in html
    assert Comment.objects.get(pk=kept.pk).status == CommentStatus.VISIBLE


def test_default_rules():
    assert Rules() == Rules(read="everyone", post="subscribers", vote="subscribers")
