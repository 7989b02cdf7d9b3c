"""Reading and writing discussions through the API, as the embed will."""

from datetime import timedelta

import pytest
from django.utils import timezone

from parley import factories
from parley.articles.models import Article
from parley.discussion import actions
from parley.discussion.models import Comment, CommentStatus

pytestmark = pytest.mark.django_db

COMMENT_FIELDS = {
    "id", "parent_id", "root_id", "depth", "author", "body_html", "status", "created_at",
    "edited_at", "upvotes", "downvotes", "score", "reply_to", "permalink", "viewer", "anchor",
}  # fmt: skip


def walk(client, article, sort: str, limit: int = 3) -> list[int]:
    ids, cursor = [], ""
    while True:
        page = client.get(
            f"/articles/{article.pk}/comments?sort={sort}&limit={limit}&cursor={cursor}"
        ).json()
        ids += [t["comment"]["id"] for t in page["threads"]]
        cursor = page["next_cursor"]
        if not cursor:
            return ids


def test_page_shape_nests_replies_under_their_thread(api, article, discussion):
    top, reply = discussion
    page = api.get(f"/articles/{article.pk}/comments").json()
    assert page["sort"] == "top" and page["comment_count"] == 2 and page["next_cursor"] is None
    assert page["viewer"] == {"standing": "guest", "may_post": False, "is_moderator": False}
    [thread] = page["threads"]
    assert set(thread["comment"]) == COMMENT_FIELDS
    assert thread["comment"]["body_html"] == "<p>The <strong>first</strong> comment.</p>"
    assert thread["comment"]["author"] == {"name": "Author"}
    assert thread["more_replies"] == 0 and thread["replies_cursor"] is None
    [shown] = thread["replies"]
    assert (shown["id"], shown["parent_id"], shown["root_id"], shown["depth"]) == (
        reply.pk, top.pk, top.pk, 1,
    )  # fmt: skip
    assert shown["reply_to"] == "Author"
    assert shown["permalink"].endswith(
        f"/articles/{article.slug}/comments/{reply.pk}/#c-{reply.pk}"
    )


@pytest.mark.parametrize("sort", ["top", "new", "old"])
def test_cursor_walks_every_thread_once(sort, api, article, subscriber, reader):
    people = [factories.make_subscriber(article.site) for _ in range(3)]
    made = [factories.make_comment(article, people[i % 3], f"T{i}") for i in range(8)]
    actions.do_vote(user=people[1], comment=made[5], value=1)
    ids = walk(api, article, sort)
    assert sorted(ids) == sorted(c.pk for c in made) and len(ids) == 8
    if sort == "new":
        assert ids == sorted(ids, reverse=True)
    if sort == "top":
        assert ids[0] == made[5].pk


def test_bad_cursor_and_sort_are_refused(api, article):
    bad = api.get(f"/articles/{article.pk}/comments?cursor=not-a-cursor")
    assert (bad.status_code, bad.json()["code"]) == (400, "bad_cursor")
    wrong = api.get(f"/articles/{article.pk}/comments?sort=best")
    assert (wrong.status_code, wrong.json()["code"]) == (422, "invalid")
    assert "sort" in wrong.json()["message"]


def test_long_threads_page_their_replies(api, article, subscriber):
    top = factories.make_comment(article, subscriber, "Root")
    replies = [factories.make_comment(article, subscriber, f"R{i}", parent=top) for i in range(7)]
    thread = api.get(f"/articles/{article.pk}/comments?replies=3").json()["threads"][0]
    assert [r["id"] for r in thread["replies"]] == [r.pk for r in replies[:3]]
    assert thread["more_replies"] == 4
    seen, cursor = [], thread["replies_cursor"]
    while cursor:
        page = api.get(f"/comments/{top.pk}/replies?limit=3&cursor={cursor}").json()
        seen += [r["id"] for r in page["items"]]
        cursor = page["next_cursor"]
    assert seen == [r.pk for r in replies[3:]]
    assert api.get(f"/comments/{replies[0].pk}/replies").status_code == 404
    bad = api.get(f"/comments/{top.pk}/replies?cursor=%21%21")
    assert bad.json()["code"] == "bad_cursor"


def test_context_of_a_deep_reply(api, article, subscriber, author):
    top = factories.make_comment(article, author, "Root")
    sibling = factories.make_comment(article, subscriber, "Sibling", parent=top)
    middle = factories.make_comment(article, subscriber, "Middle", parent=top)
    deep = factories.make_comment(article, author, "Deep", parent=middle)
    under = factories.make_comment(article, subscriber, "Under", parent=deep)
    body = api.get(f"/comments/{deep.pk}").json()
    assert body["article"]["id"] == article.pk
    assert body["comment"]["id"] == deep.pk and body["comment"]["reply_to"] == "Subscriber"
    assert body["thread"]["comment"]["id"] == top.pk
    assert [r["id"] for r in body["thread"]["replies"]] == [middle.pk, deep.pk, under.pk]
    assert sibling.pk not in [r["id"] for r in body["thread"]["replies"]]


def test_tombstones_keep_the_thread_but_not_the_text(api, article, discussion, author):
    top, _reply = discussion
    actions.do_delete_comment(comment=top)
    Comment.objects.filter(pk=top.pk).update(body_html="<p>should never show</p>")
    shown = api.get(f"/articles/{article.pk}/comments").json()["threads"][0]["comment"]
    assert shown["status"] == "deleted" and shown["body_html"] == "" and shown["author"] is None
    Comment.objects.filter(pk=top.pk).update(status=CommentStatus.REMOVED)
    shown = api.get(f"/comments/{top.pk}").json()["comment"]
    assert shown["status"] == "removed" and shown["body_html"] == ""


def test_no_private_data_reaches_the_api(as_user, as_token, article):
    private = factories.make_subscriber(
        article.site, "login-handle-zq", email="secret-zq@example.com", display_name="Shown Zq"
    )
    top = factories.make_comment(article, private, "Hello")
    factories.make_comment(article, private, "Again", parent=top)
    for client in (as_user(None), as_user(private), as_token):
        for path in (
            f"/articles/{article.pk}/comments",
            f"/comments/{top.pk}",
            f"/comments/{top.pk}/replies",
            "/me",
        ):
            text = client.get(path).content.decode()
            assert "login-handle-zq" not in text and "secret-zq" not in text, path
    assert "Shown Zq" in as_user(None).get(f"/comments/{top.pk}").content.decode()


def test_subscriber_posts_replies_edits_and_deletes(as_user, article, subscriber):
    client = as_user(subscriber)
    posted = client.post(f"/articles/{article.pk}/comments", {"body": "Hello *there*"})
    assert posted.status_code == 201, posted.content
    first = posted.json()["comment"]
    assert first["body_html"] == "<p>Hello <em>there</em></p>"
    assert posted.json()["comment_count"] == 1
    assert first["viewer"] == {
        "my_vote": 0, "can_vote": False, "can_reply": True, "can_edit": True,
        "can_delete": True, "source": "Hello *there*",
    }  # fmt: skip
    reply = client.post(
        f"/articles/{article.pk}/comments", {"body": "Me again", "parent_id": first["id"]}
    ).json()["comment"]
    assert (reply["parent_id"], reply["depth"], reply["reply_to"]) == (first["id"], 1, "Subscriber")
    edited = client.patch(f"/comments/{first['id']}", {"body": "Changed"}).json()
    assert edited["body_html"] == "<p>Changed</p>" and edited["edited_at"] is not None
    gone = client.delete(f"/comments/{first['id']}").json()
    assert gone["tombstone"] is True and gone["comment"]["status"] == "deleted"
    assert gone["comment_count"] == 1
    erased = client.delete(f"/comments/{reply['id']}").json()
    assert erased == {
        "comment_id": reply["id"], "tombstone": False, "comment": None, "comment_count": 0,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"body": "   "}, 400, "empty"),
        ({"body": "x" * 10_001}, 400, "too_long"),
        ({"body": "<script></script>"}, 400, "empty"),
        ({}, 422, "invalid"),
        ({"body": 5}, 422, "invalid"),
        ({"body": "Hi", "parent_id": 10**9}, 404, "not_found"),
    ],
)
def test_post_refusals_have_codes(body, status, code, as_user, article, subscriber):
    response = as_user(subscriber).post(f"/articles/{article.pk}/comments", body)
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert not Comment.objects.exists()


def test_closed_discussions_and_edit_windows(as_user, article, author, discussion):
    top, _ = discussion
    Comment.objects.filter(pk=top.pk).update(created_at=timezone.now() - timedelta(hours=1))
    client = as_user(author)
    late = client.patch(f"/comments/{top.pk}", {"body": "Too late"})
    assert (late.status_code, late.json()["code"]) == (403, "edit_window_closed")
    Article.objects.filter(pk=article.pk).update(discussion_closed=True)
    closed = client.post(f"/articles/{article.pk}/comments", {"body": "Hi"})
    assert (closed.status_code, closed.json()["code"]) == (403, "thread_closed")
    page = client.get(f"/articles/{article.pk}/comments").json()
    assert page["discussion_closed"] is True
    assert not page["threads"][0]["comment"]["viewer"]["can_reply"]


def test_unknown_article_and_comment(api):
    for path in ("/articles/999999/comments", "/comments/999999", "/comments/999999/replies"):
        response = api.get(path)
        assert (response.status_code, response.json()["code"]) == (404, "not_found"), path


def test_pending_comments_show_only_to_their_author(as_user, article, author, subscriber):
    pending = factories.make_comment(article, author, "Wait", status=CommentStatus.PENDING)
    assert as_user(subscriber).get(f"/comments/{pending.pk}").status_code == 404
    mine = as_user(author).get(f"/comments/{pending.pk}").json()
    assert mine["comment"]["status"] == "pending"


def test_a_hidden_thread_root_shows_as_a_removed_tombstone(api, discussion):
    top, reply = discussion
    Comment.objects.filter(pk=top.pk).update(status=CommentStatus.SPAM)
    body = api.get(f"/comments/{reply.pk}").json()
    root = body["thread"]["comment"]
    assert (root["id"], root["status"], root["body_html"], root["author"]) == (
        top.pk, "removed", "", None,
    )  # fmt: skip
    assert body["comment"]["body_html"] == "<p>A reply.</p>"
