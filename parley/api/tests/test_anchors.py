"""Comments on a passage through the API: the `anchor` object is checked like the page's
(parley.inline.access) and returned on comment objects."""

import pytest
from django.utils import timezone

from parley import factories
from parley.articles.body import plain_text
from parley.discussion.models import Comment
from parley.inline.models import Anchor, ArticleRevision
from parley.inline.tests.helpers import BODY
from parley.paywall.meter import month_of
from parley.paywall.models import MeterRead

pytestmark = pytest.mark.django_db

QUOTE = "shopkeepers predicting ruin"
HIDDEN = "the bus, not the bollard"


@pytest.fixture
def article(site):
    return factories.make_article(site, body=BODY.strip())


def anchor_for(article, quote: str, **extra) -> dict:
    text = plain_text(article.body)
    start = text.index(quote)
    end = start + len(quote)
    return {
        "exact": quote,
        "prefix": text[max(0, start - 32) : start],
        "suffix": text[end : end + 32],
        "start": start,
        "end": end,
        **extra,
    }


def post(client, article, **body):
    return client.post(f"/articles/{article.pk}/comments", {"body": "On this.", **body})


def test_a_valid_anchor_is_attached_and_returned(as_user, api, article, subscriber):
    response = post(as_user(subscriber), article, anchor=anchor_for(article, QUOTE))
    assert response.status_code == 201, response.json()
    anchor = response.json()["comment"]["anchor"]
    text = plain_text(article.body)
    assert anchor == {
        "quote": QUOTE,
        "prefix": text[anchor["start"] - 32 : anchor["start"]],
        "suffix": text[anchor["end"] : anchor["end"] + 32],
        "start": text.index(QUOTE),
        "end": text.index(QUOTE) + len(QUOTE),
        "state": "attached",
    }
    stored = Anchor.objects.get()
    assert stored.comment.body == "On this." and stored.exact == QUOTE

    # Read back on the page of threads, and after the passage has changed.
    [thread] = api.get(f"/articles/{article.pk}/comments").json()["threads"]
    assert thread["comment"]["anchor"]["quote"] == QUOTE
    article.body = article.body.replace(QUOTE, "shopkeepers predicting utter ruin")
    article.save()
    [thread] = api.get(f"/articles/{article.pk}/comments").json()["threads"]
    assert thread["comment"]["anchor"]["state"] == "changed"
    assert thread["comment"]["anchor"]["quote"] == "shopkeepers predicting utter ruin"


def test_comments_without_a_passage_have_none(as_user, article, subscriber):
    response = post(as_user(subscriber), article)
    assert response.status_code == 201
    assert response.json()["comment"]["anchor"] is None
    assert not Anchor.objects.exists()


def test_a_mismatched_quote_is_refused_and_posts_nothing(as_user, article, subscriber):
    fields = anchor_for(article, QUOTE) | {"exact": "shopkeepers predicting joy"}
    response = post(as_user(subscriber), article, anchor=fields)
    assert response.status_code == 400
    assert response.json()["code"] == "anchor_mismatch"
    assert not Comment.objects.exists() and not Anchor.objects.exists()


@pytest.mark.parametrize(
    ("start", "end"), [(5, 10_000), (40, 30), (40, 40)], ids=["past-end", "reversed", "empty"]
)
def test_offsets_outside_the_article_are_refused(as_user, article, subscriber, start, end):
    fields = anchor_for(article, QUOTE) | {"start": start, "end": end}
    response = post(as_user(subscriber), article, anchor=fields)
    assert response.status_code == 400
    assert response.json()["code"] == "anchor_outside"
    assert not Comment.objects.exists()


def test_negative_offsets_do_not_match_the_schema(as_user, article, subscriber):
    fields = anchor_for(article, QUOTE) | {"start": -1}
    response = post(as_user(subscriber), article, anchor=fields)
    assert response.status_code == 422 and response.json()["code"] == "invalid"


def test_a_reply_cannot_carry_a_passage(as_user, article, subscriber, author):
    top = factories.make_comment(article, author, "Top.")
    response = post(
        as_user(subscriber), article, parent_id=top.pk, anchor=anchor_for(article, QUOTE)
    )
    assert response.status_code == 400 and response.json()["code"] == "anchor_on_reply"
    assert Comment.objects.count() == 1


def test_a_stale_revision_is_refused(as_user, article, subscriber):
    first = ArticleRevision.objects.get(article=article)
    article.body = "A new first paragraph.\n\n" + article.body
    article.save()
    fields = anchor_for(article, QUOTE, revision=first.number)
    response = post(as_user(subscriber), article, anchor=fields)
    assert response.status_code == 400 and response.json()["code"] == "article_changed"
    current = ArticleRevision.objects.filter(article=article).order_by("-number")[0]
    assert (
        post(
            as_user(subscriber), article, anchor=anchor_for(article, QUOTE, revision=current.number)
        ).status_code
        == 201
    )


def test_guests_and_tokens_still_cannot_post_a_passage(api, as_token, article):
    assert post(api, article, anchor=anchor_for(article, QUOTE)).json()["code"] == ("not_signed_in")
    assert post(as_token, article, anchor=anchor_for(article, QUOTE)).json()["code"] == (
        "read_only_token"
    )
    assert not Comment.objects.exists()


@pytest.fixture
def metered(site, article, reader):
    """A site with a meter of one article, where signed-in readers may post, and a free
    reader who has used the month's article elsewhere: past the meter on `article`."""
    site.meter_free_articles = 1
    site.post_rule = "signed_in"
    site.save()
    other = factories.make_article(site)
    MeterRead.objects.create(user=reader, site=site, article=other, month=month_of(timezone.now()))
    return reader


def test_a_passage_behind_the_paywall_cannot_be_quoted(as_user, article, metered, subscriber):
    client = as_user(metered)
    # A guess at hidden text and the hidden text itself get the same answer.
    for quote in (HIDDEN, "the bus, not the tramway"):
        fields = anchor_for(article, HIDDEN) | {"exact": quote}
        response = post(client, article, anchor=fields)
        assert response.status_code == 400 and response.json()["code"] == "anchor_hidden"
    assert not Comment.objects.exists()
    # The free preview can be quoted.
    assert post(client, article, anchor=anchor_for(article, QUOTE)).status_code == 201

    # A subscriber quotes the hidden part; the reader past the meter is not shown the quote.
    assert post(as_user(subscriber), article, anchor=anchor_for(article, HIDDEN)).status_code == 201
    threads = client.get(f"/articles/{article.pk}/comments?sort=new").json()["threads"]
    assert [t["comment"]["anchor"] and t["comment"]["anchor"]["quote"] for t in threads] == [
        None,
        QUOTE,
    ]
    threads = as_user(subscriber).get(f"/articles/{article.pk}/comments?sort=new").json()
    assert threads["threads"][0]["comment"]["anchor"]["quote"] == HIDDEN
