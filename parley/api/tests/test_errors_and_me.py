"""Errors in one shape, and the `me` endpoints."""

import pytest

from parley import factories

pytestmark = pytest.mark.django_db


def test_unknown_endpoints_answer_in_the_api_format(api):
    for path in ("/nothing-here", "/articles/1/nothing", "/articles/"):
        response = api.get(path)
        assert response.status_code == 404, path
        assert response.json() == {"code": "not_found", "message": "No such endpoint."}


def test_body_that_is_not_json(as_user, article, subscriber):
    client = as_user(subscriber).client
    response = client.post(
        f"/api/v1/articles/{article.pk}/comments", "{nope", content_type="application/json"
    )
    assert (response.status_code, response.json()["code"]) == (400, "invalid")


def test_validation_errors_name_the_field(api, article):
    response = api.get(f"/articles/{article.pk}/comments?limit=0")
    body = response.json()
    assert response.status_code == 422 and body["code"] == "invalid"
    assert body["message"].startswith("limit:")
    assert api.get("/articles/abc").json()["code"] == "invalid"


def test_lone_surrogates_are_bad_input(as_user, article, subscriber):
    client = as_user(subscriber).client
    response = client.post(
        f"/api/v1/articles/{article.pk}/comments",
        '{"body": "\\ud800"}',
        content_type="application/json",
    )
    assert (response.status_code, response.json()["code"]) == (422, "invalid")


@pytest.mark.parametrize(
    ("role", "standing", "may_post", "name"),
    [
        ("reader", "reader", False, "Reader"),
        ("lapsed", "lapsed", False, "Lapsed"),
        ("subscriber", "subscriber", True, "Subscriber"),
        ("moderator", "staff", True, "Moderator"),
    ],
)
def test_me_gives_name_and_standing(role, standing, may_post, name, request, as_user, site):
    body = as_user(request.getfixturevalue(role)).get(f"/me?site={site.key}").json()
    assert body["via"] == "session" and body["user"] == {"name": name}
    assert body["site"] == {"key": site.key, "name": site.name}
    assert (body["entitlement"]["standing"], body["entitlement"]["may_post"]) == (
        standing,
        may_post,
    )
    assert body["entitlement"]["is_moderator"] is (role == "moderator")


def test_me_for_a_guest(api, site):
    assert api.get("/me").json() == {
        "via": "guest",
        "user": None,
        "site": {"key": site.key, "name": site.name},
        "entitlement": {"standing": "guest", "may_post": False, "is_moderator": False},
    }


def test_standing_is_per_site(as_user, site, subscriber):
    elsewhere = factories.make_site()
    body = as_user(subscriber).get(f"/me?site={elsewhere.key}").json()
    assert body["entitlement"]["standing"] == "reader"


def test_my_votes_are_mine_only(as_user, discussion, subscriber, moderator):
    top, reply = discussion
    as_user(moderator).put(f"/comments/{reply.pk}/vote", {"value": "up"})
    as_user(subscriber).put(f"/comments/{top.pk}/vote", {"value": "up"})
    mine = as_user(subscriber).get(f"/me/votes?ids={top.pk}&ids={reply.pk}").json()
    assert mine == {"votes": [{"comment_id": top.pk, "value": 1}]}
    assert as_user(None).get(f"/me/votes?ids={top.pk}").json() == {"votes": []}
    assert as_user(None).get("/me/votes").status_code == 422
