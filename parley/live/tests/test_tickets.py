"""Stream tickets (live/tickets.py): the embed's frame buys one with its bearer key and
streams with `?ticket=`. Valid, expired, forged, for another article or site, after the
session ended; a moderator's ticket streams pending comments, a subscriber's does not;
fragments render for the ticket's reader."""

import json
import time
from datetime import datetime, timedelta

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from parley import factories
from parley.discussion.models import CommentStatus
from parley.embed.models import EmbedSite
from parley.live import backlog, tickets
from parley.live.tests.test_views import _read
from parley.sso.models import SsoIdentity, SsoSession
from parley.sso.sessions import new_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def embed(site):
    return EmbedSite.objects.create(site=site, allowed_origins="https://news.example")


def bearer_for(user, site, *, hours: float = 2) -> tuple[str, SsoSession]:
    identity = SsoIdentity.objects.create(site=site, external_id=f"ext-{user.pk}", user=user)
    key, key_hash = new_key()
    session = SsoSession.objects.create(
        key_hash=key_hash, identity=identity, expires_at=timezone.now() + timedelta(hours=hours)
    )
    return key, session


def embed_headers(site, key: str | None) -> dict[str, str]:
    headers = {"X-Parley-Embed": "1", "X-Parley-Site": site.key}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    return headers


def buy(client, article, site, key):
    return client.get(reverse("live:ticket", args=[article.pk]), headers=embed_headers(site, key))


def url(name, article, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse(f"live:{name}", args=[article.pk]) + (f"?{query}" if query else "")


@pytest.fixture
def posted(article, author, django_capture_on_commit_callbacks):
    def post(status=CommentStatus.VISIBLE):
        with django_capture_on_commit_callbacks(execute=True):
            return factories.make_comment(article, author, "Live!", status=status)

    return post


def test_a_bearer_key_buys_a_ticket_valid_for_the_sessions_remaining_life(
    client, site, embed, article, subscriber
):
    key, session = bearer_for(subscriber, site, hours=0.5)
    response = buy(client, article, site, key)
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    data = response.json()
    assert abs(datetime.fromisoformat(data["expires_at"]) - session.expires_at) < timedelta(
        seconds=1
    )
    reader = tickets.read_ticket(data["ticket"], article_id=article.pk, site_key=site.key)
    assert reader.user == subscriber and reader.site_id == site.pk
    # A longer session: the ticket's own hour.
    key, _session = bearer_for(factories.make_subscriber(site), site, hours=20)
    expires = datetime.fromisoformat(buy(client, article, site, key).json()["expires_at"])
    assert expires - timezone.now() < timedelta(hours=1, seconds=5)


def test_guests_and_ended_sessions_get_no_ticket(client, site, embed, article, subscriber):
    assert buy(client, article, site, None).json()["code"] == "not_signed_in"
    key, session = bearer_for(subscriber, site)
    SsoSession.objects.filter(pk=session.pk).update(revoked_at=timezone.now())
    response = buy(client, article, site, key)
    assert response.status_code == 403 and response.json()["code"] == "not_signed_in"


def test_an_expired_ticket_is_refused(client, site, embed, article, subscriber, monkeypatch):
    key, _session = bearer_for(subscriber, site)
    ticket = buy(client, article, site, key).json()["ticket"]
    later = timezone.now() + timedelta(hours=1, minutes=1)
    monkeypatch.setattr(tickets.timezone, "now", lambda: later)
    monkeypatch.setattr(time, "time", lambda: later.timestamp())
    for name in ("stream", "events", "comments"):
        response = client.get(url(name, article, ticket=ticket, ids="1"))
        assert response.status_code == 403, name
        assert response.json()["code"] == "ticket_expired"


def test_a_ticket_ends_with_its_session(client, site, embed, article, subscriber):
    key, session = bearer_for(subscriber, site)
    ticket = buy(client, article, site, key).json()["ticket"]
    assert client.get(url("events", article, ticket=ticket)).status_code == 200
    SsoSession.objects.filter(pk=session.pk).update(revoked_at=timezone.now())
    response = client.get(url("events", article, ticket=ticket))
    assert response.status_code == 403 and response.json()["code"] == "ticket_expired"


def test_forged_tickets_are_refused_never_read_as_a_guest(client, site, embed, article, subscriber):
    payload = {"u": subscriber.pk, "s": site.pk, "k": site.key, "a": article.pk, "v": None,
               "x": int(timezone.now().timestamp()) + 600}  # fmt: skip
    forged = [
        "not-a-ticket",
        signing.dumps(payload, salt="another.salt"),
        signing.dumps(payload, salt=tickets.SALT, key="not-the-secret-key-" * 3),
        signing.dumps({"u": subscriber.pk}, salt=tickets.SALT),
    ]
    for value in forged:
        for name in ("stream", "events", "comments"):
            response = client.get(url(name, article, ticket=value, ids="1"))
            assert response.status_code == 403, (value, name)
            assert response.json()["code"] == "ticket_invalid"


def test_a_ticket_is_for_one_article_and_one_site(client, site, embed, article, subscriber):
    key, _session = bearer_for(subscriber, site)
    ticket = buy(client, article, site, key).json()["ticket"]
    other_article = factories.make_article(site)
    response = client.get(url("events", other_article, ticket=ticket))
    assert response.status_code == 403 and response.json()["code"] == "ticket_invalid"
    other_site = factories.make_site()
    EmbedSite.objects.create(site=other_site, allowed_origins="https://other.example")
    response = client.get(url("events", article, ticket=ticket, site=other_site.key))
    assert response.status_code == 403 and response.json()["code"] == "ticket_invalid"
    assert client.get(url("events", article, ticket=ticket, site=site.key)).status_code == 200


def test_a_ticket_cannot_buy_a_ticket(client, site, embed, article, subscriber):
    key, _session = bearer_for(subscriber, site)
    ticket = buy(client, article, site, key).json()["ticket"]
    response = client.get(url("ticket", article, ticket=ticket))
    assert response.status_code == 403 and response.json()["code"] == "ticket_invalid"


def test_the_embeds_site_may_be_named_in_the_query(client, embed, article):
    """EventSource cannot send X-Parley-Site: guests in the frame name it in `?site=`."""
    other = factories.make_site(domain="other.example")
    assert client.get(url("events", article, site=embed.site.key)).status_code == 200
    assert client.get(url("events", article, site=other.key)).status_code == 404
    assert client.get(url("events", article, site="no-such-site")).status_code == 404


@pytest.mark.parametrize("role", ["moderator", "subscriber"])
def test_a_moderators_ticket_streams_pending_comments_a_readers_does_not(
    role, async_client, client, site, embed, article, moderator, subscriber, posted
):
    person = {"moderator": moderator, "subscriber": subscriber}[role]
    key, _session = bearer_for(person, site)
    ticket = buy(client, article, site, key).json()["ticket"]
    after = backlog.latest_event_id(article_id=article.pk)
    pending = posted(status=CommentStatus.PENDING)
    public = posted()

    async def scenario():
        response = await async_client.get(
            url("stream", article, ticket=ticket, site=site.key, last_event_id=after)
        )
        assert response.status_code == 200
        content = aiter(response.streaming_content)
        frames = await _read(content, 3 if role == "moderator" else 2)
        live_pending = await sync_to_async(posted)(status=CommentStatus.PENDING)
        await sync_to_async(posted)()
        frames += await _read(content, 2 if role == "moderator" else 1)
        await content.aclose()
        return frames, live_pending

    frames, live_pending = async_to_sync(scenario)()
    shown = [json.loads(f["data"])["comment"] for f in frames[1:]]
    if role == "moderator":
        assert shown[:3] == [pending.pk, public.pk, live_pending.pk]
    else:
        assert pending.pk not in shown and live_pending.pk not in shown
        assert shown[0] == public.pk

    # The fragments render for the ticket's reader: a moderator sees the pending one.
    fragments = client.get(url("comments", article, ticket=ticket, ids=f"{pending.pk},{public.pk}"))
    ids = [c["id"] for c in fragments.json()["comments"]]
    assert ids == ([pending.pk, public.pk] if role == "moderator" else [public.pk])
    html = fragments.json()["comments"][-1]["html"]
    assert 'data-parley="vote"' in html  # this reader's controls, not a guest's
