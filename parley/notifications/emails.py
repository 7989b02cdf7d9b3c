"""The e-mails: one about one comment, or a digest grouped by discussion.

Every message has a plain-text and an HTML part rendered from templates (autoescaped; the
comment's HTML is the body already sanitised for the page), one-click unsubscribe headers
(RFC 8058) and a body link, and a Message-ID derived from the outbox row's (recipient, key)
so that a message re-sent after a crash is recognisably the same message.
"""

import email.policy
import hashlib
from dataclasses import dataclass
from email.headerregistry import Address
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from parley.articles.models import Article
from parley.discussion.models import Comment
from parley.discussion.rendering import to_plain_text
from parley.notifications import conf
from parley.notifications.models import OutboxMessage, Reason
from parley.notifications.tokens import Scope, make_token
from parley.text import clean_plain_text

EXCERPT_CHARS = 280


def header_text(value: str, max_length: int = 120) -> str:
    """A name or title fit for a header: no CR, LF or other control or format character."""
    return clean_plain_text(value, max_length=max_length)


def sender_domain() -> str:
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2]
    return domain or "parley.invalid"


def message_id(row: OutboxMessage) -> str:
    """Stable for the row on every host and every attempt: the receiving side sees a
    retried send as the same message (most mail stores drop the copy)."""
    digest = hashlib.sha256(f"{row.recipient_id}:{row.key}".encode()).hexdigest()[:32]
    return f"<parley.{digest}@{sender_domain()}>"


def site_base(article: Article) -> str:
    domain = article.site.domain
    return f"https://{domain}" if domain else conf.base_url()


def comment_link(comment: Comment) -> str:
    path = reverse("permalink", kwargs={"slug": comment.article.slug, "comment_id": comment.pk})
    return f"{site_base(comment.article)}{path}#c-{comment.pk}"


def unsubscribe_link(*, base: str, user_id: int, article_id: int | None) -> str:
    scope = Scope.DISCUSSION if article_id is not None else Scope.ALL
    token = make_token(scope=scope, user_id=user_id, article_id=article_id)
    path = reverse("notifications:unsubscribe", kwargs={"scope": scope, "token": token})
    return f"{base}{path}"


class ParleyEmail(EmailMultiAlternatives):
    """Headers are written with RFC 5322's hard line limit (998) instead of 78. Python's
    e-mail package folds an over-long unbreakable value, such as the unsubscribe URL, into
    RFC 2047 encoded words, which mail clients do not decode in List-Unsubscribe; on one
    line the header stays a plain <URL>. The bodies are encoded before the switch, so they
    keep their usual quoted-printable lines."""

    def message(self, *, policy=email.policy.default):
        msg = super().message(policy=policy)
        msg.policy = policy.clone(max_line_length=998)
        return msg


@dataclass
class Rendered:
    subject: str
    text: str
    html: str
    headers: dict[str, str]

    def to_message(self, row: OutboxMessage, from_name: str) -> ParleyEmail:
        addr = parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or "parley@localhost"
        local, _at, domain = addr.partition("@")
        sender = str(
            Address(display_name=header_text(from_name, 60), username=local, domain=domain)
        )
        message = ParleyEmail(
            subject=self.subject,
            body=self.text,
            from_email=sender,
            to=[row.recipient.email],
            headers=self.headers,
        )
        message.attach_alternative(self.html, "text/html")
        return message


def _item(row: OutboxMessage) -> dict:
    comment = row.comment
    assert comment is not None
    text = to_plain_text(comment.body_html)
    return {
        "comment": comment,
        "reason": Reason(row.reason or Reason.FOLLOW_UP),
        "author": header_text(comment.shown_name, 60),
        "excerpt": text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1] + "…",
        "link": comment_link(comment),
    }


def _headers(row: OutboxMessage, unsubscribe: str) -> dict[str, str]:
    return {
        "Message-ID": message_id(row),
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
        "X-Parley-Key": row.key,
    }


def render_immediate(row: OutboxMessage) -> Rendered:
    comment = row.comment
    assert comment is not None
    article = comment.article
    item = _item(row)
    base = site_base(article)
    title = header_text(article.title, 100)
    context = {
        "item": item,
        "article": article,
        "site_name": article.site.name,
        "recipient": row.recipient,
        "article_link": f"{base}{article.get_absolute_url()}#discussion",
        "unsubscribe_discussion": unsubscribe_link(
            base=base, user_id=row.recipient_id, article_id=article.pk
        ),
        "unsubscribe_all": unsubscribe_link(base=base, user_id=row.recipient_id, article_id=None),
        "preferences": f"{base}{reverse('notifications:preferences')}",
    }
    verb = {
        Reason.REPLY: "replied to your comment on",
        Reason.MENTION: "mentioned you on",
        Reason.FOLLOW_UP: "commented on",
    }[item["reason"]]
    return Rendered(
        subject=f"{item['author']} {verb} “{title}”",
        text=render_to_string("notifications/email/comment.txt", context),
        html=render_to_string("notifications/email/comment.html", context),
        headers=_headers(row, str(context["unsubscribe_discussion"])),
    )


def render_digest(row: OutboxMessage, items: list[OutboxMessage]) -> Rendered:
    """`items` are the digest's rows still worth telling, oldest first."""
    first = items[0].comment
    assert first is not None
    base = site_base(first.article)
    groups: dict[int, dict] = {}
    for item_row in items:
        assert item_row.comment is not None
        article = item_row.comment.article
        group = groups.setdefault(
            article.pk,
            {
                "article": article,
                "link": f"{site_base(article)}{article.get_absolute_url()}#discussion",
                "unsubscribe": unsubscribe_link(
                    base=site_base(article), user_id=row.recipient_id, article_id=article.pk
                ),
                "items": [],
            },
        )
        group["items"].append(_item(item_row))
    count = len(items)
    context = {
        "groups": list(groups.values()),
        "count": count,
        "recipient": row.recipient,
        "unsubscribe_all": unsubscribe_link(base=base, user_id=row.recipient_id, article_id=None),
        "preferences": f"{base}{reverse('notifications:preferences')}",
    }
    discussions = len(groups)
    subject = (
        f"Your daily digest: {count} new comment{'s' if count != 1 else ''} in "
        f"{discussions} discussion{'s' if discussions != 1 else ''}"
    )
    return Rendered(
        subject=subject,
        text=render_to_string("notifications/email/digest.txt", context),
        html=render_to_string("notifications/email/digest.html", context),
        headers=_headers(row, str(context["unsubscribe_all"])),
    )
