"""The demo: replying as one demo user notifies another, in the page and in the outbox."""

from pathlib import Path

import pytest
from django.test import Client

from parley.accounts.models import User
from parley.demo.content_comments import DISCUSSION_SLUG
from parley.demo.loader import load_demo
from parley.discussion.models import Comment
from parley.notifications import outbox
from parley.notifications.models import Follow, Notification, OutboxMessage, OutboxStatus

pytestmark = pytest.mark.django_db


def test_a_demo_reply_notifies_its_author_in_the_page_and_the_outbox(settings, tmp_path: Path):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(tmp_path)},
        }
    }
    load_demo()
    load_demo()  # idempotent
    sam = User.objects.get(username="subscriber")
    assert Follow.objects.filter(user=sam, comment__isnull=True).count() == 1
    assert Notification.objects.filter(recipient=sam).count() == 2
    harriet_comment = Comment.objects.filter(
        author__username="harriet", article__slug=DISCUSSION_SLUG
    ).first()
    assert harriet_comment is not None

    harriet = User.objects.get(username="harriet")
    before = Notification.objects.filter(recipient=harriet).count()
    client = Client()
    client.force_login(sam)
    client.post(
        f"/articles/{DISCUSSION_SLUG}/comments/",
        {"body": "Sam replies to Harriet.", "parent": harriet_comment.pk, "notify": "replies"},
    )
    reply = Comment.objects.get(body="Sam replies to Harriet.")
    assert Notification.objects.filter(recipient=harriet).count() == before + 1
    assert Notification.objects.filter(recipient=harriet, comment=reply).exists()
    while outbox.run_once(outbox.Config()).claimed:
        pass
    sent = OutboxMessage.objects.get(recipient=harriet, comment=reply)
    assert sent.status == OutboxStatus.SENT
    assert "Sam Subscriber replied to your comment" in sent.subject
    assert any("Sam replies to Harriet." in f.read_text() for f in tmp_path.iterdir())
    settings.DEBUG = True
    page = Client().get(f"/notifications/outbox/{sent.pk}/").content.decode()
    assert "Sam replies to Harriet." in page
