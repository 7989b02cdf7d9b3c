"""What readers see: block offsets in the article, highlights (passages.json), the Inline
Feedbacks tab, the passage above anchored comments in the main list; all at a fixed
number of queries."""

import json
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from parley import factories
from parley.articles.body import plain_text
from parley.discussion import actions as discussion_actions
from parley.discussion.models import CommentStatus
from parley.inline import access
from parley.inline.actions import AnchorData, attach_anchor, do_add_question
from parley.inline.models import Anchor, AnchorState
from parley.inline.tests.helpers import BODY

pytestmark = pytest.mark.django_db

FRAGMENT = {"HTTP_X_PARLEY_FRAGMENT": "1"}


def anchored(article, quote, *, nth=0, user=None, body="A comment.", **fields):
    text = plain_text(article.body)
    at = -1
    for _ in range(nth + 1):
        at = text.index(quote, at + 1)
    comment = factories.make_comment(article, user=user, body=body, **fields)
    attach_anchor(comment, AnchorData(start=at, end=at + len(quote), text=text))
    return comment


def page(client, article, **params):
    return client.get(reverse("article", kwargs={"slug": article.slug}), params).content.decode()


def test_article_blocks_carry_their_plain_text_offsets(client, article):
    html = page(client, article)
    text = plain_text(article.body)
    blocks = re.findall(
        r'<(p|h2|blockquote)[^>]* data-start="(\d+)" data-end="(\d+)"( data-lead="1")?>(.*?)</\1>',
        html,
    )
    assert [kind for kind, *_ in blocks] == ["p", "p", "blockquote", "h2", "p"]
    for kind, start, end, lead, content in blocks:
        shown = content[1:-1] if lead else content
        assert kind != "blockquote" or (lead and content[0] == "“" and content[-1] == "”")
        assert text[int(start) : int(end)] == shown.replace("&#x27;", "'")


def test_passages_json_groups_comments_by_passage(client, article, author):
    first = anchored(article, "people on foot linger")
    anchored(article, "people on foot linger")
    anchored(article, "It begins with the bus")
    anchored(article, "pedestrian spends less", nth=1)  # the pull quote
    pending = anchored(article, "the closure", status=CommentStatus.PENDING)
    orphan = anchored(article, "First comes the fury")
    Anchor.objects.filter(comment=orphan).update(state=AnchorState.ORPHANED)
    question = do_add_question(article=article, start=0, end=10, question="Agree?")
    answer = factories.make_comment(article)
    attach_anchor(answer, AnchorData(start=0, end=10, text="", question=question))

    data = client.get(reverse("inline:passages", args=[article.pk])).json()
    summary = [(p["kind"], p["exact"], p["count"]) for p in data["passages"]]
    assert summary == [
        ("question", "Every city", 1),
        ("comments", "people on foot linger", 2),
        ("comments", "pedestrian spends less", 1),
        ("comments", "It begins with the bus", 1),
    ]
    assert data["passages"][0]["question"] == "Agree?"
    assert data["passages"][0]["key"] == f"q{question.pk}"
    anchor = first.anchor
    assert data["passages"][1]["key"] == f"p{anchor.start}-{anchor.end}"
    assert pending.anchor.exact not in [p["exact"] for p in data["passages"]]


def test_passages_json_of_another_sites_article_is_missing(client, site):
    other = factories.make_article(factories.make_site(domain="other.example"))
    response = client.get(reverse("inline:passages", args=[other.pk]))
    assert response.status_code == 404


def test_the_tab_orders_by_position_then_sort_with_orphans_last(client, article):
    early = anchored(article, "shopkeepers predicting ruin", body="Early passage, old.")
    late_old = anchored(article, "the bollard", body="Late passage, old.")
    late_new = anchored(article, "the bollard", body="Late passage, new.")
    gone = anchored(article, "almost an anticlimax", body="On a cut passage.")
    unanchored = factories.make_comment(article, body="Not on a passage.")
    voter = factories.make_subscriber(article.site)
    discussion_actions.do_vote(user=voter, comment=late_old, value=1)
    article.body = article.body.replace(
        " Cities that did this first found the closure\nalmost an anticlimax.", ""
    )
    article.save()
    gone.anchor.refresh_from_db()
    assert gone.anchor.state == AnchorState.ORPHANED

    url = reverse("inline:feedback", args=[article.pk])
    for sort, expected in [
        ("new", [early, late_new, late_old, gone]),
        ("old", [early, late_old, late_new, gone]),
        ("top", [early, late_old, late_new, gone]),
    ]:
        html = client.get(url, {"sort": sort}, **FRAGMENT).json()["html"]
        shown = [int(i) for i in re.findall(r'data-comment="(\d+)"', html)]
        assert shown == [c.pk for c in expected], sort
        assert unanchored.pk not in shown
    assert html.index("Passages no longer in the article") < html.index(f'data-comment="{gone.pk}"')
    assert "almost an anticlimax" in html  # the orphan's original quote
    assert html.count('class="inline-group-quote"') == 3


def test_the_tab_says_when_a_passage_changed(client, article):
    anchored(article, "shopkeepers predicting ruin")
    article.body = article.body.replace("predicting", "forecasting")
    article.save()
    html = client.get(reverse("inline:feedback", args=[article.pk]), **FRAGMENT).json()["html"]
    assert "shopkeepers forecasting ruin" in html
    assert "The passage has changed since these comments were written." in html


def test_the_tab_narrowed_to_a_highlight_and_compact(client, article):
    on_bus = anchored(article, "the bus", body="About buses.")
    anchored(article, "the fury", body="About fury.")
    key = f"p{on_bus.anchor.start}-{on_bus.anchor.end}"
    response = client.get(
        reverse("inline:feedback", args=[article.pk]), {"passage": key, "compact": "1"}, **FRAGMENT
    )
    html = response.json()["html"]
    assert "About buses." in html and "About fury." not in html
    assert "inline-compact-comment" in html and "data-parley" not in html


def test_the_tab_works_without_javascript(client, article, subscriber):
    anchored(article, "the bus", body="About buses.")
    client.force_login(subscriber)
    html = client.get(reverse("inline:feedback", args=[article.pk])).content.decode()
    assert "<title>Inline Feedbacks" in html
    assert "About buses." in html and 'data-parley="vote"' in html


def test_the_main_list_marks_anchored_comments(client, article):
    anchored(article, "shopkeepers predicting ruin", body="Anchored.")
    factories.make_comment(article, body="Plain.")
    html = page(client, article)
    assert html.count('class="inline-passage"') == 1
    assert "<q>shopkeepers predicting ruin</q>" in html
    assert "data-inline-tab" in html and "parley/inline.js" in html


def test_the_paywall_hides_quotes_from_hidden_parts(client, article, monkeypatch):
    anchored(article, "It begins with the bus", body="Late in the article.")
    monkeypatch.setattr(access, "visible_text_end", lambda article, viewer: 100)
    html = page(client, article)
    assert "It begins with the bus" not in html.split('class="discussion"')[1]
    assert "subscriber-only part of the article" in html
    data = client.get(reverse("inline:passages", args=[article.pk])).json()
    assert data["passages"] == []
    tab = client.get(reverse("inline:feedback", args=[article.pk]), **FRAGMENT).json()["html"]
    assert "It begins with the bus" not in tab
    export = client.get(reverse("inline:annotations", args=[article.pk])).json()
    assert "selector" not in export["first"]["items"][0]["target"]


def _big_discussion(article, anchored_count):
    users = [factories.make_subscriber(article.site) for _ in range(3)]
    quotes = ["people on foot linger", "the bus", "shopkeepers", "far more often"]
    start = timezone.now() - timedelta(days=1)
    for i in range(anchored_count):
        comment = anchored(
            article, quotes[i % 4], user=users[i % 3], created_at=start + timedelta(seconds=i)
        )
        factories.make_comment(article, user=users[(i + 1) % 3], parent=comment)
    question = do_add_question(article=article, start=0, end=10, question="Agree?")
    attach_anchor(
        factories.make_comment(article, user=users[0]),
        AnchorData(start=0, end=10, text="", question=question),
    )


def count(client, url, params=None, **extra):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {}, **extra)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("signed_in", [False, True])
def test_query_counts_do_not_grow_with_the_discussion(client, site, subscriber, signed_in):
    figures = []
    for size in (12, 30):  # both more than a page of threads
        article = factories.make_article(site, body=BODY.strip())
        _big_discussion(article, size)
        if signed_in:
            client.force_login(subscriber)
        # The site and its policy are kept in the process (parley/cache/local.py) after
        # the first request: each size counts from that state.
        client.get(reverse("article", kwargs={"slug": article.slug}))
        figures.append(
            (
                count(client, reverse("article", kwargs={"slug": article.slug})),
                count(client, reverse("inline:passages", args=[article.pk])),
                count(client, reverse("inline:feedback", args=[article.pk]), **FRAGMENT),
                count(client, reverse("inline:annotations", args=[article.pk])),
            )
        )
        client.logout()
    print("queries (page, passages, tab, export):", figures)
    assert figures[0] == figures[1]


def test_export_is_web_annotation_json_ld(client, article):
    comment = anchored(article, "shopkeepers predicting ruin", body="**Bold** claim.")
    question = do_add_question(article=article, start=0, end=10, question="Agree?")
    response = client.get(reverse("inline:annotations", args=[article.pk]))
    assert response["Content-Type"].startswith("application/ld+json")
    document = json.loads(response.content)
    assert document["@context"][0] == "http://www.w3.org/ns/anno.jsonld"
    assert document["type"] == "AnnotationCollection" and document["total"] == 2
    items = document["first"]["items"]
    asked, said = items
    assert asked["motivation"] == "questioning" and asked["body"]["value"] == "Agree?"
    assert asked["id"].endswith(f"#question-{question.pk}")
    assert said["type"] == "Annotation" and said["motivation"] == "commenting"
    assert said["body"] == {
        "type": "TextualBody",
        "value": "**Bold** claim.",
        "format": "text/markdown",
        "purpose": "commenting",
    }
    assert said["creator"]["name"] == comment.shown_name
    target = said["target"]
    assert target["source"] == f"http://testserver/articles/{article.slug}/"
    assert target["state"]["type"] == "TimeState"
    anchor = comment.anchor
    assert target["selector"] == [
        {
            "type": "TextQuoteSelector",
            "exact": "shopkeepers predicting ruin",
            "prefix": anchor.prefix,
            "suffix": anchor.suffix,
        },
        {"type": "TextPositionSelector", "start": anchor.start, "end": anchor.end},
    ]
    assert target["parley:anchorState"] == "attached"
