"""Fixtures for the API tests: a JSON client, tokens, and a small discussion."""

import json
from typing import Any

import pytest
from django.test import Client

from parley import factories
from parley.api import tokens

API = "/api/v1"


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class JsonClient:
    """Django's test client speaking JSON to /api/v1, with optional extra headers."""

    def __init__(self, client: Client, headers: dict[str, str] | None = None) -> None:
        self.client = client
        self.headers = headers or {}

    def call(self, method: str, path: str, body: Any = None, **headers: str):
        extra = {**self.headers, **headers}
        data = json.dumps(body) if body is not None else ""
        return self.client.generic(
            method, API + path, data, content_type="application/json", headers=extra
        )

    def get(self, path: str, **headers: str):
        return self.call("GET", path, **headers)

    def post(self, path: str, body: Any = None, **headers: str):
        return self.call("POST", path, body, **headers)

    def patch(self, path: str, body: Any = None, **headers: str):
        return self.call("PATCH", path, body, **headers)

    def put(self, path: str, body: Any = None, **headers: str):
        return self.call("PUT", path, body, **headers)

    def delete(self, path: str, **headers: str):
        return self.call("DELETE", path, **headers)


@pytest.fixture
def api(client) -> JsonClient:
    return JsonClient(client)


@pytest.fixture
def as_user(db):
    """as_user(user) -> a JsonClient signed in as `user` (None: a guest)."""

    def make(user) -> JsonClient:
        client = Client()
        if user is not None:
            client.force_login(user)
        return JsonClient(client)

    return make


@pytest.fixture
def token_key(site) -> str:
    _token, key = tokens.do_create_token(site=site, name="CMS", created_by=None)
    return key


@pytest.fixture
def as_token(token_key) -> JsonClient:
    return JsonClient(Client(), {"Authorization": f"Bearer {token_key}"})


@pytest.fixture
def discussion(article, author, subscriber):
    """A top-level comment by `author` with one reply by `subscriber`."""
    top = factories.make_comment(article, author, "The **first** comment.")
    reply = factories.make_comment(article, subscriber, "A reply.", parent=top)
    return top, reply
