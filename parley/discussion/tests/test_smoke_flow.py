import pytest
from django.urls import reverse

from parley import factories
from parley.discussion.models import Comment

pytestmark = pytest.mark.django_db


def test_subscriber_posts_replies_and_sees_the_thread(client, article, subscriber):
    client.force_login(subscriber)
    url = reverse("post_comment", kwargs={"slug": article.slug})
    response = client.post(url, {"body": "First **words**"})
    assert response.status_code == 302
    top = Comment.objects.get()
    response = client.post(url, {"body": "A reply", "parent": top.pk})
    reply = Comment.objects.exclude(pk=top.pk).get()
    assert reply.root_id == top.pk and reply.depth == 1
    page = client.get(reverse("article", kwargs={"slug": article.slug}))
    html = page.content.decode()
    assert "<strong>words</strong>" in html
    assert "Reply to <b>Subscriber</b>" in html
    assert "<span data-count>2</span> Comments" in html


def test_guest_sees_subscribe_call_and_cannot_post(client, article):
    page = client.get(reverse("article", kwargs={"slug": article.slug}))
    assert "become a paid subscriber" in page.content.decode()
    response = client.post(
        reverse("post_comment", kwargs={"slug": article.slug}), {"body": "sneaky"}
    )
    assert response.status_code == 403
    assert not Comment.objects.exists()


def test_front_page_lists_articles_with_counts(client, article):
    factories.make_comment(article)
    page = client.get("/")
    assert article.title in page.content.decode()
    assert "1 Comment" in page.content.decode()
