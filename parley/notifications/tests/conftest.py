"""Fixtures for the notification tests: people with e-mail addresses, a real SMTP sink,
and a worker that drains the outbox in this process."""

from datetime import datetime

import pytest

from parley import factories
from parley.accounts.models import User
from parley.articles.models import Site
from parley.notifications import outbox
from parley.notifications.models import EmailMode, NotifyChoice, Preferences
from parley.notifications.tests.sink import SMTPSink


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def person(
    site: Site,
    username: str,
    *,
    email_mode: str = EmailMode.IMMEDIATE,
    in_page: bool = True,
    default_notify: str = NotifyChoice.NONE,
    **fields,
) -> User:
    """A subscriber with an address and the given notification preferences."""
    fields.setdefault("email", f"{username}@example.org")
    user = factories.make_subscriber(site, username, **fields)
    Preferences.objects.create(
        user=user, email_mode=email_mode, in_page=in_page, default_notify=default_notify
    )
    return user


@pytest.fixture
def smtp_sink():
    sink = SMTPSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def mail_to_sink(settings, smtp_sink):
    settings.MAILERS = smtp_sink.mailer_settings()
    return smtp_sink


def drain(config: outbox.Config | None = None, now: datetime | None = None, rounds: int = 20):
    """Runs worker rounds until one claims nothing; returns the rounds' results."""
    config = config or outbox.Config(backoff_base=0.0)
    results = []
    for _ in range(rounds):
        result = outbox.run_once(config, now=now)
        results.append(result)
        if not result.claimed and not result.digests:
            break
    return results
