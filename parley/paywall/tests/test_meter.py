"""The metered paywall on Parley's article pages: the N+1th article of a month is cut for
a guest and for a free reader, never for a subscriber; structured data marks it."""

import json
import re
from datetime import datetime, timedelta

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from parley import factories
from parley.articles.models import Site
from parley.inline import access as inline_access
from parley.paywall import meter
from parley.paywall.models import MeterRead

pytestmark = pytest.mark.django_db

BODY = "Opening one.\n\nOpening two.\n\nThe hidden third paragraph.\n\nThe hidden fourth."
OVERLAY = "read unlimited articles and enjoy other subscriber-only benefits"


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def metered(site):
    Site.objects.filter(pk=site.pk).update(meter_free_articles=2, domain="testserver")
    site.refresh_from_db()
    return [factories.make_article(site, body=BODY) for _ in range(4)]


def page(client: Client, article) -> str:
    response = client.get(reverse("article", kwargs={"slug": article.slug}))
    assert response.status_code == 200
    return response.content.decode()


def is_cut(html: str) -> bool:
    return "The hidden third paragraph." not in html


def structured_data(html: str) -> dict:
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert found is not None
    return json.loads(found.group(1))


@pytest.mark.parametrize("role", ["guest", "reader", "lapsed"])
def test_the_third_article_is_cut(role, request, client, metered):
    if role != "guest":
        client.force_login(request.getfixturevalue(role))
    first, second, third = (page(client, a) for a in metered[:3])

    assert not is_cut(first) and not is_cut(second)
    assert is_cut(third)
    assert "Opening one." in third and "Opening two." in third
    assert OVERLAY in third and "X Close" in third and ">Subscribe<" in third
    # An article read this month stays readable.
    assert not is_cut(page(client, metered[0]))


def test_a_subscriber_is_never_cut(client, subscriber, metered):
    client.force_login(subscriber)
    for article in metered:
        html = page(client, article)
        assert not is_cut(html) and OVERLAY not in html
    assert not MeterRead.objects.exists()


def test_free_readers_reads_are_stored(client, reader, metered):
    client.force_login(reader)
    for article in metered:
        page(client, article)
    assert MeterRead.objects.filter(user=reader).count() == 2


def test_a_guest_cannot_forge_the_cookie(client, metered):
    for article in metered[:2]:
        page(client, article)
    client.cookies[meter.COOKIE] = "forged-value"
    # A damaged cookie starts afresh: the guest gets new free articles but no more.
    assert not is_cut(page(client, metered[2]))
    assert not is_cut(page(client, metered[3]))
    assert is_cut(page(client, metered[0]))


def test_a_new_month_starts_afresh(metered):
    last_month = datetime(2026, 1, 31, 23, 0)
    old = meter.GuestMeter(month=meter.month_of(last_month).isoformat(), reads={"1": [1, 2]})
    fresh = meter.GuestMeter.from_cookie(old.dumps(), now=last_month + timedelta(hours=2))
    assert fresh.reads == {} and fresh.month == "2026-02-01"
    same = meter.GuestMeter.from_cookie(old.dumps(), now=last_month)
    assert same.reads == {"1": [1, 2]}
    with pytest.raises(signing.BadSignature):
        signing.loads(old.dumps(), salt="another salt")


def test_no_meter_no_cut_and_free_structured_data(client, site, article):
    Site.objects.filter(pk=site.pk).update(domain="testserver")
    html = page(client, article)
    data = structured_data(html)
    assert data["isAccessibleForFree"] is True and "hasPart" not in data
    assert "paywalled-content" not in html


def test_structured_data_marks_the_paywalled_section(client, metered):
    html = page(client, metered[0])
    data = structured_data(html)
    assert data["isAccessibleForFree"] is False
    assert data["hasPart"] == {
        "@type": "WebPageElement",
        "isAccessibleForFree": False,
        "cssSelector": ".paywalled-content",
    }
    section = html.split('<div class="paywalled-content">', 1)[1]
    assert "The hidden third paragraph." in section and "Opening two." not in section


def test_quotes_from_the_hidden_part_are_not_shown(client, reader, subscriber, metered):
    end = len("Opening one.\n\nOpening two.")
    client.force_login(reader)
    for article in metered[:2]:
        page(client, article)
    assert inline_access.visible_text_end(metered[0], reader) is None  # read this month
    assert inline_access.visible_text_end(metered[2], reader) == end
    assert inline_access.visible_text_end(metered[2], subscriber) is None
    assert inline_access.visible_text_end(metered[2], None) is None  # a guest with reads left
