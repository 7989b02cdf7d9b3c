"""The permission matrix: every moderation action for every kind of user, through HTTP.

Moderators act on their own site; editors pick comments and close discussions; everyone
else, a moderator of another site included, meets a 404 as if the thing did not exist.
"""

import pytest
from django.urls import reverse

from parley import factories
from parley.discussion.models import CommentStatus
from parley.moderation import actions
from parley.moderation.models import Appeal, HoldRule, Sanction, SanctionKind

pytestmark = pytest.mark.django_db

ROLES = ["reader", "subscriber", "author", "moderator", "other_moderator", "editor"]
MODERATOR_ONLY = {"moderator": 200, "editor": 403}
CURATOR = {"moderator": 200, "editor": 200}


def expected(table: dict[str, int], role: str) -> int:
    return table.get(role, 404)


@pytest.fixture
def people(reader, subscriber, author, moderator, other_moderator, editor):
    return {
        "reader": reader,
        "subscriber": subscriber,
        "author": author,
        "moderator": moderator,
        "other_moderator": other_moderator,
        "editor": editor,
    }


@pytest.fixture
def target(article, author, moderator):
    """A comment by `author` in each state an action needs, and an open appeal."""
    visible = factories.make_comment(article, author, "Visible.")
    pending = factories.make_comment(article, author, "Held.", status=CommentStatus.PENDING)
    actions.do_hold(comment=pending, rule=HoldRule.OTHER, reason="test")
    removed = factories.make_comment(article, author, "Removed.")
    actions.do_remove(actor=moderator, comment=removed, reason="abuse")
    appealed = factories.make_comment(article, author, "Appealed.")
    actions.do_remove(actor=moderator, comment=appealed, reason="abuse")
    Appeal.objects.create(comment=appealed, site=article.site, author=author, text="Please")
    return {"visible": visible, "pending": pending, "removed": removed, "appealed": appealed}


ACTIONS = [
    # (action, which comment, POST data, who may)
    ("approve", "pending", {}, MODERATOR_ONLY),
    ("remove", "visible", {"reason": "spam"}, MODERATOR_ONLY),
    ("restore", "removed", {}, MODERATOR_ONLY),
    ("ban", "visible", {"days": "", "message": "Bye"}, MODERATOR_ONLY),
    ("grant", "appealed", {}, MODERATOR_ONLY),
    ("deny", "appealed", {}, MODERATOR_ONLY),
    ("feature", "visible", {}, CURATOR),
    ("unfeature", "visible", {}, CURATOR),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("action", "which", "data", "allowed"), ACTIONS)
def test_comment_actions(client, people, target, role, action, which, data, allowed):
    client.force_login(people[role])
    response = client.post(
        reverse("moderation:comment_action", args=[target[which].pk, action]),
        data,
        headers={"X-Parley-Fragment": "1"},
    )
    assert response.status_code == expected(allowed, role), response.content


@pytest.mark.parametrize("role", ROLES)
def test_bulk_approve_only_touches_what_the_user_may(client, people, target, role):
    client.force_login(people[role])
    response = client.post(
        reverse("moderation:bulk"),
        {"ids": [target["pending"].pk], "action": "approve"},
        headers={"X-Parley-Fragment": "1"},
    )
    assert response.status_code == 200
    target["pending"].refresh_from_db()
    approved = target["pending"].status == CommentStatus.VISIBLE
    assert approved is (role == "moderator")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("closed", ["1", "0"])
def test_close_and_reopen(client, people, article, role, closed):
    client.force_login(people[role])
    response = client.post(
        reverse("moderation:set_closed", args=[article.pk]),
        {"closed": closed},
        headers={"X-Parley-Fragment": "1"},
    )
    assert response.status_code == expected(CURATOR, role)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ["sanction", "premoderate"])
def test_user_actions(client, people, site, subscriber, role, action):
    client.force_login(people[role])
    victim = factories.make_subscriber(site, "victim")
    data = {"site": site.pk, "kind": "suspend", "days": "3", "message": "Cool off", "on": "1"}
    response = client.post(
        reverse("moderation:user_action", args=[victim.pk, action]),
        data,
        headers={"X-Parley-Fragment": "1"},
    )
    assert response.status_code == expected(MODERATOR_ONLY, role)


@pytest.mark.parametrize("role", ROLES)
def test_lift(client, people, site, moderator, role):
    victim = factories.make_subscriber(site, "victim")
    sanction = Sanction.objects.create(
        user=victim, site=site, kind=SanctionKind.BAN, created_by=moderator
    )
    client.force_login(people[role])
    response = client.post(
        reverse("moderation:lift", args=[sanction.pk]), headers={"X-Parley-Fragment": "1"}
    )
    assert response.status_code == expected(MODERATOR_ONLY, role)


@pytest.mark.parametrize("role", ROLES)
def test_desk_pages(client, people, target, site, role):
    client.force_login(people[role])
    desk = client.get(reverse("moderation:queue", args=["pending"]))
    detail = client.get(reverse("moderation:comment", args=[target["pending"].pk]))
    profile = client.get(
        reverse("moderation:user", args=[target["pending"].author_id]), {"site": site.pk}
    )
    staff_here = role in ("moderator", "editor")
    assert desk.status_code == (200 if staff_here or role == "other_moderator" else 404)
    assert detail.status_code == (200 if staff_here else 404)
    assert profile.status_code == (200 if staff_here else 404)
    if role == "other_moderator":
        # Their own desk, without this site's comments.
        assert f'data-mod-row="{target["pending"].pk}"' not in desk.content.decode()


def test_guests_are_sent_to_sign_in(client):
    response = client.get(reverse("moderation:queue", args=["pending"]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


REPORT = {
    "reader": 403,  # not a subscriber: may not comment, so may not report
    "subscriber": 201,
    "author": 403,  # not your own comment
    "moderator": 201,
    "other_moderator": 403,  # not a participant on this site
    "editor": 201,
}


@pytest.mark.parametrize("role", ROLES)
def test_report(client, people, target, role):
    client.force_login(people[role])
    response = client.post(
        reverse("moderation:report", args=[target["visible"].pk]),
        {"reason": "abuse"},
        headers={"X-Parley-Fragment": "1"},
    )
    assert response.status_code == REPORT[role], response.content


@pytest.mark.parametrize("role", ROLES)
def test_appeal(client, people, target, role):
    client.force_login(people[role])
    response = client.post(
        reverse("moderation:appeal", args=[target["removed"].pk]),
        {"text": "Please reconsider."},
        headers={"X-Parley-Fragment": "1"},
    )
    assert response.status_code == (201 if role == "author" else 404)
