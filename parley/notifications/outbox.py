"""The outbox worker: claim due rows, send each, mark each sent.

One round (`run_once`): fold due digest items into one digest row per recipient, claim a
batch of due rows under a lease, then for each row check again that it is still owed, send
it, and mark it sent in its own statement. A worker killed at any point leaves claimed rows
to their lease; the next worker takes them after it runs out. Only a kill between the SMTP
server's "250 OK" and the mark can send a row twice, and then with the same Message-ID.
docs/notifications.md has the whole argument.
"""

import logging
import os
import random
import signal
import smtplib
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from time import monotonic

from django.core.mail import mailers
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from parley.discussion.models import CommentStatus
from parley.notifications import conf, emails
from parley.notifications.fanout import next_digest_at, prefs_of
from parley.notifications.models import (
    EmailMode,
    Mute,
    OutboxKind,
    OutboxMessage,
    OutboxStatus,
)
from parley.notifications.recipients import recipients_among

log = logging.getLogger("parley.notifications.worker")

SENDABLE = (OutboxKind.IMMEDIATE, OutboxKind.DIGEST)


@dataclass
class Config:
    batch_size: int = 50
    lease_seconds: int = 300
    max_attempts: int = 10
    backoff_base: float = 30.0  # per message: base * 2**(attempts-1), capped
    backoff_cap: float = 3600.0
    crash_after_send: int | None = None  # fault injection for tests: SIGKILL after N sends
    worker_id: str = field(default_factory=lambda: f"{os.getpid()}-{uuid.uuid4().hex[:8]}")


@dataclass
class Round:
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    cancelled: int = 0
    retried: int = 0
    digests: int = 0
    server_trouble: bool = False


_sends_this_process = 0


def backoff(config: Config, attempts: int) -> timedelta:
    seconds = min(config.backoff_cap, config.backoff_base * 2 ** max(0, attempts - 1))
    return timedelta(seconds=seconds * random.uniform(0.8, 1.2))


def build_digests(now: datetime) -> int:
    """Folds every due digest item into one digest row per recipient (in one transaction:
    an item is in exactly one digest). The digest's key names its first item, so it is
    unique without coordination."""
    with transaction.atomic():
        items = list(
            _lock(OutboxMessage.objects.filter(kind=OutboxKind.DIGEST_ITEM))
            .filter(status=OutboxStatus.PENDING, due_at__lte=now)
            .order_by("recipient_id", "id")[:2000]
        )
        by_recipient: dict[int, list[OutboxMessage]] = {}
        for item in items:
            by_recipient.setdefault(item.recipient_id, []).append(item)
        for recipient_id, rows in by_recipient.items():
            digest = OutboxMessage.objects.create(
                recipient_id=recipient_id,
                key=f"digest:{rows[0].pk}",
                kind=OutboxKind.DIGEST,
                due_at=now,
                created_at=now,
            )
            OutboxMessage.objects.filter(pk__in=[r.pk for r in rows]).update(
                digest=digest, status=OutboxStatus.FOLDED
            )
    return len(by_recipient)


def _lock(rows):
    """FOR UPDATE SKIP LOCKED on PostgreSQL. SQLite has no row locks, and needs none:
    Parley opens its transactions IMMEDIATE there, so claims are serialised whole."""
    if connection.features.has_select_for_update_skip_locked:
        return rows.select_for_update(skip_locked=True)
    return rows


def claim(config: Config, now: datetime) -> list[int]:
    lease_until = now + timedelta(seconds=config.lease_seconds)
    with transaction.atomic():
        ids = list(
            _lock(OutboxMessage.objects.filter(status=OutboxStatus.PENDING, kind__in=SENDABLE))
            .filter(due_at__lte=now)
            .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
            .order_by("due_at", "id")
            .values_list("pk", flat=True)[: config.batch_size]
        )
        if ids:
            # Counting attempts at claim time makes a row that kills every worker that
            # tries it fail for good after max_attempts instead of looping for ever.
            OutboxMessage.objects.filter(pk__in=ids).update(
                claimed_by=config.worker_id, lease_until=lease_until, attempts=F("attempts") + 1
            )
    return ids


def _mine(config: Config, pk: int):
    return OutboxMessage.objects.filter(
        pk=pk, claimed_by=config.worker_id, status=OutboxStatus.PENDING
    )


def _finish(config: Config, row: OutboxMessage, status: str, error: str = "") -> None:
    _mine(config, row.pk).update(status=status, lease_until=None, last_error=error[:300])


def _retry(config: Config, row: OutboxMessage, now: datetime, error: str) -> None:
    if row.attempts >= config.max_attempts:
        _finish(config, row, OutboxStatus.FAILED, error)
        return
    _mine(config, row.pk).update(
        due_at=now + backoff(config, row.attempts), lease_until=None, last_error=error[:300]
    )


def renew(config: Config, ids: list[int]) -> list[int]:
    """Extends the lease on the rows still claimed by this worker; returns their ids. A row
    whose lease already ran out is left alone: another worker may have it now."""
    now = timezone.now()
    lease_until = now + timedelta(seconds=config.lease_seconds)
    mine = OutboxMessage.objects.filter(
        pk__in=ids, claimed_by=config.worker_id, status=OutboxStatus.PENDING
    )
    with transaction.atomic():
        mine.filter(lease_until__gt=now).update(lease_until=lease_until)
        kept = set(mine.filter(lease_until=lease_until).values_list("pk", flat=True))
    return [pk for pk in ids if pk in kept]


def release(config: Config, ids: list[int]) -> None:
    """Gives back claimed rows this worker will not try (they were not attempted)."""
    OutboxMessage.objects.filter(
        pk__in=ids, claimed_by=config.worker_id, status=OutboxStatus.PENDING
    ).update(lease_until=None, attempts=F("attempts") - 1)


def _entitled_pairs(rows: list[OutboxMessage]) -> set[tuple[int, int]]:
    """(recipient, site) pairs among the immediate rows whose recipient may still read that
    site: one query per site in the batch."""
    by_site: dict[int, set[int]] = {}
    for row in rows:
        if row.kind == OutboxKind.IMMEDIATE and row.article is not None:
            by_site.setdefault(row.article.site_id, set()).add(row.recipient_id)
    return {
        (user_id, site_id)
        for site_id, user_ids in by_site.items()
        for user_id in recipients_among(user_ids, site_id).values_list("pk", flat=True)
    }


def _still_owed(
    row: OutboxMessage, now: datetime, entitled: set[tuple[int, int]]
) -> tuple[str, list[OutboxMessage]]:
    """ "send" with what to tell, or the status to give the row instead. Everything that can
    change after the comment was posted is asked again here: the account, the
    subscription, the preferences, the comment's status."""
    user = row.recipient
    if not user.is_active or not user.email:
        return OutboxStatus.CANCELLED, []
    prefs = prefs_of(user)
    if prefs.email_mode == EmailMode.OFF:
        return OutboxStatus.CANCELLED, []
    if row.kind == OutboxKind.IMMEDIATE:
        assert row.comment is not None and row.article is not None
        if prefs.email_mode == EmailMode.DIGEST:
            OutboxMessage.objects.filter(pk=row.pk).update(
                kind=OutboxKind.DIGEST_ITEM, due_at=next_digest_at(now), lease_until=None
            )
            return "moved", []
        if row.comment.status != CommentStatus.VISIBLE:
            return OutboxStatus.CANCELLED, []
        if (user.pk, row.article.site_id) not in entitled:
            return OutboxStatus.CANCELLED, []
        return "send", [row]
    items = list(
        row.items.select_related("comment__author", "comment__article__site", "article__site")
        .filter(comment__status=CommentStatus.VISIBLE)
        .order_by("id")
    )
    muted = set(Mute.objects.filter(user=user).values_list("article_id", flat=True))
    items = [
        item
        for item in items
        if item.article_id not in muted
        and item.article is not None
        and recipients_among([user.pk], item.article.site_id).exists()
    ]
    return ("send", items) if items else (OutboxStatus.CANCELLED, [])


def send_batch(config: Config, ids: list[int], now: datetime | None = None) -> Round:
    """Sends the claimed rows one by one, marking each as soon as the server took it.
    `now` fixes the clock for tests; by default each row reads the time."""
    fixed_now = now
    result = Round(claimed=len(ids))
    rows = {
        row.pk: row
        for row in OutboxMessage.objects.filter(
            pk__in=ids, claimed_by=config.worker_id, status=OutboxStatus.PENDING
        ).select_related(
            "recipient__notification_prefs",
            "comment__author",
            "comment__article__site",
            "article__site",
        )
    }
    entitled = _entitled_pairs(list(rows.values()))
    mailer = mailers[conf.mailer_alias()]
    remaining = [pk for pk in ids if pk in rows]
    renew_at = monotonic() + config.lease_seconds / 2
    try:
        while remaining:
            if _stopping:
                break
            if monotonic() >= renew_at:
                remaining = renew(config, remaining)
                renew_at = monotonic() + config.lease_seconds / 2
                if not remaining:
                    break
            pk = remaining.pop(0)
            row = rows[pk]
            now = fixed_now or timezone.now()
            verdict, items = _still_owed(row, now, entitled)
            if verdict != "send":
                if verdict != "moved":
                    _finish(config, row, verdict, "no longer owed")
                    result.cancelled += 1
                continue
            rendered = (
                emails.render_immediate(row)
                if row.kind == OutboxKind.IMMEDIATE
                else emails.render_digest(row, items)
            )
            site_name = (items[0].article.site.name if items[0].article else "") or "Parley"
            try:
                mailer.open()  # once per batch: later sends reuse the connection
                mailer.send_messages([rendered.to_message(row, site_name)])
            except smtplib.SMTPRecipientsRefused as error:
                codes = [code for code, _msg in error.recipients.values()]
                if codes and all(code >= 500 for code in codes):
                    _finish(config, row, OutboxStatus.FAILED, f"refused: {codes}")
                    result.failed += 1
                else:
                    _retry(config, row, now, f"refused: {codes}")
                    result.retried += 1
                continue
            except (smtplib.SMTPException, OSError) as error:
                # The server is down, slow or refusing: retry this row later and give
                # back the rest of the batch untried.
                log.warning("mail server trouble on outbox row %s: %r", row.pk, error)
                _retry(config, row, now, f"{type(error).__name__}: {error}")
                result.retried += 1
                result.server_trouble = True
                break
            except ValueError as error:  # an address Django refuses: not worth retrying
                _finish(config, row, OutboxStatus.FAILED, str(error))
                result.failed += 1
                continue
            _after_send_hook(config)
            marked = _mine(config, row.pk).update(
                status=OutboxStatus.SENT,
                sent_at=timezone.now(),
                lease_until=None,
                last_error="",
                message_id=rendered.headers["Message-ID"],
                subject=rendered.subject[:300],
                body_text=rendered.text,
                body_html=rendered.html,
            )
            if not marked:
                log.warning("outbox row %s was sent after its claim ran out", row.pk)
            result.sent += 1
    finally:
        if remaining:
            release(config, remaining)
        try:
            mailer.close()
        except (smtplib.SMTPException, OSError):
            log.warning("closing the mail connection failed", exc_info=True)
    return result


def _after_send_hook(config: Config) -> None:
    global _sends_this_process
    _sends_this_process += 1
    if config.crash_after_send is not None and _sends_this_process >= config.crash_after_send:
        os.kill(os.getpid(), signal.SIGKILL)  # the server has the message; the mark is lost


def run_once(config: Config, now: datetime | None = None) -> Round:
    at = now or timezone.now()
    digests = build_digests(at)
    ids = claim(config, at)
    result = send_batch(config, ids, now) if ids else Round()
    result.digests = digests
    return result


_stopping = False


def request_stop(*_args: object) -> None:
    """Signal handler: finish the message being sent, give back the rest, stop."""
    global _stopping
    _stopping = True


def stopping() -> bool:
    return _stopping


def anything_due(now: datetime | None = None) -> bool:
    """Whether a round now could send something (due rows, leased ones included)."""
    now = now or timezone.now()
    return (
        OutboxMessage.objects.filter(status=OutboxStatus.PENDING, due_at__lte=now)
        .filter(kind__in=(*SENDABLE, OutboxKind.DIGEST_ITEM))
        .exists()
    )
