"""One-click unsubscribe: signed, scoped, expiring links that work without signing in."""

import re
import time
from datetime import timedelta

import pytest
from django.core import signing
from django.urls import reverse

from parley import factories
from parley.notifications import actions
from parley.notifications.models import (
    EmailMode,
    Follow,
    Mute,
    Notification,
    OutboxMessage,
    OutboxStatus,
    Preferences,
)
from parley.notifications.tests.conftest import drain, person
from parley.notifications.tokens import Scope, make_token

pytestmark = pytest.mark.django_db


def url(scope: str, token: str) -> str:
    return reverse("notifications:unsubscribe", kwargs={"scope": scope, "token": token})


@pytest.fixture
def ann(site, article):
    user = person(site, "ann")
    first = factories.make_comment(article, user, "Ann's comment.")
    actions.follow_discussion(user=user, article=article)
    actions.follow_replies(user=user, comment=first)
    return user


def test_the_link_in_the_mail_unsubscribes_from_that_discussion(
    client, site, article, ann, mail_to_sink
):
    other = factories.make_article(site)
    actions.follow_discussion(user=ann, article=other)
    factories.make_comment(article, None, "First.")
    drain()
    link = re.search(r"<(http://[^>]+)>", str(mail_to_sink.messages[0]["List-Unsubscribe"]))
    assert link is not None
    path = link.group(1).removeprefix("http://127.0.0.1:8000")
    factories.make_comment(article, None, "Queued, not yet sent.")

    page = client.get(path)  # a mail scanner following the link changes nothing
    assert page.status_code == 200
    assert b"data-confirm-unsubscribe" in page.content
    assert Follow.objects.filter(user=ann, article=article).count() == 2

    done = client.post(path)  # the confirm button, signed out
    assert done.status_code == 200 and b"You are unsubscribed" in done.content
    assert not Follow.objects.filter(user=ann, article=article).exists()
    assert Follow.objects.filter(user=ann, article=other).exists()  # only that discussion
    assert Mute.objects.filter(user=ann, article=article).exists()
    queued = OutboxMessage.objects.filter(recipient=ann, status=OutboxStatus.CANCELLED)
    assert queued.count() == 1
    factories.make_comment(article, None, "After unsubscribing: @ann")  # mentions muted too
    drain()
    assert len(mail_to_sink.messages) == 1


def test_rfc8058_one_click_post(client, ann, article):
    token = make_token(scope=Scope.DISCUSSION, user_id=ann.pk, article_id=article.pk)
    response = client.post(
        url("discussion", token),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert not Follow.objects.filter(user=ann).exists()


def test_everything_scope_turns_email_off_and_keeps_the_inbox(client, site, article, ann):
    factories.make_comment(article, None, "Queued.")
    token = make_token(scope=Scope.ALL, user_id=ann.pk)
    assert client.post(url("all", token)).status_code == 200
    assert Preferences.objects.get(user=ann).email_mode == EmailMode.OFF
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxStatus.CANCELLED}
    factories.make_comment(article, None, "Still in the page.")
    assert Notification.objects.filter(recipient=ann).count() == 2
    assert OutboxMessage.objects.count() == 1


def test_a_tampered_token_is_refused(client, ann, article):
    token = make_token(scope=Scope.DISCUSSION, user_id=ann.pk, article_id=article.pk)
    payload, stamp, signature = token.split(":")
    forged = signing.b64_encode(f'{{"u":{ann.pk + 1},"a":{article.pk}}}'.encode()).decode()
    for bad in (
        f"{forged}:{stamp}:{signature}",
        f"{payload}:{stamp}:{signature[:-2]}xx",
        "not-a-token",
    ):
        for method in (client.get, client.post):
            response = method(url("discussion", bad))
            assert response.status_code == 400
            assert b"This link does not work" in response.content
    assert Follow.objects.filter(user=ann).count() == 2


def test_an_expired_token_is_refused(client, ann, article, monkeypatch, settings):
    settings.PARLEY_UNSUBSCRIBE_MAX_AGE = 3600
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() - 7200)  # signed two hours ago
    token = make_token(scope=Scope.DISCUSSION, user_id=ann.pk, article_id=article.pk)
    monkeypatch.setattr(time, "time", real_time)
    response = client.post(url("discussion", token))
    assert response.status_code == 410 and b"expired" in response.content
    assert Follow.objects.filter(user=ann).count() == 2
    fresh = make_token(scope=Scope.DISCUSSION, user_id=ann.pk, article_id=article.pk)
    assert client.post(url("discussion", fresh)).status_code == 200


def test_a_token_for_one_scope_does_not_work_for_another(client, ann, article):
    discussion = make_token(scope=Scope.DISCUSSION, user_id=ann.pk, article_id=article.pk)
    everything = make_token(scope=Scope.ALL, user_id=ann.pk)
    other_purpose = signing.dumps({"u": ann.pk, "a": None}, salt="something.else")
    assert client.post(url("all", discussion)).status_code == 400
    assert client.post(url("discussion", everything)).status_code == 400
    assert client.post(url("all", other_purpose)).status_code == 400
    assert client.post(url("nonsense", everything)).status_code == 400
    assert Preferences.objects.get(user=ann).email_mode == EmailMode.IMMEDIATE
    assert Follow.objects.filter(user=ann).count() == 2


def test_tokens_expire_after_the_configured_age(ann, article, settings):
    from parley.notifications.tokens import ExpiredToken, read_token

    token = make_token(scope=Scope.ALL, user_id=ann.pk)
    settings.PARLEY_UNSUBSCRIBE_MAX_AGE = -1
    with pytest.raises(ExpiredToken):
        read_token(token, "all")
    settings.PARLEY_UNSUBSCRIBE_MAX_AGE = int(timedelta(days=1).total_seconds())
    assert read_token(token, "all").user_id == ann.pk
