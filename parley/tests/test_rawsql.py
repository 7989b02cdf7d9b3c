"""parley/rawsql.py: rows written by hand-made SQL read back through the ORM exactly as
rows the ORM wrote, on SQLite and PostgreSQL."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict

from parley import factories, rawsql
from parley.articles.models import Article
from parley.discussion.models import Comment, CommentStatus
from parley.live.models import LiveEvent
from parley.moderation.models import ArticlePolicy, Mode

pytestmark = pytest.mark.django_db


def test_an_inserted_row_reads_back_as_the_orm_would_have_written_it():
    article = factories.make_article()
    payload = {"type": "comment", "text": "« déjà » \u2014 ✓", "nested": [1, None, True]}
    by_hand = LiveEvent(
        article_id=article.pk, type="comment", visibility="public", comment_id=7, payload=payload
    )
    rawsql.insert(by_hand)
    by_orm = LiveEvent.objects.create(
        article_id=article.pk, type="comment", visibility="public", comment_id=7, payload=payload
    )
    assert by_hand.pk is not None and by_hand.pk < by_orm.pk
    assert not by_hand._state.adding
    stored = LiveEvent.objects.get(pk=by_hand.pk)
    assert stored.payload == payload
    assert model_to_dict(stored, exclude=["id", "created_at"]) == model_to_dict(
        by_orm, exclude=["id", "created_at"]
    )
    assert stored.created_at == by_hand.created_at


def test_a_row_keeps_the_id_it_was_given_and_every_field():
    article = factories.make_article()
    user = factories.make_subscriber(article.site)
    when = datetime(2021, 3, 4, 5, 6, 7, 890000, tzinfo=UTC)
    comment = Comment(
        id=987654,
        path="x",
        article=article,
        author=user,
        body="Plain <b>text</b>",
        body_html="<p>Plain &lt;b&gt;text&lt;/b&gt;</p>",
        status=CommentStatus.PENDING,
        created_at=when,
        depth=0,
    )
    rawsql.insert(comment)
    stored = Comment.objects.get(pk=987654)
    assert model_to_dict(stored) == model_to_dict(comment)
    assert stored.created_at == when and stored.edited_at is None
    assert (stored.upvotes, stored.downvotes, stored.score, stored.thread_replies) == (0, 0, 0, 0)


def test_a_refused_insert_raises_and_writes_nothing():
    article = factories.make_article()
    rawsql.insert(Comment(id=55, path="a", article=article, body="One.", body_html="<p>One.</p>"))
    with pytest.raises(IntegrityError), transaction.atomic():
        rawsql.insert(
            Comment(id=55, path="b", article=article, body="Two.", body_html="<p>Two.</p>")
        )
    assert list(Comment.objects.values_list("body", flat=True)) == ["One."]


def test_a_model_with_save_receivers_is_refused():
    article = factories.make_article()
    with pytest.raises(ImproperlyConfigured, match="save receivers"):
        rawsql.insert(Article(site=article.site, slug="x", title="X"))  # the cache listens
    assert not Article.objects.filter(slug="x").exists()


def _columns(obj) -> dict:
    """Every stored value with its type: 1 and True, or a string and a datetime, differ."""
    return {
        f.attname: (getattr(obj, f.attname), type(getattr(obj, f.attname)))
        for f in obj._meta.concrete_fields
    }


@pytest.mark.parametrize("with_author", [True, False])
@pytest.mark.parametrize("with_policy", [True, False])
def test_get_related_loads_what_select_related_loads(
    with_author, with_policy, django_assert_num_queries
):
    site = factories.make_site(tagline="A paper", edit_window_minutes=7)
    article = factories.make_article(site, discussion_closed=True, comment_count=12)
    if not with_author:
        Article.objects.filter(pk=article.pk).update(author=None)
    if with_policy:
        ArticlePolicy.objects.create(article=article, mode=Mode.PRE, auto_close_days=9)
    related = ("site", "author", "policy")
    expected = Article.objects.select_related(*related).get(pk=article.pk)
    with django_assert_num_queries(1):
        got = rawsql.get_related(Article, related, "t0.slug = %s", [article.slug])
        assert got is not None
        assert _columns(got) == _columns(expected)
        assert _columns(got.site) == _columns(expected.site)
        if with_author:
            assert _columns(got.author) == _columns(expected.author)
        else:
            assert got.author is None
        if with_policy:
            assert _columns(got.policy) == _columns(expected.policy)
            assert got.policy.article is got
        else:
            with pytest.raises(ArticlePolicy.DoesNotExist):
                got.policy  # noqa: B018 (the access is the test)
    assert got.discussion_closed is True and got.published_at.tzinfo is not None
    assert not got._state.adding and got._state.db == "default"


def test_get_related_finds_nothing_without_a_match():
    factories.make_article()
    assert rawsql.get_related(Article, ("site",), "t0.slug = %s", ["no-such-slug"]) is None
