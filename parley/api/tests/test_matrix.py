"""The permission matrix: every operation of the OpenAPI document, for every role.

Each cell states the status (and for refusals the error code) that role must get, so no
case passes for the wrong reason; a refused write must leave the database as it was; and
each operation must pass through the discussion.access functions it names. An operation
added to the API without a row here fails `test_matrix_lists_every_operation`.
"""

from dataclasses import dataclass, field
from functools import wraps
from urllib.parse import quote

import pytest

from parley.api.tests.conftest import JsonClient
from parley.articles.models import Article
from parley.discussion import access, actions
from parley.discussion.models import Comment, Vote

ROLES = ("guest", "reader", "lapsed", "subscriber", "author", "moderator", "token")
CANONICAL = "https://publisher.example/2025/a-story"

OK = 200
# Cells: a status, or (status, code) for a refusal.
READ = {role: OK for role in ROLES}


def writes(ok: int, **special):
    """The usual write row: only subscribers, staff and (here) the author pass."""
    row = {
        "guest": (403, "not_signed_in"),
        "reader": (403, "not_subscriber"),
        "lapsed": (403, "subscription_ended"),
        "subscriber": ok,
        "author": ok,
        "moderator": ok,
        "token": (403, "read_only_token"),
    }
    return {**row, **special}


OWN_ONLY = writes(
    OK,
    reader=(403, "forbidden"),
    lapsed=(403, "forbidden"),
    subscriber=(403, "forbidden"),
    moderator=(403, "forbidden"),
)
VOTE = writes(OK, author=(403, "own_comment"))
SSO_UNKNOWN = {role: (404, "unknown_site") for role in ROLES}


@dataclass
class Op:
    method: str
    path: str  # formatted with {article}, {top}, {reply}, {url}
    expect: dict
    body: dict | None = None
    through: set[str] = field(default_factory=set)  # access functions it must call


MATRIX: dict[str, Op] = {
    "list_articles": Op("GET", "/articles", READ),
    "lookup_article": Op(
        "GET", "/articles/lookup?url={url}", READ, through={"access_article_by_url"}
    ),
    "article_counts": Op("GET", "/articles/counts?ids={article}&urls={url}", READ),
    "get_article": Op("GET", "/articles/{article}", READ, through={"access_article_by_id"}),
    "comment_page": Op(
        "GET", "/articles/{article}/comments?sort=new", READ, through={"access_article_by_id"}
    ),
    "thread_replies": Op("GET", "/comments/{top}/replies", READ, through={"access_comment"}),
    "comment_context": Op("GET", "/comments/{reply}", READ, through={"access_comment"}),
    "post_comment": Op(
        "POST",
        "/articles/{article}/comments",
        writes(201),
        body={"body": "My reply", "parent_id": "{top}"},
        through={"access_article_by_id", "check_post_comment"},
    ),
    "edit_comment": Op(
        "PATCH",
        "/comments/{top}",
        OWN_ONLY,
        body={"body": "Edited"},
        through={"check_edit_comment"},
    ),
    "delete_comment": Op("DELETE", "/comments/{top}", OWN_ONLY, through={"check_delete_comment"}),
    "set_vote": Op(
        "PUT", "/comments/{top}/vote", VOTE, body={"value": "up"}, through={"check_vote"}
    ),
    "withdraw_vote": Op("DELETE", "/comments/{top}/vote", VOTE, through={"check_vote"}),
    "me": Op("GET", "/me", READ),
    "my_votes": Op("GET", "/me/votes?ids={top}&ids={reply}", READ),
    "csrf_token": Op("GET", "/csrf", READ),
    # Single sign-on and the entitlement webhook (parley/sso): the token or the signature
    # is the credential, so every role gets the same answer (here: no SSO on that site).
    "sso_session": Op(
        "POST", "/sso/session", SSO_UNKNOWN, body={"site": "no-such-site", "token": "x.y.z"}
    ),
    "sso_sign_out": Op("DELETE", "/sso/session", READ),
    "entitlement_webhook": Op(
        "POST",
        "/webhooks/entitlements",
        SSO_UNKNOWN,
        body={
            "id": "evt_1",
            "type": "subscription.ended",
            "site": "no-such-site",
            "user": {"id": "someone"},
        },
    ),
}


def test_matrix_lists_every_operation(client):
    document = client.get("/api/v1/openapi.json").json()
    operations = {op["operationId"] for ops in document["paths"].values() for op in ops.values()}
    missing = operations - MATRIX.keys()
    assert not missing, f"Add these operations to the permission matrix: {sorted(missing)}"
    stale = MATRIX.keys() - operations
    assert not stale, f"These matrix rows match no operation: {sorted(stale)}"
    for name, op in MATRIX.items():
        assert set(op.expect) == set(ROLES), f"{name} must state every role"


@pytest.fixture
def calls(monkeypatch):
    """Names of the discussion.access functions called during the test."""
    seen: list[str] = []
    for name in dir(access):
        fn = getattr(access, name)
        if callable(fn) and name.startswith(("access_", "check_")):

            def spy(*args, _fn=fn, _name=name, **kwargs):
                seen.append(_name)
                return _fn(*args, **kwargs)

            monkeypatch.setattr(access, name, wraps(fn)(spy))
    return seen


def state() -> tuple:
    """What a refused write must not change."""
    return (
        list(Comment.objects.order_by("pk").values_list("pk", "status", "body")),
        list(Vote.objects.order_by("pk").values_list("pk", "value")),
        list(Article.objects.order_by("pk").values_list("pk", "comment_count")),
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_permission_matrix(
    name, role, request, as_user, article, discussion, subscriber, moderator, calls
):
    top, reply = discussion
    Article.objects.filter(pk=article.pk).update(canonical_url=CANONICAL)
    # The subscriber has voted on the top comment, so withdrawing has something to undo.
    actions.do_vote(user=subscriber, comment=top, value=1)
    if role == "token":
        client: JsonClient = request.getfixturevalue("as_token")
    elif role == "guest":
        client = as_user(None)
    else:
        client = as_user(request.getfixturevalue(role))
    op = MATRIX[name]
    ids = {"article": article.pk, "top": top.pk, "reply": reply.pk, "url": quote(CANONICAL)}
    body = None
    if op.body is not None:
        body = {k: int(v.format(**ids)) if k.endswith("_id") else v for k, v in op.body.items()}
    before = state()
    calls.clear()

    response = client.call(op.method, op.path.format(**ids), body)

    expected = op.expect[role]
    status, code = expected if isinstance(expected, tuple) else (expected, None)
    assert response.status_code == status, response.content
    if code is not None:
        assert response.json()["code"] == code
        assert state() == before, "a refused request changed the database"
    if role != "token":
        assert op.through <= set(calls), f"{name} must go through {op.through}, saw {calls}"
