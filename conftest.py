"""Fixtures shared by the whole suite: one site and article, and a user for every role."""

import os
import uuid

import pytest

from parley import factories


@pytest.fixture(autouse=True)
def fresh_page_cache(settings):
    """A cache of this process's own for each test (parley.cache keeps guests' pages in
    it): a flushed database reuses slugs without the signals that would retire the old
    pages, and a test must never write to a Redis that REDIS_URL names. The same for the
    pages the ASGI front keeps in memory (parley/cache/front.py)."""
    from parley.cache import front, local

    local.clear()  # sites kept in the process: a rolled-back test sends no signal
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"test-{uuid.uuid4().hex}",
        }
    }
    front.reset()
    yield
    front.reset()


@pytest.fixture
def site(db):
    return factories.make_site()


@pytest.fixture
def article(site):
    return factories.make_article(site)


@pytest.fixture
def subscriber(site):
    return factories.make_subscriber(site, "subscriber")


@pytest.fixture
def reader(db):
    return factories.make_user("reader")


@pytest.fixture
def lapsed(site):
    return factories.make_lapsed(site, "lapsed")


@pytest.fixture
def moderator(site):
    return factories.make_moderator(site, "moderator")


@pytest.fixture
def author(site):
    """A subscriber who wrote the comment under test."""
    return factories.make_subscriber(site, "author")


def pytest_collection_modifyitems(config, items):
    on_postgres = os.environ.get("DATABASE_URL", "").startswith("postgres")
    skip = pytest.mark.skip(reason="needs PostgreSQL (DATABASE_URL=postgres://…)")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "headless": True,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """On SQLite, the test database is a file rather than Django's shared in-memory one:
    the browser tests' live server answers in several threads at once, and an in-memory
    database would be one connection shared by all of them (SQLite refuses concurrent use
    of one connection: "bad parameter or other API misuse"). With a file each thread has
    its own connection, as in production."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        name = tmp_path_factory.mktemp("database") / "test.sqlite3"
        database.setdefault("TEST", {})["NAME"] = str(name)
