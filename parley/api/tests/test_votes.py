"""Votes through the API: set, change, withdraw, with the counters and my vote."""

import pytest

from parley.discussion.models import Vote

pytestmark = pytest.mark.django_db


def test_set_change_and_withdraw(as_user, discussion, subscriber):
    top, _ = discussion
    client = as_user(subscriber)
    up = client.put(f"/comments/{top.pk}/vote", {"value": "up"}).json()
    assert up == {"comment_id": top.pk, "upvotes": 1, "downvotes": 0, "score": 1, "my_vote": 1}
    again = client.put(f"/comments/{top.pk}/vote", {"value": "up"}).json()
    assert again["upvotes"] == 1
    down = client.put(f"/comments/{top.pk}/vote", {"value": "down"}).json()
    assert (down["upvotes"], down["downvotes"], down["score"], down["my_vote"]) == (0, 1, -1, -1)
    mine = client.get(f"/me/votes?ids={top.pk}").json()
    assert mine == {"votes": [{"comment_id": top.pk, "value": -1}]}
    gone = client.delete(f"/comments/{top.pk}/vote").json()
    assert (gone["downvotes"], gone["score"], gone["my_vote"]) == (0, 0, 0)
    assert not Vote.objects.exists()
    page = client.get(f"/comments/{top.pk}").json()["comment"]
    assert page["viewer"]["my_vote"] == 0 and page["viewer"]["can_vote"] is True


def test_my_vote_shows_on_the_page(as_user, article, discussion, subscriber):
    top, _ = discussion
    client = as_user(subscriber)
    client.put(f"/comments/{top.pk}/vote", {"value": "down"})
    thread = client.get(f"/articles/{article.pk}/comments").json()["threads"][0]
    assert thread["comment"]["viewer"]["my_vote"] == -1


def test_bad_values_and_tombstones(as_user, discussion, subscriber, author):
    top, _ = discussion
    client = as_user(subscriber)
    bad = client.put(f"/comments/{top.pk}/vote", {"value": "sideways"})
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid")
    as_user(author).delete(f"/comments/{top.pk}")
    dead = client.put(f"/comments/{top.pk}/vote", {"value": "up"})
    assert (dead.status_code, dead.json()["code"]) == (400, "not_votable")
