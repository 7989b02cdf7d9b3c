"""Posting a comment on a passage, through the discussion's own post_comment endpoint."""

import pytest
from django.urls import reverse

from parley import factories
from parley.articles.body import plain_text
from parley.discussion.models import Comment
from parley.inline import access
from parley.inline.actions import do_add_question
from parley.inline.models import MAX_QUOTE_CHARS, Anchor, AnchorState, ArticleRevision
from parley.inline.tests.helpers import fields_for

pytestmark = pytest.mark.django_db

FRAGMENT = {"HTTP_X_PARLEY_FRAGMENT": "1"}
QUOTE = "shopkeepers predicting ruin"


def post(client, article, data, **extra):
    return client.post(reverse("post_comment", kwargs={"slug": article.slug}), data, **extra)


def test_subscriber_comments_on_a_passage(client, article, subscriber):
    client.force_login(subscriber)
    response = post(client, article, {"body": "Not in my town.", **fields_for(article, QUOTE)})
    assert response.status_code == 302
    comment = Comment.objects.get()
    anchor = comment.anchor
    text = plain_text(article.body)
    assert text[anchor.start : anchor.end] == anchor.exact == anchor.original_exact == QUOTE
    assert anchor.prefix == text[anchor.start - 32 : anchor.start]
    assert anchor.suffix == text[anchor.end : anchor.end + 32]
    assert anchor.state == AnchorState.ATTACHED
    assert anchor.revision == anchor.made_on == ArticleRevision.objects.get(article=article)
    assert anchor.revision.text == text


def test_the_fragment_shows_the_passage_above_the_comment(client, article, subscriber):
    client.force_login(subscriber)
    response = post(client, article, {"body": "Quoted.", **fields_for(article, QUOTE)}, **FRAGMENT)
    assert response.status_code == 201
    html = response.json()["html"]
    assert 'class="inline-passage"' in html and f"<q>{QUOTE}</q>" in html
    assert html.index("inline-passage") < html.index("data-body")


def test_a_comment_without_passage_is_a_plain_comment(client, article, subscriber):
    client.force_login(subscriber)
    assert post(client, article, {"body": "General remark."}).status_code == 302
    assert Comment.objects.count() == 1 and not Anchor.objects.exists()


def test_the_selection_is_trimmed_and_may_differ_in_whitespace(client, article, subscriber):
    """inline.js sends the rendered text; the body wraps lines and blocks differently."""
    client.force_login(subscriber)
    text = plain_text(article.body)
    quote = "ruin.\n\nFootfall tends"
    start = text.index(quote)
    data = {
        "body": "Across two paragraphs.",
        "anchor_exact": "  ruin. Footfall   tends ",
        "anchor_start": str(start - 1),
        "anchor_end": str(start + len(quote) + 1),
    }
    assert post(client, article, data).status_code == 302
    anchor = Anchor.objects.get()
    assert (anchor.start, anchor.end, anchor.exact) == (start, start + len(quote), quote)


def test_answering_an_editors_question(client, article, subscriber):
    text = plain_text(article.body)
    start = text.index("It begins with the bus")
    question = do_add_question(
        article=article, start=start, end=start + 40, question="Do you agree with this?"
    )
    client.force_login(subscriber)
    response = post(client, article, {"body": "Yes.", "anchor_question": str(question.pk)})
    assert response.status_code == 302
    anchor = Anchor.objects.get()
    assert anchor.question == question
    assert (anchor.start, anchor.end, anchor.exact) == (
        question.start,
        question.end,
        question.exact,
    )


REFUSALS = [
    pytest.param({"anchor_start": "-1"}, "anchor_outside", id="start-before-the-article"),
    pytest.param({"anchor_end": "100000"}, "anchor_outside", id="end-after-the-article"),
    pytest.param(
        {"anchor_start": "20", "anchor_end": "10"}, "anchor_outside", id="end-before-start"
    ),
    pytest.param({"anchor_start": "ten"}, "anchor_invalid", id="offset-not-a-number"),
    pytest.param(
        {"anchor_exact": "shopkeepers forecasting ruin"}, "anchor_mismatch", id="quote-mismatch"
    ),
    pytest.param({"anchor_exact": " "}, "anchor_mismatch", id="empty-quote"),
    pytest.param(
        {"anchor_exact": "x" * (MAX_QUOTE_CHARS + 1)}, "anchor_too_long", id="quote-too-long"
    ),
    pytest.param({"anchor_prefix": "p" * 65}, "anchor_too_long", id="context-too-long"),
    pytest.param({"parent": "reply"}, "anchor_on_reply", id="passage-on-a-reply"),
    pytest.param({"anchor_question": "999"}, "no_such_question", id="unknown-question"),
]


@pytest.mark.parametrize(("change", "code"), REFUSALS)
def test_refused_passages_post_nothing(client, article, subscriber, change, code):
    client.force_login(subscriber)
    data = {"body": "Kept text.", **fields_for(article, QUOTE), **change}
    if data.get("parent") == "reply":
        data["parent"] = str(factories.make_comment(article).pk)
    before = Comment.objects.count()
    response = post(client, article, data, **FRAGMENT)
    assert response.status_code in (400, 404)
    assert response.json()["code"] == code
    assert Comment.objects.count() == before
    assert not Anchor.objects.exists()


def test_a_refusal_on_the_page_keeps_the_readers_text(client, article, subscriber):
    client.force_login(subscriber)
    data = {"body": "My careful words.", **fields_for(article, QUOTE), "anchor_start": "0"}
    response = post(client, article, data)
    assert response.status_code == 400
    assert "My careful words." in response.content.decode()


def test_a_very_long_passage_is_refused_by_offsets_too(client, site, subscriber):
    article = factories.make_article(site, body="word " * 400)
    client.force_login(subscriber)
    text = plain_text(article.body)
    data = {"body": "Too much.", "anchor_exact": text, "anchor_start": "0"}
    data["anchor_end"] = str(len(text))
    response = post(client, article, data, **FRAGMENT)
    assert response.json()["code"] == "anchor_too_long"


@pytest.mark.parametrize(
    ("user_fixture", "status"),
    [("guest", 403), ("reader", 403), ("lapsed", 403), ("subscriber", 302), ("moderator", 302)],
)
def test_who_may_comment_on_a_passage(request, client, article, user_fixture, status):
    if user_fixture != "guest":
        client.force_login(request.getfixturevalue(user_fixture))
    response = post(client, article, {"body": "On this.", **fields_for(article, QUOTE)})
    assert response.status_code == status
    assert Anchor.objects.count() == (1 if status == 302 else 0)


def test_readers_cannot_quote_what_the_paywall_hides(client, article, subscriber, monkeypatch):
    monkeypatch.setattr(access, "visible_text_end", lambda article, viewer: 40)
    client.force_login(subscriber)
    response = post(
        client, article, {"body": "Hm.", **fields_for(article, "the bollard")}, **FRAGMENT
    )
    assert response.json()["code"] == "anchor_hidden"
    assert not Comment.objects.exists()


def test_a_passage_posted_after_an_edit_is_refused(client, article, subscriber):
    fields = fields_for(article, QUOTE)
    article.body = "A new first paragraph.\n\n" + article.body
    article.save()
    client.force_login(subscriber)
    response = post(client, article, {"body": "Stale.", **fields}, **FRAGMENT)
    assert response.json()["code"] == "anchor_mismatch"
