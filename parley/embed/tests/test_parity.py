"""The frame loads what the article page loads: live updates (with the site in the query
and tickets for SSO readers) and inline feedback, whose article is on the host page."""

import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from parley import factories
from parley.embed.models import EmbedSite
from parley.embed.tests.test_embed import HOST, PAGE, embed_headers, frame
from parley.live.tickets import read_ticket
from parley.sso.models import SiteSso
from parley.sso.tests.conftest import SECRET, claims, exchange, sign

pytestmark = pytest.mark.django_db


@pytest.fixture
def embedded(site):
    EmbedSite.objects.create(site=site, allowed_origins=HOST)
    return factories.make_article(site, body="", canonical_url=PAGE)


def test_the_frame_loads_live_updates_and_inline_feedback(client, site, embedded):
    html = frame(client, site).content.decode()
    stream = re.search(
        r'<script src="/static/parley/live\.js" defer data-live-stream="([^"]+)"', html
    )
    assert stream is not None
    assert stream.group(1).startswith(f"/live/articles/{embedded.pk}/stream?last_event_id=")
    assert f'data-live-site="{site.key}"' in html
    assert "parley/passages.js" in html and "parley/inline.js" in html
    found = re.search(r'id="parley-embed-config"[^>]*>(.*?)</script>', html, re.S)
    assert found is not None
    config = json.loads(found.group(1))
    assert config["url"] == PAGE
    assert config["hostText"] == reverse("inline:host_text", args=[embedded.pk])


def test_the_frames_guest_streams_with_the_site_in_the_query(client, site, embedded):
    other = factories.make_site(domain="testserver")  # the host Parley answers on
    assert other.pk != site.pk
    events = reverse("live:events", args=[embedded.pk])
    assert client.get(events).status_code == 404  # the host's site has no such article
    assert client.get(f"{events}?site={site.key}").status_code == 200


def test_the_frames_sso_reader_buys_a_ticket_with_the_bearer_key(site, embedded):
    SiteSso.objects.create(site=site, shared_secret=SECRET)
    key = exchange(Client(), site.key, sign(claims(site))).json()["session"]
    response = Client().get(
        reverse("live:ticket", args=[embedded.pk]), headers=embed_headers(site, key)
    )
    assert response.status_code == 200
    reader = read_ticket(response.json()["ticket"], article_id=embedded.pk, site_key=site.key)
    assert reader.user.display_name == "Ada Lovelace"


def test_the_loader_carries_the_shared_passage_functions(client):
    source = client.get("/embed.js").content.decode()
    assert source.index("window.ParleyPassages =") < source.index("data-parley-article")
