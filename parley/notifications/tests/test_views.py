"""The pages: the form's "Notify of", follow buttons, bell, inbox, preferences, mention
suggestions and the outbox, through HTTP as people meet them."""

import pytest
from django.test import Client
from django.urls import reverse

from parley import factories
from parley.discussion.models import Comment
from parley.notifications import actions, outbox
from parley.notifications.models import (
    EmailMode,
    Follow,
    Mute,
    Notification,
    NotifyChoice,
    OutboxMessage,
    Preferences,
)
from parley.notifications.tests.conftest import person

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def bell_count(client: Client) -> str | None:
    html = client.get("/").content.decode()
    import re

    found = re.search(r"data-unread(?: hidden)?>(\d+)<", html)
    return found.group(1) if found else None


def test_notify_of_in_the_form_then_a_reply_rings_the_bell(site, article):
    ann = person(site, "ann", default_notify=NotifyChoice.REPLIES)
    bob = person(site, "bob", display_name="Bob Stone")
    page = signed_in(ann).get(reverse("article", kwargs={"slug": article.slug})).content.decode()
    assert page.count('name="notify"') == 1  # the new-comment form (no comments yet)
    assert '<option value="replies" selected>new replies to my comments</option>' in page
    assert "Follow this discussion" in page

    ann_client = signed_in(ann)
    ann_client.post(
        reverse("post_comment", kwargs={"slug": article.slug}),
        {"body": "Ann's view.", "notify": "replies"},
    )
    mine = Comment.objects.get(author=ann)
    assert Follow.objects.filter(user=ann, comment=mine).exists()
    assert bell_count(ann_client) == "0"

    signed_in(bob).post(
        reverse("post_comment", kwargs={"slug": article.slug}),
        {"body": "Bob replies.", "parent": mine.pk, "notify": "none"},
        headers={"X-Parley-Fragment": "1"},
    )
    assert bell_count(ann_client) == "1"
    inbox = ann_client.get(reverse("notifications:inbox")).content.decode()
    assert "Bob Stone" in inbox and "replied to your comment on" in inbox
    entry = Notification.objects.get(recipient=ann)
    opened = ann_client.get(reverse("notifications:open", args=[entry.pk]))
    reply = Comment.objects.get(author=bob)
    assert opened["Location"] == f"/articles/{article.slug}/comments/{reply.pk}/#c-{reply.pk}"
    assert bell_count(ann_client) == "0"
    # Someone else's entry is simply not there.
    assert signed_in(bob).get(reverse("notifications:open", args=[entry.pk])).status_code == 404


def test_mark_all_read(site, article):
    ann = person(site, "ann")
    actions.follow_discussion(user=ann, article=article)
    for n in range(3):
        factories.make_comment(article, None, f"News {n}.")
    client = signed_in(ann)
    assert bell_count(client) == "3"
    client.post(reverse("notifications:read_all"))
    assert bell_count(client) == "0"


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("guest", False),
        ("reader", False),
        ("lapsed", False),
        ("subscriber", True),
        ("moderator", True),
    ],
)
def test_who_may_follow(request, site, article, who, allowed):
    client = Client()
    user = None if who == "guest" else request.getfixturevalue(who)
    if user is not None:
        client.force_login(user)
    comment = factories.make_comment(article, None, "Something to follow.")
    discussion = client.post(
        reverse("notifications:follow_discussion", args=[article.slug]),
        {"action": "follow"},
        headers={"X-Parley-Fragment": "1"},
    )
    replies = client.post(
        reverse("notifications:follow_replies", args=[comment.pk]),
        {"action": "follow"},
        headers={"X-Parley-Fragment": "1"},
    )
    if allowed:
        assert discussion.json() == {"following": True} and replies.json() == {"following": True}
        assert Follow.objects.filter(user=user).count() == 2
        client.post(
            reverse("notifications:follow_discussion", args=[article.slug]), {"action": "unfollow"}
        )
        assert Follow.objects.filter(user=user).count() == 1
    else:
        assert discussion.status_code == 403 and replies.status_code == 403
        assert not Follow.objects.exists()


def test_follow_buttons_show_state_in_the_page(site, article, subscriber):
    comment = factories.make_comment(article, None, "Followed.")
    factories.make_comment(article, None, "Not followed.")
    actions.follow_replies(user=subscriber, comment=comment)
    actions.follow_discussion(user=subscriber, article=article)
    html = signed_in(subscriber).get(f"/articles/{article.slug}/").content.decode()
    assert "Following this discussion ✓" in html
    assert html.count(">Following replies ✓<") == 1 and html.count(">Follow replies<") == 1
    assert '<option value="all" selected>' in html  # the form says what is followed


def test_preferences_page_lists_and_stops_follows(site, article):
    ann = person(site, "ann")
    comment = factories.make_comment(article, ann, "Mine.")
    actions.follow_discussion(user=ann, article=article)
    actions.follow_replies(user=ann, comment=comment)
    Mute.objects.create(user=ann, article=factories.make_article(site, title="Muted one"))
    client = signed_in(ann)
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert article.title in page and "Mine." in page and "Muted one" in page
    for follow in Follow.objects.filter(user=ann):
        client.post(reverse("notifications:stop_follow", args=[follow.pk]))
    assert not Follow.objects.filter(user=ann).exists()
    client.post(reverse("notifications:stop_mute", args=[Mute.objects.get().pk]))
    assert not Mute.objects.exists()
    saved = client.post(
        reverse("notifications:preferences"),
        {"default_notify": "all", "in_page": "on", "email_mode": "digest"},
    )
    assert saved.status_code == 302
    prefs = Preferences.objects.get(user=ann)
    assert (prefs.default_notify, prefs.in_page, prefs.email_mode) == ("all", True, "digest")


def test_nobody_stops_another_persons_follow(site, article, subscriber):
    ann = person(site, "ann")
    actions.follow_discussion(user=ann, article=article)
    follow = Follow.objects.get(user=ann)
    response = signed_in(subscriber).post(reverse("notifications:stop_follow", args=[follow.pk]))
    assert response.status_code == 404
    assert Follow.objects.filter(pk=follow.pk).exists()


def test_mention_suggestions_come_from_the_discussion(site, article, reader):
    harriet = person(site, "harriet", display_name="Harriet Lowe")
    person(site, "hidden", display_name="Harold Elsewhere")  # never commented here
    factories.make_comment(article, harriet, "I was here.")
    asking = person(site, "asking")
    url = reverse("notifications:mentions", args=[article.slug])
    assert signed_in(asking).get(url, {"q": "Ha"}).json() == {"names": ["Harriet Lowe"]}
    assert signed_in(harriet).get(url, {"q": "Ha"}).json() == {"names": []}  # not oneself
    assert signed_in(reader).get(url, {"q": "Ha"}).status_code == 403
    assert Client().get(url, {"q": "Ha"}).status_code == 403


def test_the_outbox_page_is_for_staff_or_the_demo(site, article, settings, subscriber):
    ann = person(site, "ann")
    actions.follow_discussion(user=ann, article=article)
    factories.make_comment(article, None, "Sent to Ann.")
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    outbox.run_once(outbox.Config())
    row = OutboxMessage.objects.get()
    settings.DEBUG = False
    assert signed_in(subscriber).get("/notifications/outbox/").status_code == 404
    staff = factories.make_user("staffer", is_staff=True)
    listing = signed_in(staff).get("/notifications/outbox/").content.decode()
    assert row.subject.replace("“", "").split(" ")[0] in listing
    message = signed_in(staff).get(f"/notifications/outbox/{row.pk}/").content.decode()
    assert "Sent to Ann." in message and row.message_id.strip("<>") in message
    settings.DEBUG = True
    assert Client().get("/notifications/outbox/").status_code == 200


def test_bell_and_follow_state_cost_three_queries(site, article, subscriber):
    factories.make_comment(article, None, "One.")
    Preferences.objects.create(user=subscriber, email_mode=EmailMode.OFF)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = signed_in(subscriber)
    with CaptureQueriesContext(connection) as queries:
        client.get(f"/articles/{article.slug}/")
    ours = [q["sql"] for q in queries.captured_queries if "notifications_" in q["sql"]]
    assert len(ours) == 3, ours
