"""A bounded schemathesis run against the OpenAPI document: generated requests (valid and
invalid) to every operation, as a guest, as signed-in subscribers (session cookie and CSRF
token; one of them wrote the comment the cases point at) and with an API token. Checks:
no 5xx, and every response matches the documented schema for its status.

Bounded and derandomised, so it is quick and repeatable in `make test`; raise
PARLEY_SCHEMATHESIS_EXAMPLES for a deeper run.
"""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.middleware.csrf import CSRF_ALLOWED_CHARS
from django.test import Client
from django.utils.crypto import get_random_string
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import response_schema_conformance

from parley.articles.models import Article
from parley.wsgi import application

EXAMPLES = int(os.environ.get("PARLEY_SCHEMATHESIS_EXAMPLES", "12"))
CHECKS = [not_a_server_error, response_schema_conformance]
CANONICAL = "https://publisher.example/story"


@pytest.fixture
def wsgi_app():
    # The app runs in this thread, on the test's connection and inside its transaction;
    # Django's per-request connection clean-up would close that connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield application
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def session(user) -> dict:
    client = Client()
    client.force_login(user)
    csrf = get_random_string(32, CSRF_ALLOWED_CHARS)
    return {
        "cookies": {"sessionid": client.cookies["sessionid"].value, "csrftoken": csrf},
        "headers": {"X-CSRFToken": csrf},
    }


@pytest.fixture
def credentials(subscriber, author, token_key):
    return {
        "guest": {},
        "subscriber": session(subscriber),
        "author": session(author),  # wrote the comment the cases point at
        "token": {"headers": {"Authorization": f"Bearer {token_key}"}},
    }


def with_real_ids(case, ids: dict[str, int]):
    """Points the case at rows that exist, so generated requests get past 404."""
    for name, value in ids.items():
        if name in (case.path_parameters or {}):
            case.path_parameters[name] = value
    if isinstance(case.query, dict) and "url" in case.query:
        case.query["url"] = CANONICAL
    return case


def fuzz(operation, mode, credentials: dict, real: dict[str, int], seen: list[int]) -> None:
    strategy = st.tuples(
        operation.as_strategy(generation_mode=mode),
        st.booleans(),
        st.sampled_from(sorted(credentials)),
    )

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def run(drawn):
        case, use_real_ids, role = drawn
        if use_real_ids:
            with_real_ids(case, real)
        response = case.call_and_validate(checks=CHECKS, **credentials[role])
        seen.append(response.status_code)

    try:
        run()
    except Unsatisfiable:
        # An operation without parameters or body has no invalid form to generate.
        if mode != schemathesis.GenerationMode.NEGATIVE:
            raise


def test_schemathesis_finds_no_server_errors_or_schema_violations(
    wsgi_app, credentials, article, discussion
):
    top, _reply = discussion
    Article.objects.filter(pk=article.pk).update(canonical_url=CANONICAL)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    real = {"article_id": article.pk, "comment_id": top.pk}
    results = list(schema.get_all_operations())
    assert all(isinstance(r, Ok) for r in results), "the OpenAPI document is invalid"
    operations = [r.ok() for r in results if isinstance(r, Ok)]
    assert len(operations) >= 15
    seen: list[int] = []
    for operation in operations:
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            fuzz(operation, mode, credentials, real, seen)
    # The run got past validation and 404s to real answers, not only refusals.
    assert sum(200 <= status < 300 for status in seen) >= len(operations)
    assert max(seen) < 500
