"""Writes of single sign-on: signing in from a verified token, signing out, and keeping a
user's SSO subscription in step with what the publisher says (token or webhook).

`do_*` trust their arguments; verify.py and api.py check them first."""

import hashlib
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from parley.accounts.models import Subscription, User
from parley.articles.models import Site
from parley.sso import sessions
from parley.sso.errors import EventReplayed, Replayed
from parley.sso.models import SsoIdentity, SsoSession, UsedTokenId, WebhookEvent
from parley.sso.verify import Claims

SOURCE = "sso"  # Subscription.source of the rows SSO owns; others are left alone
MAX_SESSION = timedelta(hours=24)


def _username(site: Site, external_id: str) -> str:
    digest = hashlib.sha256(f"{site.pk}:{external_id}".encode()).hexdigest()[:20]
    return f"sso-{site.key[:40]}-{digest}"


def do_identity(
    *, site: Site, external_id: str, name: str = "", email: str = "", now: datetime
) -> SsoIdentity:
    """The identity (and its account) for the publisher's user id, created on first
    sight; a name and an address given update it. Never matched by e-mail."""
    identity = (
        SsoIdentity.objects.select_related("user")
        .filter(site=site, external_id=external_id)
        .first()
    )
    if identity is None:
        user = User(username=_username(site, external_id), display_name=name or "Reader")
        user.set_unusable_password()
        user.email = email
        user.save()
        identity = SsoIdentity.objects.create(
            site=site, external_id=external_id, user=user, email=email, created_at=now
        )
    user = identity.user
    changed = [
        field
        for field, value in (("display_name", name), ("email", email))
        if value and getattr(user, field) != value
    ]
    if changed:
        for field in changed:
            setattr(user, field, name if field == "display_name" else email)
        user.save(update_fields=changed)
    SsoIdentity.objects.filter(pk=identity.pk).update(
        last_seen_at=now, **({"email": email} if email else {})
    )
    return identity


def do_sync_subscription(
    *, user: User, site: Site, subscriber: bool, plan: str, until: datetime | None, now: datetime
) -> None:
    """Makes the user's SSO subscription say what the publisher says. Subscribed: the
    running one is extended (or a new one starts now) until `until` (None: until ended).
    Not subscribed: a running one ends now, so posting stops at the next request; the
    user's comments stay. Subscriptions from other sources are not touched."""
    running = (
        Subscription.objects.current(now)
        .filter(user=user, site=site, source=SOURCE)
        .order_by("-starts_at")
        .first()
    )
    if subscriber and (until is None or until > now):
        if running is None:
            Subscription.objects.create(
                user=user, site=site, plan=plan, starts_at=now, ends_at=until, source=SOURCE
            )
        elif (running.plan, running.ends_at) != (plan, until):
            Subscription.objects.filter(pk=running.pk).update(plan=plan, ends_at=until)
    elif running is not None:
        Subscription.objects.filter(pk=running.pk).update(ends_at=now)


@transaction.atomic
def do_sign_in(
    *, site: Site, claims: Claims, now: datetime | None = None
) -> tuple[str, SsoSession]:
    """Spends the token's jti, brings the account and subscription up to date and opens
    a session until the token's `exp` (at most MAX_SESSION). Returns the session key (to
    give the widget once) and the session. A jti seen before raises Replayed and, as the
    whole sign-in is one transaction, changes nothing."""
    now = now or timezone.now()
    UsedTokenId.objects.filter(expires_at__lt=now - timedelta(days=1)).delete()
    try:
        with transaction.atomic():
            UsedTokenId.objects.create(site=site, jti=claims.jti, expires_at=claims.expires_at)
    except IntegrityError:
        raise Replayed() from None
    identity = do_identity(
        site=site, external_id=claims.external_id, name=claims.name, email=claims.email, now=now
    )
    do_sync_subscription(
        user=identity.user,
        site=site,
        subscriber=claims.subscriber,
        plan=claims.plan,
        until=claims.until,
        now=now,
    )
    key, key_hash = sessions.new_key()
    session = SsoSession.objects.create(
        key_hash=key_hash,
        identity=identity,
        created_at=now,
        expires_at=min(claims.expires_at, now + MAX_SESSION),
    )
    return key, session


def do_sign_out(*, key: str) -> bool:
    """Ends the session with this key; False when there was none running."""
    return bool(
        SsoSession.objects.filter(key_hash=sessions.hash_key(key), revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    )


@transaction.atomic
def do_apply_event(
    *,
    site: Site,
    event_id: str,
    kind: str,
    external_id: str,
    name: str,
    plan: str,
    until: datetime | None,
    now: datetime | None = None,
) -> SsoIdentity:
    """Applies one entitlement event once: started and renewed subscribe until `until`,
    ended ends now. A second delivery of the same event id raises EventReplayed and
    changes nothing."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            WebhookEvent.objects.create(
                site=site, event_id=event_id, kind=kind, external_id=external_id, received_at=now
            )
    except IntegrityError:
        raise EventReplayed() from None
    identity = do_identity(site=site, external_id=external_id, name=name, now=now)
    do_sync_subscription(
        user=identity.user,
        site=site,
        subscriber=kind != "subscription.ended",
        plan=plan,
        until=until,
        now=now,
    )
    return identity
