"""The data download: the user's own data, whole, and nothing of anyone else, in a fixed
number of queries however much they wrote."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from parley import factories
from parley.accounts.models import SiteRole
from parley.discussion import actions
from parley.discussion.models import CommentStatus
from parley.inline.actions import ensure_revision
from parley.inline.models import Anchor
from parley.notifications.actions import follow_discussion, update_preferences

pytestmark = pytest.mark.django_db


def _download(client) -> dict:
    response = client.get(reverse("account_data"))
    assert response.status_code == 200
    return json.loads(response.content)


def test_guest_is_sent_to_sign_in(client):
    response = client.get("/accounts/data.json")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_download_is_an_uncached_attachment(client, subscriber):
    client.force_login(subscriber)
    response = client.get("/accounts/data.json")
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="parley-data-subscriber.json"'
    assert response["Cache-Control"] == "no-store"
    assert client.post("/accounts/data.json").status_code == 405


def test_download_holds_the_users_own_data_and_nothing_of_others(client, site, article):
    me = factories.make_subscriber(site, "me", email="me@example.com", display_name="Me Myself")
    other = factories.make_subscriber(
        site, "other", email="other-secret@example.com", display_name="Other Person"
    )
    SiteRole.objects.create(user=me, site=site, role=SiteRole.Role.MODERATOR)
    theirs = factories.make_comment(article, other, "Their *visible* words.")
    factories.make_comment(article, other, "Their held words.", status=CommentStatus.PENDING)
    mine = factories.make_comment(article, me, "My **reply**.", parent=theirs)
    held = factories.make_comment(article, me, "My held words.", status=CommentStatus.PENDING)
    actions.do_vote(user=other, comment=mine, value=1)
    actions.do_vote(user=me, comment=theirs, value=-1)
    revision = ensure_revision(article)
    top = factories.make_comment(article, me, "About the quote.")
    Anchor.objects.create(
        comment=top, revision=revision, made_on=revision, exact="A pull quote.",
        original_exact="A pull quote.", start=19, end=32,
    )  # fmt: skip
    follow_discussion(user=me, article=article)
    update_preferences(user=me, default_notify="replies", in_page=True, email_mode="digest")
    client.force_login(me)

    response = client.get(reverse("account_data"))
    text = response.content.decode()
    data = json.loads(text)

    assert data["format"] == "parley-account-data" and data["version"] == 1
    assert data["profile"]["username"] == "me"
    assert data["profile"]["display_name"] == "Me Myself"
    assert data["profile"]["email"] == "me@example.com"
    assert data["site_roles"] == [{"site": site.key, "site_name": site.name, "role": "moderator"}]
    assert [s["status"] for s in data["subscriptions"]] == ["current"]
    by_id = {c["id"]: c for c in data["comments"]}
    assert set(by_id) == {mine.pk, held.pk, top.pk}
    reply = by_id[mine.pk]
    assert reply["body_markdown"] == "My **reply**."
    assert "<strong>reply</strong>" in reply["body_html"]
    assert reply["parent_id"] == theirs.pk
    assert reply["votes"] == {"up": 1, "down": 0, "score": 1}
    assert reply["site"] == site.key
    assert reply["article"]["title"] == article.title
    assert reply["article"]["url"] == f"http://testserver/articles/{article.slug}/"
    assert reply["permalink"].endswith(f"/articles/{article.slug}/comments/{mine.pk}/#c-{mine.pk}")
    assert by_id[held.pk]["status"] == "pending"
    assert by_id[top.pk]["anchor"]["quote"] == "A pull quote."
    assert reply["anchor"] is None
    assert data["votes"] == [
        {
            "comment_id": theirs.pk,
            "value": -1,
            "site": site.key,
            "permalink": f"http://testserver/articles/{article.slug}/comments/{theirs.pk}/#c-{theirs.pk}",
            "created_at": data["votes"][0]["created_at"],
            "updated_at": data["votes"][0]["updated_at"],
        }
    ]
    assert data["notifications"]["preferences"]["email_mode"] == "digest"
    assert [f["what"] for f in data["notifications"]["follows"]] == ["discussion"]
    # Nothing of the other person: not their address, name, words, held or shown.
    for secret in ("other-secret@example.com", "Other Person", "Their held", "Their *visible*"):
        assert secret not in text


def test_site_with_a_domain_links_there(client, subscriber):
    elsewhere = factories.make_site(domain="news.example.org")
    article = factories.make_article(elsewhere)
    factories.make_comment(article, subscriber)
    client.force_login(subscriber)
    [comment] = _download(client)["comments"]
    assert comment["permalink"].startswith("http://news.example.org/articles/")


def _queries_for_download(client, user) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("account_data")).status_code == 200
    return len(captured)


def _writer_with(site, article, n: int):
    user = factories.make_subscriber(site)
    others = [factories.make_comment(article) for _ in range(n)]
    for i in range(n):
        factories.make_comment(article, user, f"Comment {i}", parent=others[i] if i % 2 else None)
        actions.do_vote(user=user, comment=others[i], value=1)
        follow_discussion(user=user, article=factories.make_article(site))
    return user


# session and user (auth middleware), notification preferences, site roles, subscriptions,
# comments (with article, site and anchor), votes (with their comment's article and site),
# follows, mutes: each read once, comments and votes in chunks of one query.
DOWNLOAD_QUERIES = 9


def test_query_count_does_not_grow_with_comments_and_votes(client, site, article):
    few = _queries_for_download(client, _writer_with(site, article, 5))
    many = _queries_for_download(client, _writer_with(site, article, 50))
    assert few == many == DOWNLOAD_QUERIES
