"""Who may do what in a discussion, through HTTP, for every role.

Roles: guest, free reader, lapsed subscriber, subscriber, the comment's author, a moderator
of this site and a moderator of another site. Decisions asserted here:

- Moderators (SiteRole MODERATOR) post, reply and vote like subscribers: staff have a voice.
- A moderator of another site counts by their standing on this site (here: a free reader).
- Editing and deleting through these endpoints is for a comment's author only; moderators
  act on other people's comments through moderation, not through the author's buttons.
- Authors may delete their own comments even after their subscription lapsed, but not edit.

Every refusal is checked twice (page and X-Parley-Fragment JSON), and each time that
nothing was stored: rows, counters and the body are exactly as before.
"""

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from parley import factories
from parley.articles.models import Article, Site
from parley.discussion import actions
from parley.discussion.models import Comment, CommentStatus, ScoreChange, Vote
from parley.errors import (
    EditWindowClosed,
    Forbidden,
    NotSignedIn,
    NotSubscriber,
    SubscriptionEnded,
)

pytestmark = pytest.mark.django_db

FRAGMENT = {"X-Parley-Fragment": "1"}
ROLES = ["guest", "reader", "lapsed", "subscriber", "author", "moderator", "foreign_moderator"]
ORIGINAL = "The original comment."


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Every case builds two or three accounts; the real hasher would dominate the run.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def site_serves_testserver(site):
    # The site under test answers for the test client's host whatever other sites exist.
    Site.objects.filter(pk=site.pk).update(domain="testserver")


@pytest.fixture
def foreign_moderator(db):
    return factories.make_moderator(factories.make_site(), "foreign_moderator")


@pytest.fixture
def target(article, author):
    """The comment every action is aimed at, written by `author`."""
    return factories.make_comment(article, user=author, body=ORIGINAL)


def sign_in(client, request, role):
    if role == "guest":
        return None
    user = request.getfixturevalue(role)
    client.force_login(user)
    return user


def snapshot(article):
    """Everything an action could change, to compare before and after a refusal."""
    return {
        "comments": list(
            Comment.objects.order_by("pk").values_list(
                "pk",
                "body",
                "body_html",
                "status",
                "edited_at",
                "upvotes",
                "downvotes",
                "score",
                "thread_replies",
            )
        ),
        "votes": list(Vote.objects.order_by("pk").values_list("user_id", "comment_id", "value")),
        "score_changes": ScoreChange.objects.count(),
        "comment_count": Article.objects.get(pk=article.pk).comment_count,
    }


def comment_count(article):
    return Article.objects.get(pk=article.pk).comment_count


def visible_count(article):
    return Comment.objects.filter(article=article, status=CommentStatus.VISIBLE).count()


def permalink(comment):
    url = reverse("permalink", kwargs={"slug": comment.article.slug, "comment_id": comment.pk})
    return f"{url}#c-{comment.pk}"


def article_page(client, article):
    response = client.get(reverse("article", kwargs={"slug": article.slug}))
    assert response.status_code == 200
    return response.content.decode()


def assert_refused(response, error, fragment):
    assert response.status_code == error.status
    if fragment:
        assert response["Content-Type"] == "application/json"
        assert response.json() == {"code": error.code, "message": error.message}
    else:
        html = response.content.decode()
        assert f'data-code="{error.code}"' in html
        assert escape(error.message) in html


# --- the matrix ----------------------------------------------------------------------------

NOT_SIGNED_IN = NotSignedIn()
NOT_SUBSCRIBER = NotSubscriber()
ENDED = SubscriptionEnded()
OWN_VOTE = Forbidden("You cannot vote on your own comment.", code="own_comment")
NOT_YOURS = Forbidden("You can only change your own comments.")

PARTICIPATE = {
    "guest": NOT_SIGNED_IN,
    "reader": NOT_SUBSCRIBER,
    "lapsed": ENDED,
    "subscriber": None,
    "author": None,
    "moderator": None,
    "foreign_moderator": NOT_SUBSCRIBER,
}
VOTE = {**PARTICIPATE, "author": OWN_VOTE}
CHANGE = {
    "guest": NOT_SIGNED_IN,
    "reader": NOT_YOURS,
    "lapsed": NOT_YOURS,
    "subscriber": NOT_YOURS,
    "author": None,
    "moderator": NOT_YOURS,
    "foreign_moderator": NOT_YOURS,
}
MATRIX: dict[str, dict[str, Any]] = {
    "post": PARTICIPATE,
    "reply": PARTICIPATE,
    "vote_up": VOTE,
    "vote_down": VOTE,
    "vote_withdraw": VOTE,
    "edit": CHANGE,
    "delete": CHANGE,
}
CASES = [
    pytest.param(action, role, refusal, id=f"{action}-{role}")
    for action, outcomes in MATRIX.items()
    for role, refusal in outcomes.items()
]


def perform(client, action, *, article, target, fragment):
    headers = FRAGMENT if fragment else {}
    post_url = reverse("post_comment", kwargs={"slug": article.slug})
    vote_url = reverse("vote", kwargs={"comment_id": target.pk})
    if action == "post":
        return client.post(post_url, {"body": "A **new** comment."}, headers=headers)
    if action == "reply":
        return client.post(post_url, {"body": "A reply.", "parent": target.pk}, headers=headers)
    if action.startswith("vote_"):
        value = {"vote_up": "up", "vote_down": "down", "vote_withdraw": "none"}[action]
        return client.post(vote_url, {"value": value}, headers=headers)
    if action == "edit":
        url = reverse("edit_comment", kwargs={"comment_id": target.pk})
        return client.post(url, {"body": "Edited *text*."}, headers=headers)
    url = reverse("delete_comment", kwargs={"comment_id": target.pk})
    return client.post(url, headers=headers)


@pytest.mark.parametrize("fragment", [False, True], ids=["page", "fragment"])
@pytest.mark.parametrize(("action", "role", "refusal"), CASES)
def test_permission_matrix(client, request, article, target, action, role, refusal, fragment):
    user = sign_in(client, request, role)
    if action == "vote_withdraw" and user is not None and user != target.author:
        # Withdrawing needs a vote to withdraw, cast while the user could (or by an importer).
        actions.do_vote(user=user, comment=target, value=1)
    before = snapshot(article)
    response = perform(client, action, article=article, target=target, fragment=fragment)

    if refusal is not None:
        assert_refused(response, refusal, fragment)
        assert snapshot(article) == before
        return

    if fragment:
        assert response.status_code == (201 if action in ("post", "reply") else 200)
        assert response["Content-Type"] == "application/json"
    else:
        assert response.status_code == 302
    after_count = comment_count(article)
    target_now: Any = Comment.objects.filter(pk=target.pk).first()  # None once deleted

    if action in ("post", "reply"):
        new = Comment.objects.exclude(pk=target.pk).get()
        assert new.author == user
        assert after_count == before["comment_count"] + 1 == visible_count(article)
        if action == "reply":
            assert (new.parent_id, new.root_id, new.depth) == (target.pk, target.pk, 1)
            assert target_now.thread_replies == 1
        else:
            assert (new.parent_id, new.depth) == (None, 0)
            assert new.body_html == "<p>A <strong>new</strong> comment.</p>"
        if fragment:
            assert response.json()["id"] == new.pk
            assert response.json()["count"] == after_count
        else:
            assert response["Location"] == permalink(new)
    elif action.startswith("vote_"):
        expected = {"vote_up": 1, "vote_down": -1, "vote_withdraw": 0}[action]
        votes = dict(Vote.objects.filter(user=user).values_list("comment_id", "value"))
        assert votes.get(target.pk, 0) == expected
        assert Vote.objects.count() == (1 if expected else 0)
        assert target_now.score == expected
        assert (target_now.upvotes, target_now.downvotes) == (expected == 1, expected == -1)
        if fragment:
            assert response.json()["score"] == expected
            assert response.json()["my_vote"] == expected
        else:
            assert response["Location"] == permalink(target)
    elif action == "edit":
        assert target_now.body == "Edited *text*."
        assert target_now.body_html == "<p>Edited <em>text</em>.</p>"
        assert target_now.edited_at is not None
        assert after_count == before["comment_count"]
        if fragment:
            assert response.json() == {
                "id": target.pk,
                "body_html": target_now.body_html,
                "edited": True,
            }
        else:
            assert response["Location"] == permalink(target)
    else:  # delete, a leaf: the row goes
        assert target_now is None
        assert after_count == before["comment_count"] - 1 == visible_count(article) == 0
        if fragment:
            assert response.json() == {"id": target.pk, "tombstone": False, "count": 0}
        else:
            assert response["Location"] == (
                reverse("article", kwargs={"slug": article.slug}) + "#discussion"
            )


# --- votes ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fragment", [False, True], ids=["page", "fragment"])
def test_no_voting_on_your_own_comment(client, article, author, target, fragment):
    client.force_login(author)
    before = snapshot(article)
    for value in ("up", "down", "none"):
        response = client.post(
            reverse("vote", kwargs={"comment_id": target.pk}),
            {"value": value},
            headers=FRAGMENT if fragment else {},
        )
        assert_refused(response, OWN_VOTE, fragment)
    assert snapshot(article) == before


@pytest.mark.parametrize("value", ["sideways", "2", "-2", "", "upvote", "1.0", "true", "+"])
@pytest.mark.parametrize("fragment", [False, True], ids=["page", "fragment"])
def test_vote_value_outside_up_down_none_is_400(
    client, article, subscriber, target, value, fragment
):
    client.force_login(subscriber)
    before = snapshot(article)
    response = client.post(
        reverse("vote", kwargs={"comment_id": target.pk}),
        {"value": value},
        headers=FRAGMENT if fragment else {},
    )
    assert response.status_code == 400
    if fragment:
        assert response.json() == {"code": "bad_vote", "message": "A vote is up, down or none."}
    else:
        assert 'data-code="bad_vote"' in response.content.decode()
    assert snapshot(article) == before


def test_votes_change_and_withdraw_with_one_row(client, article, subscriber, target):
    client.force_login(subscriber)
    url = reverse("vote", kwargs={"comment_id": target.pk})
    steps = [("up", 1, 0, 1), ("up", 1, 0, 1), ("down", 0, 1, -1), ("none", 0, 0, 0)]
    for value, up, down, score in steps:
        response = client.post(url, {"value": value}, headers=FRAGMENT)
        assert response.status_code == 200
        assert response.json()["score"] == score
        target.refresh_from_db()
        assert (target.upvotes, target.downvotes, target.score) == (up, down, score)
        assert Vote.objects.count() == (1 if score else 0)


def test_vote_on_a_deleted_comment_is_refused(client, article, subscriber, author, target):
    factories.make_comment(article, body="Keeps the tombstone.", parent=target)
    actions.do_delete_comment(comment=target)
    client.force_login(subscriber)
    before = snapshot(article)
    response = client.post(
        reverse("vote", kwargs={"comment_id": target.pk}), {"value": "up"}, headers=FRAGMENT
    )
    assert response.status_code == 400
    assert response.json()["code"] == "not_votable"
    assert snapshot(article) == before


# --- edits ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fragment", [False, True], ids=["page", "fragment"])
def test_edit_after_the_window_is_refused(client, article, author, target, fragment):
    Comment.objects.filter(pk=target.pk).update(created_at=timezone.now() - timedelta(minutes=16))
    client.force_login(author)
    before = snapshot(article)
    response = client.post(
        reverse("edit_comment", kwargs={"comment_id": target.pk}),
        {"body": "Too late."},
        headers=FRAGMENT if fragment else {},
    )
    assert_refused(response, EditWindowClosed(), fragment)
    assert snapshot(article) == before
    assert Comment.objects.get(pk=target.pk).body == ORIGINAL


def test_edit_just_inside_the_window_works_and_the_page_offers_it(client, article, author, target):
    Comment.objects.filter(pk=target.pk).update(created_at=timezone.now() - timedelta(minutes=14))
    client.force_login(author)
    edit_url = reverse("edit_comment", kwargs={"comment_id": target.pk})
    assert f'action="{edit_url}"' in article_page(client, article)
    response = client.post(edit_url, {"body": "Still in time."})
    assert response.status_code == 302
    assert Comment.objects.get(pk=target.pk).body == "Still in time."


def test_page_stops_offering_edit_after_the_window(client, article, author, target):
    Comment.objects.filter(pk=target.pk).update(created_at=timezone.now() - timedelta(minutes=16))
    client.force_login(author)
    html = article_page(client, article)
    assert reverse("edit_comment", kwargs={"comment_id": target.pk}) not in html
    assert reverse("delete_comment", kwargs={"comment_id": target.pk}) in html


@pytest.mark.parametrize("fragment", [False, True], ids=["page", "fragment"])
def test_editing_someone_elses_comment_is_refused(client, article, subscriber, target, fragment):
    client.force_login(subscriber)
    before = snapshot(article)
    response = client.post(
        reverse("edit_comment", kwargs={"comment_id": target.pk}),
        {"body": "Hijacked."},
        headers=FRAGMENT if fragment else {},
    )
    assert response.status_code == 403
    assert_refused(response, NOT_YOURS, fragment)
    assert snapshot(article) == before
    assert Comment.objects.get(pk=target.pk).body == ORIGINAL


def test_lapsed_author_may_not_edit_but_may_delete(client, site, article):
    lapsed_author = factories.make_subscriber(site, "was_subscribed")
    comment = factories.make_comment(article, user=lapsed_author, body=ORIGINAL)
    lapsed_author.subscriptions.update(ends_at=timezone.now() - timedelta(minutes=1))
    client.force_login(lapsed_author)
    before = snapshot(article)
    response = client.post(
        reverse("edit_comment", kwargs={"comment_id": comment.pk}),
        {"body": "Changed."},
        headers=FRAGMENT,
    )
    assert_refused(response, ENDED, fragment=True)
    assert snapshot(article) == before
    response = client.post(reverse("delete_comment", kwargs={"comment_id": comment.pk}))
    assert response.status_code == 302
    assert not Comment.objects.filter(pk=comment.pk).exists()
    assert comment_count(article) == 0


@pytest.mark.parametrize("body", ["", "   ", "<img src=x onerror=alert(1)>"])
def test_edit_to_nothing_is_refused_empty(client, article, author, target, body):
    client.force_login(author)
    before = snapshot(article)
    response = client.post(
        reverse("edit_comment", kwargs={"comment_id": target.pk}),
        {"body": body},
        headers=FRAGMENT,
    )
    assert response.status_code == 400
    assert response.json()["code"] == "empty"
    assert snapshot(article) == before


# --- deletion, tombstones and the count ----------------------------------------------------


def test_deleting_a_comment_with_replies_leaves_a_tombstone(client, article, author, subscriber):
    client.force_login(author)
    post_url = reverse("post_comment", kwargs={"slug": article.slug})
    assert client.post(post_url, {"body": "Parent words."}).status_code == 302
    parent = Comment.objects.get()
    client.force_login(subscriber)
    assert client.post(post_url, {"body": "Child words.", "parent": parent.pk}).status_code == 302
    child = Comment.objects.exclude(pk=parent.pk).get()
    assert comment_count(article) == 2 == visible_count(article)

    client.force_login(author)
    response = client.post(reverse("delete_comment", kwargs={"comment_id": parent.pk}))
    assert response.status_code == 302
    assert response["Location"] == permalink(parent)
    parent.refresh_from_db()
    assert (parent.status, parent.body, parent.body_html) == (CommentStatus.DELETED, "", "")
    assert comment_count(article) == 1 == visible_count(article)

    client.logout()
    html = article_page(client, article)
    assert "This comment was deleted" in html
    assert "Parent words." not in html
    assert "Child words." in html
    assert f'id="c-{child.pk}"' in html
    assert "<span data-count>1</span> Comment" in html

    # Deleting the tombstone again is refused and changes nothing.
    client.force_login(author)
    before = snapshot(article)
    response = client.post(
        reverse("delete_comment", kwargs={"comment_id": parent.pk}), headers=FRAGMENT
    )
    assert response.status_code == 403
    assert snapshot(article) == before

    # Replying to a tombstone is refused.
    client.force_login(subscriber)
    response = client.post(post_url, {"body": "Late.", "parent": parent.pk}, headers=FRAGMENT)
    assert response.status_code == 400
    assert response.json()["code"] == "not_replyable"
    assert snapshot(article) == before

    # The last reply goes, and takes the now childless tombstone with it.
    response = client.post(
        reverse("delete_comment", kwargs={"comment_id": child.pk}), headers=FRAGMENT
    )
    assert response.json() == {"id": child.pk, "tombstone": False, "count": 0}
    assert not Comment.objects.exists()
    assert comment_count(article) == 0
    html = article_page(client, article)
    assert "This comment was deleted" not in html
    assert "No comments yet." in html


def test_deleting_a_leaf_removes_it_and_keeps_its_parent(client, article, author, subscriber):
    parent = factories.make_comment(article, user=subscriber, body="Parent stays.")
    leaf = factories.make_comment(article, user=author, body="Leaf goes.", parent=parent)
    client.force_login(author)
    response = client.post(reverse("delete_comment", kwargs={"comment_id": leaf.pk}))
    assert response.status_code == 302
    assert not Comment.objects.filter(pk=leaf.pk).exists()
    parent.refresh_from_db()
    assert parent.status == CommentStatus.VISIBLE
    assert parent.thread_replies == 0
    assert comment_count(article) == 1 == visible_count(article)
    html = article_page(client, article)
    assert "Parent stays." in html
    assert "Leaf goes." not in html


def test_comment_count_stays_exact(client, article, author, subscriber, moderator):
    post_url = reverse("post_comment", kwargs={"slug": article.slug})

    def post(user, body, parent=None):
        client.force_login(user)
        data = {"body": body} if parent is None else {"body": body, "parent": parent.pk}
        response = client.post(post_url, data, headers=FRAGMENT)
        assert response.status_code == 201
        return Comment.objects.get(pk=response.json()["id"]), response.json()["count"]

    def delete(user, comment):
        client.force_login(user)
        url = reverse("delete_comment", kwargs={"comment_id": comment.pk})
        response = client.post(url, headers=FRAGMENT)
        assert response.status_code == 200
        return response.json()["count"]

    def check(expected, reported):
        assert reported == expected == comment_count(article) == visible_count(article)
        html = article_page(client, article)
        assert f"<span data-count>{expected}</span>" in html

    a, n = post(author, "A")
    check(1, n)
    b, n = post(subscriber, "B", parent=a)
    check(2, n)
    c, n = post(moderator, "C", parent=b)
    check(3, n)
    d, n = post(subscriber, "D")
    check(4, n)
    check(3, delete(author, a))  # tombstone
    check(2, delete(subscriber, d))  # leaf
    # A refused delete changes nothing.
    client.force_login(subscriber)
    client.post(reverse("delete_comment", kwargs={"comment_id": c.pk}), headers=FRAGMENT)
    check(2, comment_count(article))
    check(1, delete(subscriber, b))  # tombstone again: it has C
    check(0, delete(moderator, c))  # leaf, and both tombstones above it go
    assert not Comment.objects.exists()


# --- missing things ------------------------------------------------------------------------


@pytest.mark.parametrize("fragment", [False, True], ids=["page", "fragment"])
def test_reply_to_a_comment_of_another_article_is_404(client, site, article, subscriber, fragment):
    other = factories.make_article(site)
    elsewhere = factories.make_comment(other, body="Elsewhere.")
    client.force_login(subscriber)
    before = snapshot(article)
    response = client.post(
        reverse("post_comment", kwargs={"slug": article.slug}),
        {"body": "Cross-posted reply.", "parent": elsewhere.pk},
        headers=FRAGMENT if fragment else {},
    )
    assert response.status_code == 404
    if fragment:
        assert response.json()["code"] == "not_found"
    assert snapshot(article) == before
    assert comment_count(other) == 1


@pytest.mark.parametrize("parent", ["999999", "abc", "-1", "1e3"])
def test_reply_to_a_missing_parent_is_404(client, article, subscriber, parent):
    client.force_login(subscriber)
    response = client.post(
        reverse("post_comment", kwargs={"slug": article.slug}),
        {"body": "Into the void.", "parent": parent},
        headers=FRAGMENT,
    )
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert not Comment.objects.exists()


def test_post_to_a_missing_article_is_404(client, subscriber):
    client.force_login(subscriber)
    response = client.post(
        reverse("post_comment", kwargs={"slug": "no-such-article"}),
        {"body": "Hello."},
        headers=FRAGMENT,
    )
    assert response.status_code == 404
    assert not Comment.objects.exists()


@pytest.mark.parametrize("role", ["guest", "subscriber", "author", "moderator"])
@pytest.mark.parametrize("name", ["vote", "edit_comment", "delete_comment"])
def test_post_to_a_missing_comment_is_404(client, request, article, target, role, name):
    sign_in(client, request, role)
    before = snapshot(article)
    response = client.post(
        reverse(name, kwargs={"comment_id": target.pk + 1000}),
        {"value": "up", "body": "Hello."},
        headers=FRAGMENT,
    )
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert snapshot(article) == before


def test_someone_elses_pending_comment_is_404(client, article, subscriber, author):
    pending = factories.make_comment(
        article, user=author, body="Waiting.", status=CommentStatus.PENDING
    )
    client.force_login(subscriber)
    before = snapshot(article)
    for name, data in [("vote", {"value": "up"}), ("edit_comment", {"body": "x"})]:
        response = client.post(
            reverse(name, kwargs={"comment_id": pending.pk}), data, headers=FRAGMENT
        )
        assert response.status_code == 404
    response = client.post(
        reverse("post_comment", kwargs={"slug": article.slug}),
        {"body": "Reply.", "parent": pending.pk},
        headers=FRAGMENT,
    )
    assert response.status_code == 404
    assert snapshot(article) == before


def test_closed_discussion_refuses_new_comments(client, article, subscriber, target):
    Article.objects.filter(pk=article.pk).update(discussion_closed=True)
    client.force_login(subscriber)
    before = snapshot(article)
    response = client.post(
        reverse("post_comment", kwargs={"slug": article.slug}),
        {"body": "Too late."},
        headers=FRAGMENT,
    )
    assert response.status_code == 403
    assert response.json()["code"] == "thread_closed"
    response = client.post(
        reverse("vote", kwargs={"comment_id": target.pk}), {"value": "up"}, headers=FRAGMENT
    )
    assert response.json()["code"] == "thread_closed"
    assert snapshot(article) == before
    assert "<textarea" not in article_page(client, article)


# --- what the page offers ------------------------------------------------------------------


@pytest.mark.parametrize("role", ["guest", "reader", "foreign_moderator"])
def test_page_asks_non_subscribers_to_subscribe(client, request, article, target, role):
    sign_in(client, request, role)
    html = article_page(client, article)
    assert "become a paid subscriber" in html
    assert "<textarea" not in html
    assert reverse("vote", kwargs={"comment_id": target.pk}) not in html
    assert ORIGINAL in html  # they still read the discussion
    assert ("Already a subscriber?" in html) == (role == "guest")


def test_page_tells_lapsed_subscribers_their_subscription_ended(client, article, lapsed, target):
    client.force_login(lapsed)
    html = article_page(client, article)
    assert "Your subscription has ended" in html
    assert "Renew subscription" in html
    assert "become a paid subscriber" not in html
    assert "<textarea" not in html


@pytest.mark.parametrize("role", ["subscriber", "author", "moderator"])
def test_page_shows_the_form_to_participants(client, request, article, target, role):
    user = sign_in(client, request, role)
    html = article_page(client, article)
    assert '<textarea id="new-comment" name="body"' in html
    assert f"Commenting as <b>{user.public_name}</b>" in html
    assert "become a paid subscriber" not in html
    vote_url = reverse("vote", kwargs={"comment_id": target.pk})
    assert (vote_url in html) == (role != "author")
    assert f'name="parent" value="{target.pk}"' in html
