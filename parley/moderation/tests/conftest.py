"""Moderation fixtures: a second site with its own moderator, an editor, a policy helper,
and a civility scorer the tests control."""

import uuid

import pytest
import redis
from django.urls import reverse

from parley import factories
from parley.accounts.models import SiteRole
from parley.moderation.models import SitePolicy

REDIS = "redis://127.0.0.1:6379/0"


class FixedScorer:
    """Scores text by a marker word, so civility tests do not depend on the model."""

    def score(self, text: str) -> float:
        return 0.99 if "grrr" in text.lower() else 0.01


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fixed_scorer(settings):
    settings.PARLEY_CIVILITY_SCORER = "parley.moderation.tests.conftest.FixedScorer"


@pytest.fixture
def other_site(db):
    return factories.make_site()


@pytest.fixture
def other_moderator(other_site):
    return factories.make_moderator(other_site, "elsewhere")


@pytest.fixture
def editor(site):
    user = factories.make_user("editor")
    SiteRole.objects.create(user=user, site=site, role=SiteRole.Role.EDITOR)
    return user


@pytest.fixture
def policy(site):
    """The site's policy row; tests change fields and save."""
    return SitePolicy.objects.create(site=site)


@pytest.fixture
def shared_redis(settings):
    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    settings.REDIS_URL = REDIS
    settings.PARLEY_RATE_LIMIT_PREFIX = f"parley:rl:test:{uuid.uuid4().hex[:12]}"
    return REDIS


def post(client, article, body, *, parent=None, nudge_ack=None, fragment=True):
    data = {"body": body}
    if parent is not None:
        data["parent"] = parent.pk
    if nudge_ack is not None:
        data["nudge_ack"] = "1" if nudge_ack else ""
    headers = {"X-Parley-Fragment": "1"} if fragment else {}
    return client.post(
        reverse("post_comment", kwargs={"slug": article.slug}), data, headers=headers
    )
