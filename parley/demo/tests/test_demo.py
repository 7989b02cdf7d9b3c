from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from parley.accounts.entitlements import Standing, entitlement_for
from parley.accounts.models import SiteRole, Subscription, User
from parley.articles.models import Article, Author, Site
from parley.demo.content_comments import DISCUSSION_SLUG
from parley.demo.loader import load_demo
from parley.discussion.models import Comment, CommentStatus, ScoreChange, Vote

pytestmark = pytest.mark.django_db

ROLES = ["subscriber", "free reader", "lapsed", "moderator", "editor"]


def _counts() -> dict[str, int]:
    models = (Site, Author, Article, User, Subscription, SiteRole, Comment, Vote, ScoreChange)
    return {model.__name__: model.objects.count() for model in models}


def test_demo_loads_site_authors_and_articles():
    logins = load_demo()
    assert [role for role, _username, _password in logins] == ROLES
    site = Site.objects.get(key="demo")
    assert site.comments_page_size == 5
    assert site.edit_window_minutes == 15
    assert site.authors.count() >= 2
    articles = list(site.articles.all())
    assert len(articles) == 3
    for article in articles:
        assert article.author is not None and article.author.social_handle.startswith("@")
        assert article.standfirst and article.image_alt and article.image_credit
        assert article.image_url.startswith("/static/parley/demo/")
        assert 3 <= article.reading_minutes <= 4
        kinds = [block.kind for block in article.blocks]
        assert kinds.count("pullquote") == 1
        quote = next(b.text for b in article.blocks if b.kind == "pullquote")
        assert any(quote in b.text for b in article.blocks if b.kind == "paragraph")
        assert 2 <= article.comments.count() <= 16


def test_discussion_has_the_shape_of_the_reference_page():
    load_demo()
    article = Article.objects.get(site__key="demo", slug=DISCUSSION_SLUG)
    visible = Comment.objects.filter(article=article, status=CommentStatus.VISIBLE)
    assert visible.count() == 16
    assert visible.filter(parent__isnull=True).count() == 7
    assert visible.filter(depth=4).exists()
    assert not visible.filter(depth__gt=4).exists()
    assert article.comment_count == 16
    for top in visible.filter(parent__isnull=True):
        assert top.thread_replies == visible.filter(root=top).count()


def test_discussion_votes_make_most_voted_differ_from_oldest():
    load_demo()
    tops = Comment.objects.filter(article__slug=DISCUSSION_SLUG, parent__isnull=True)
    oldest = list(tops.order_by("created_at", "id").values_list("id", flat=True))
    most_voted = list(tops.order_by("-score", "id").values_list("id", flat=True))
    assert oldest != most_voted
    voters = set(Vote.objects.filter(comment__article__slug=DISCUSSION_SLUG).values_list("user"))
    assert len(voters) >= 5
    for comment in Comment.objects.filter(article__slug=DISCUSSION_SLUG):
        assert comment.score == comment.upvotes - comment.downvotes
        assert comment.upvotes == comment.votes.filter(value=1).count()
        assert comment.author_id is not None
        assert not comment.votes.filter(user_id=comment.author_id).exists()


def test_pasted_html_link_comes_out_as_a_clean_link():
    load_demo()
    pasted = Comment.objects.get(article__slug=DISCUSSION_SLUG, body__contains="<h1>")
    assert '<a href="https://example.org/' in pasted.body_html
    assert "<h1" not in pasted.body_html and "<div" not in pasted.body_html


def test_every_demo_login_authenticates():
    for _role, username, password in load_demo():
        user = authenticate(username=username, password=password)
        assert user is not None and user.username == username
        assert user.display_name


def test_standings_of_the_demo_accounts():
    load_demo()
    site = Site.objects.get(key="demo")
    users = {u.username: u for u in User.objects.all()}
    assert entitlement_for(users["subscriber"], site.pk).standing == Standing.SUBSCRIBER
    assert entitlement_for(users["lapsed"], site.pk).standing == Standing.LAPSED
    assert entitlement_for(users["reader"], site.pk).standing == Standing.READER
    moderator = entitlement_for(users["moderator"], site.pk)
    assert moderator.standing == Standing.STAFF and moderator.is_moderator
    editor = users["editor"]
    assert editor.is_staff and not editor.is_superuser
    assert entitlement_for(editor, site.pk).standing == Standing.STAFF
    for perm in ("add_article", "change_article", "delete_site", "change_author"):
        assert editor.has_perm(f"articles.{perm}")
    assert not editor.has_perm("discussion.delete_comment")


def test_lapsed_reader_wrote_one_comment_in_the_discussion():
    load_demo()
    lapsed = User.objects.get(username="lapsed")
    assert Comment.objects.filter(author=lapsed, article__slug=DISCUSSION_SLUG).count() == 1


def test_loading_twice_creates_nothing_new():
    first = load_demo()
    before = _counts()
    assert load_demo() == first
    assert _counts() == before


def test_management_command_prints_the_logins():
    out = StringIO()
    call_command("load_demo", stdout=out)
    text = out.getvalue()
    for _role, username, password in load_demo():
        assert username in text and password in text
