"""Inline feedback in the demo: the long discussion's article carries anchored comments,
an editor's question with an answer, a passage that changed since and an orphan.

The story it tells: the article was published in a slightly different draft (revision 1).
Readers anchored their comments to it and the editors asked a question. A month ago an
editor cut one sentence and corrected a time (revision 2, the article's text today): the
comment on the cut sentence is orphaned, the one on the corrected sentence re-attached and
marked "the passage has changed since". Existing demo comments are anchored, so the
discussion keeps its shape and counts.
"""

from datetime import timedelta

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from parley.articles.body import plain_text
from parley.articles.models import Article
from parley.demo.content import SITE
from parley.demo.content_comments import DISCUSSION_SLUG
from parley.discussion.models import Comment
from parley.inline.actions import AnchorData, attach_anchor, do_record_revision, passage_fields
from parley.inline.models import Anchor, ArticleRevision, PassageQuestion

CUT_SENTENCE = "A strip of painted cycle lane, on its own, changes almost nothing."
DRAFT_CHANGES = [
    ("Collisions drop.", f"Collisions drop. {CUT_SENTENCE}"),
    (
        "the florist delivering at six in the morning",
        "the florist delivering at five in the morning",
    ),
]
QUESTION = "Do you agree with this? Tell us what you have seen on your own high street."
QUESTION_PASSAGE = (
    "A pedestrian spends less per visit than a driver but visits far more often, and over a "
    "month the pedestrian is the better customer."
)
# Commenter (each wrote one top-level comment on the article) -> passage of the draft.
ANCHORED = {
    "lapsed": "It is not to make a plumber carry a boiler from a park-and-ride.",
    "harriet": "like a room that has been tidied for guests",
    "desmond": "It begins with the bus, not the bollard.",
    "lanterne": CUT_SENTENCE,
    "priya": (
        "the florist delivering at five in the morning: each needs a route in that does not "
        "depend on a pleading email to the council"
    ),
}
ANSWERED_BY = "beatrix"
EDITOR_MODELS = (PassageQuestion,)


def _on(revision: ArticleRevision, passage: str) -> dict:
    start = revision.text.index(passage)  # the first occurrence: the paragraph, not the pull quote
    data = AnchorData(start=start, end=start + len(passage), text=revision.text)
    return passage_fields(data, revision)


@transaction.atomic
def load_demo_inline() -> None:
    """Adds inline feedback to the demo article. Call it once, right after the demo's
    discussions are created."""
    article = Article.objects.get(site__key=SITE["key"], slug=DISCUSSION_SLUG)
    today = plain_text(article.body)
    draft = today
    for now_reads, draft_read in DRAFT_CHANGES:
        assert now_reads in draft, now_reads
        draft = draft.replace(now_reads, draft_read, 1)
    # The save signal wrote today's text as revision 1; the history starts with the draft.
    ArticleRevision.objects.filter(article=article).delete()
    first = ArticleRevision.objects.create(
        article=article, number=1, text=draft, created_at=article.published_at
    )
    question = PassageQuestion.objects.create(
        article=article,
        question=QUESTION,
        created_at=article.published_at,
        **_on(first, QUESTION_PASSAGE),
    )
    tops = {
        c.author.username: c
        for c in Comment.objects.filter(article=article, parent=None).select_related("author")
        if c.author is not None and c.author.username in {*ANCHORED, ANSWERED_BY}
    }
    for username, passage in ANCHORED.items():
        Anchor.objects.create(comment=tops[username], **_on(first, passage))

    edited_at = max(tops[u].created_at for u in ANCHORED) + timedelta(hours=12)
    assert edited_at < tops[ANSWERED_BY].created_at
    do_record_revision(article=article, created_at=edited_at)
    question.refresh_from_db()
    attach_anchor(
        tops[ANSWERED_BY],
        AnchorData(start=question.start, end=question.end, text=today, question=question),
    )
    _let_editors_ask_questions()


def _let_editors_ask_questions() -> None:
    from parley.demo.loader import EDITORS_GROUP  # imported here: the loader imports us

    editors, _created = Group.objects.get_or_create(name=EDITORS_GROUP)
    content_types = [ContentType.objects.get_for_model(model) for model in EDITOR_MODELS]
    editors.permissions.add(*Permission.objects.filter(content_type__in=content_types))
