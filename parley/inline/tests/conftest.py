"""Fixtures of the inline tests: an article with a body worth quoting."""

import pytest

from parley import factories
from parley.inline.tests.helpers import BODY


@pytest.fixture
def article(site):
    return factories.make_article(site, body=BODY.strip())


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
