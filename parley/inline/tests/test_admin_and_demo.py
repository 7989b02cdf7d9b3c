"""Editors ask questions in the admin; the demo carries inline feedback."""

import pytest
from django.urls import reverse

from parley.accounts.models import User
from parley.articles.body import plain_text
from parley.demo.content_comments import DISCUSSION_SLUG
from parley.demo.loader import load_demo
from parley.discussion.models import Comment
from parley.inline.models import Anchor, AnchorState, ArticleRevision, PassageQuestion

pytestmark = pytest.mark.django_db

PASSAGE = "A pedestrian spends less per visit than a driver but visits far more often."


def add_question(admin_client, article, passage: str, occurrence: int = 1):
    return admin_client.post(
        reverse("admin:inline_passagequestion_add"),
        {
            "article": article.pk,
            "question": "Do you agree with this?",
            "passage": passage,
            "occurrence": occurrence,
        },
    )


@pytest.mark.parametrize(("occurrence", "which"), [(1, 0), (2, 1)])
def test_an_editor_marks_a_passage_with_a_question(admin_client, article, occurrence, which):
    # The passage is in a paragraph and again in the pull quote; the editor picks one.
    pasted = PASSAGE.replace("driver but", "driver\n but")  # pasted with a line break
    assert add_question(admin_client, article, pasted, occurrence).status_code == 302
    question = PassageQuestion.objects.get()
    text = plain_text(article.body)
    starts = [i for i in range(len(text)) if text.startswith(PASSAGE, i)]
    assert (question.start, question.exact) == (starts[which], PASSAGE)
    assert question.state == AnchorState.ATTACHED
    assert question.revision == ArticleRevision.objects.get(article=article)
    change = admin_client.get(reverse("admin:inline_passagequestion_change", args=[question.pk]))
    assert change.status_code == 200
    assert change.context["adminform"].form.initial["occurrence"] == occurrence


def test_a_passage_not_in_the_article_is_refused(admin_client, article):
    response = add_question(admin_client, article, "Words the article never had.")
    assert response.status_code == 200
    assert "does not contain that passage" in response.content.decode()
    response = add_question(admin_client, article, PASSAGE, occurrence=3)
    assert "that many times" in response.content.decode()
    assert not PassageQuestion.objects.exists()


def test_anchors_and_revisions_are_read_only_in_the_admin(admin_client):
    assert admin_client.get(reverse("admin:inline_anchor_add")).status_code == 403
    assert admin_client.get(reverse("admin:inline_articlerevision_changelist")).status_code == 200


def test_the_demo_article_carries_inline_feedback():
    load_demo()
    anchors = Anchor.objects.filter(comment__article__slug=DISCUSSION_SLUG)
    states = sorted(anchors.values_list("state", flat=True))
    assert states.count(AnchorState.ORPHANED) == 1
    assert states.count(AnchorState.CHANGED) == 1
    assert states.count(AnchorState.ATTACHED) >= 3
    question = PassageQuestion.objects.get(article__slug=DISCUSSION_SLUG)
    assert question.answers.count() == 1 and question.state == AnchorState.ATTACHED
    article = question.article
    text = plain_text(article.body)
    assert ArticleRevision.objects.filter(article=article).count() == 2
    for anchor in anchors.exclude(state=AnchorState.ORPHANED):
        assert text[anchor.start : anchor.end] == anchor.exact
    # Anchoring used existing comments: the discussion keeps its shape.
    assert Comment.objects.filter(article=article).count() == 16
    orphan = anchors.get(state=AnchorState.ORPHANED)
    assert orphan.original_exact not in text
    editor = User.objects.get(username="editor")
    assert editor.has_perm("inline.add_passagequestion")
    assert editor.has_perm("inline.change_passagequestion")
