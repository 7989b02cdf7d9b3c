"""Signing in (parley/accounts/backends.py): Django's rules for passwords and inactive
accounts, one check of a wrong password, and sessions from before the backend."""

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, SESSION_KEY, authenticate
from django.contrib.auth.hashers import check_password
from django.contrib.sessions.backends.db import SessionStore

from parley import factories
from parley.accounts.backends import AccountBackend

pytestmark = pytest.mark.django_db


def signed_in_as(client) -> str | None:
    response = client.get("/accounts/")
    return response.context["user"].username if response.status_code == 200 else None


def test_the_sign_in_form_signs_in_with_the_right_password_only(client):
    factories.make_user("sam")
    wrong = client.post("/accounts/login/", {"username": "sam", "password": "nope"})
    assert wrong.status_code == 200 and "correct username and password" in wrong.text
    assert signed_in_as(client) is None
    right = client.post("/accounts/login/", {"username": "sam", "password": "pw-for-tests"})
    assert right.status_code == 302
    assert client.session[BACKEND_SESSION_KEY] == "parley.accounts.backends.AccountBackend"
    assert signed_in_as(client) == "sam"


def test_a_wrong_password_is_checked_once(monkeypatch):
    factories.make_user("sam")
    checks = []

    def counting(password, encoded, *args, **kwargs):
        checks.append(password)
        return check_password(password, encoded, *args, **kwargs)

    monkeypatch.setattr("django.contrib.auth.base_user.check_password", counting)
    assert authenticate(username="sam", password="nope") is None
    assert checks == ["nope"]
    assert authenticate(username="sam", password="pw-for-tests") is not None


def test_an_inactive_account_is_nobody():
    user = factories.make_user("sam")
    assert AccountBackend().get_user(user.pk) == user
    user.is_active = False
    user.save()
    assert AccountBackend().get_user(user.pk) is None
    assert AccountBackend().get_user(user.pk + 1000) is None


def test_a_session_from_before_this_backend_still_signs_in(client):
    user = factories.make_user("sam")
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store["_auth_user_hash"] = user.get_session_auth_hash()
    store.save()
    client.cookies["sessionid"] = store.session_key
    assert signed_in_as(client) == "sam"
