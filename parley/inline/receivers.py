"""The revision hook: every save that changes an article's plain text writes a revision
and re-anchors the article's passages, in the transaction of the save. It lives here, as
a receiver, so that the articles app knows nothing of anchors."""

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from parley.articles.models import Article
from parley.inline.actions import do_record_revision


@receiver(post_save, sender=Article, dispatch_uid="inline_record_revision")
def record_revision(
    sender: type[Article], instance: Article, raw: bool = False, **kwargs: Any
) -> None:
    update_fields = kwargs.get("update_fields")
    if raw or (update_fields is not None and "body" not in update_fields):
        return
    do_record_revision(article=instance)
