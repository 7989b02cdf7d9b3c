"""The revision hook: a save that changes the article's text writes a revision and
re-anchors every passage of the article (comments and editors' questions)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from parley import factories
from parley.articles.body import plain_text
from parley.inline.actions import AnchorData, attach_anchor, do_add_question
from parley.inline.models import Anchor, AnchorState, ArticleRevision

pytestmark = pytest.mark.django_db


def anchored(article, quote: str, nth: int = 0) -> Anchor:
    text = plain_text(article.body)
    at = -1
    for _ in range(nth + 1):
        at = text.index(quote, at + 1)
    comment = factories.make_comment(article, body=f"On {quote!r}.")
    return attach_anchor(comment, AnchorData(start=at, end=at + len(quote), text=text))


def edit(article, old: str, new: str) -> None:
    assert old in article.body
    article.body = article.body.replace(old, new, 1)
    article.save()


def test_creating_an_article_writes_its_first_revision(article):
    revision = ArticleRevision.objects.get(article=article)
    assert revision.number == 1 and revision.text == plain_text(article.body)


def test_saves_that_do_not_change_the_text_write_nothing(article):
    article.title = "A new title"
    article.save()
    article.body = article.body.replace("\n", "  \n")  # same text for readers
    article.save()
    with CaptureQueriesContext(connection) as captured:
        article.save(update_fields=["discussion_closed"])
    assert len(captured) == 1
    assert ArticleRevision.objects.filter(article=article).count() == 1


def test_an_edit_reattaches_marks_changed_and_orphans(article):
    moved = anchored(article, "It begins with the bus, not the bollard.")
    reworded = anchored(article, "First comes the fury: shopkeepers predicting ruin.")
    removed = anchored(
        article,
        "Cities that did this first found the closure\nalmost an anticlimax.".replace("\n", " "),
    )
    edit(article, "Every city", "An opening sentence, added later.\n\nEvery city")
    edit(article, "predicting ruin", "forecasting ruin")
    edit(article, " Cities that did this first found the closure\nalmost an anticlimax.", "")

    text = plain_text(article.body)
    assert ArticleRevision.objects.filter(article=article).count() == 4
    latest = ArticleRevision.objects.get(article=article, number=4)
    moved.refresh_from_db()
    assert moved.state == AnchorState.ATTACHED and moved.revision == latest
    assert (
        text[moved.start : moved.end] == moved.exact == "It begins with the bus, not the bollard."
    )
    reworded.refresh_from_db()
    assert reworded.state == AnchorState.CHANGED
    assert reworded.exact == "First comes the fury: shopkeepers forecasting ruin."
    assert reworded.original_exact == "First comes the fury: shopkeepers predicting ruin."
    assert text[reworded.start : reworded.end] == reworded.exact
    removed.refresh_from_db()
    assert removed.state == AnchorState.ORPHANED
    assert removed.exact == removed.original_exact  # the last known quote is kept
    assert removed.revision.number == 3  # the revision that quote is valid against


def test_an_orphan_comes_back_when_its_passage_does(article):
    removed = anchored(article, "almost an anticlimax")
    original = article.body
    edit(article, " Cities that did this first found the closure\nalmost an anticlimax.", "")
    removed.refresh_from_db()
    assert removed.state == AnchorState.ORPHANED
    article.body = original
    article.save()
    removed.refresh_from_db()
    assert removed.state == AnchorState.ATTACHED
    assert plain_text(article.body)[removed.start : removed.end] == "almost an anticlimax"


def test_questions_move_with_the_text(article):
    text = plain_text(article.body)
    start = text.index("It begins")
    question = do_add_question(article=article, start=start, end=start + 9, question="Really?")
    edit(article, "Every city", "New start.\n\nEvery city")
    question.refresh_from_db()
    assert question.state == AnchorState.ATTACHED
    assert question.start == start + len("New start.\n\n")


def test_other_articles_are_not_touched(site, article):
    other = factories.make_article(site)
    theirs = anchored(other, "A second paragraph.")
    edit(article, "Every city", "Intro.\n\nEvery city")
    theirs.refresh_from_db()
    assert theirs.revision.article == other and theirs.revision.number == 1


@pytest.mark.parametrize("count", [5, 40])
def test_reanchoring_costs_a_fixed_number_of_queries(article, count):
    for _ in range(count):
        anchored(article, "people on foot linger")
    article.body = "Intro.\n\n" + article.body
    with CaptureQueriesContext(connection) as captured:
        article.save()
    # save; savepoint; lock the article; latest revision; insert the revision; anchors;
    # questions; the texts their selectors are valid against; one batched update (there
    # are no questions to write); release
    sql = [re.sub(r"^\d+ times: ", "", q["sql"]).split(" ")[0] for q in captured]
    assert sql == [
        "UPDATE", "SAVEPOINT", "SELECT", "SELECT", "INSERT", "SELECT", "SELECT", "SELECT",
        "UPDATE", "RELEASE",
    ]  # fmt: skip
    assert captured[8]["sql"].startswith(f"{count} times: UPDATE")  # one executemany
    assert set(Anchor.objects.values_list("state", flat=True)) == {AnchorState.ATTACHED}


def test_an_editor_edits_the_article_in_the_admin(admin_client, article):
    anchor = anchored(article, "not the bollard")
    url = reverse("admin:articles_article_change", args=[article.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data["published_at_0"], data["published_at_1"] = (
        article.published_at.strftime("%Y-%m-%d"),
        article.published_at.strftime("%H:%M:%S"),
    )
    data.pop("published_at", None)
    data["body"] = "An editor's new opening.\n\n" + article.body
    data["author"] = article.author_id
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    anchor.refresh_from_db()
    assert anchor.revision.number == 2 and anchor.state == AnchorState.ATTACHED
    assert (
        plain_text(article.__class__.objects.get(pk=article.pk).body)[anchor.start : anchor.end]
        == "not the bollard"
    )
