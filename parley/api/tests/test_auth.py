"""Who may call: guests read, sessions need CSRF for writes, API tokens read their site."""

import hashlib
import re

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from parley import factories
from parley.accounts.models import SiteRole
from parley.api import tokens
from parley.api.models import ApiToken
from parley.api.tests.conftest import JsonClient
from parley.discussion.models import Comment

pytestmark = pytest.mark.django_db


# --- cookie sessions and CSRF ----------------------------------------------------------


def signed_in_strict(user) -> JsonClient:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return JsonClient(client)


def test_session_writes_need_the_csrf_token(article, subscriber):
    client = signed_in_strict(subscriber)
    refused = client.post(f"/articles/{article.pk}/comments", {"body": "Hi"})
    assert (refused.status_code, refused.json()["code"]) == (403, "csrf_failed")
    assert not Comment.objects.exists()
    token = client.get("/csrf").json()["csrf_token"]
    assert client.client.cookies["csrftoken"].value
    posted = client.post(f"/articles/{article.pk}/comments", {"body": "Hi"}, X_CSRFToken=token)
    assert posted.status_code == 201


def test_session_reads_need_no_csrf_token(article, subscriber):
    client = signed_in_strict(subscriber)
    assert client.get(f"/articles/{article.pk}/comments").status_code == 200
    assert client.get("/me").json()["via"] == "session"


def test_guests_are_told_to_sign_in_not_about_csrf(article):
    client = JsonClient(Client(enforce_csrf_checks=True))
    response = client.post(f"/articles/{article.pk}/comments", {"body": "Hi"})
    assert (response.status_code, response.json()["code"]) == (403, "not_signed_in")


# --- API tokens --------------------------------------------------------------------------


def test_only_a_hash_of_the_key_is_stored(site, token_key):
    token = ApiToken.objects.get()
    assert token.key_hash == hashlib.sha256(token_key.encode()).hexdigest()
    assert token_key not in str(ApiToken.objects.values().get())
    assert token_key.startswith("parley_") and len(token_key) > 40


def test_token_reads_its_site_and_is_touched(as_token, article, discussion):
    top, _ = discussion
    assert ApiToken.objects.get().last_used_at is None
    assert as_token.get(f"/articles/{article.pk}/comments").status_code == 200
    assert as_token.get(f"/comments/{top.pk}").status_code == 200
    me = as_token.get("/me").json()
    assert me["via"] == "token" and me["user"] is None and me["site"]["key"] == article.site.key
    assert ApiToken.objects.get().last_used_at is not None


def test_token_cannot_see_other_sites(as_token, site):
    other_site = factories.make_site()
    other = factories.make_article(other_site)
    comment = factories.make_comment(other)
    for path in (
        f"/articles/{other.pk}",
        f"/articles/{other.pk}/comments",
        f"/comments/{comment.pk}",
        f"/comments/{comment.pk}/replies",
        f"/articles?site={other_site.key}",
        f"/articles/counts?site={other_site.key}&ids={other.pk}",
    ):
        response = as_token.get(path)
        assert (response.status_code, response.json()["code"]) == (404, "not_found"), path
    assert as_token.get(f"/articles/counts?ids={other.pk}").json()["counts"] == []


def test_token_cannot_act_as_a_reader(as_token, article, discussion):
    top, _ = discussion
    for method, path, body in (
        ("POST", f"/articles/{article.pk}/comments", {"body": "Hi"}),
        ("PATCH", f"/comments/{top.pk}", {"body": "Hi"}),
        ("DELETE", f"/comments/{top.pk}", None),
        ("PUT", f"/comments/{top.pk}/vote", {"value": "up"}),
    ):
        response = as_token.call(method, path, body)
        assert (response.status_code, response.json()["code"]) == (403, "read_only_token")


@pytest.mark.parametrize(
    "header",
    [
        "Bearer parley_not-a-real-key",
        "Bearer somethingelse",
        "Bearer ",
        "Bearer parley_" + "x" * 300,
    ],
)
def test_unknown_bearer_values_are_refused(client, article, header):
    response = JsonClient(client).get("/articles", Authorization=header)
    assert (response.status_code, response.json()["code"]) == (401, "bad_token")


def test_revoked_token_is_refused_at_once(as_token, article):
    assert as_token.get("/articles").status_code == 200
    tokens.do_revoke_tokens(ApiToken.objects.all())
    response = as_token.get("/articles")
    assert (response.status_code, response.json()["code"]) == (401, "bad_token")


# --- the admin ---------------------------------------------------------------------------


@pytest.fixture
def editor(site):
    user = factories.make_user("editor", is_staff=True)
    SiteRole.objects.create(user=user, site=site, role=SiteRole.Role.EDITOR)
    return user


def test_superuser_creates_a_token_and_sees_the_key_once(client, site):
    admin = factories.make_user("boss", is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.post(
        "/admin/api/apitoken/add/", {"site": site.pk, "name": "CMS lists"}, follow=True
    )
    assert response.status_code == 200
    shown = re.search(r"parley_[A-Za-z0-9_-]{43}", response.content.decode())
    assert shown is not None, "the new key is shown on creation"
    key = shown.group(0)
    token = ApiToken.objects.get()
    assert token.created_by == admin and token.key_hash == tokens.hash_key(key)
    listing = client.get("/admin/api/apitoken/").content.decode()
    assert key not in listing and token.prefix in listing
    assert JsonClient(Client()).get("/me", Authorization=f"Bearer {key}").json()["via"] == "token"
    client.post(
        "/admin/api/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
        follow=True,
    )
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_editors_manage_tokens_of_their_own_sites_only(client, site, editor):
    editor.user_permissions.set(Permission.objects.filter(codename__endswith="apitoken"))
    other_site = factories.make_site()
    tokens.do_create_token(site=other_site, name="Not yours", created_by=None)
    mine, _ = tokens.do_create_token(site=site, name="Yours", created_by=editor)
    client.force_login(editor)
    listing = client.get("/admin/api/apitoken/").content.decode()
    assert "Yours" in listing and "Not yours" not in listing
    refused = client.post("/admin/api/apitoken/add/", {"site": other_site.pk, "name": "Sneaky"})
    assert refused.status_code == 200  # the form comes back with an error
    assert not ApiToken.objects.filter(name="Sneaky").exists()
    assert mine.site == site
