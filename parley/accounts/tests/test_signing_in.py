"""Signing in and staying signed in: the sign-in backend (parley/accounts/backends.py),
with Django's rules for passwords and inactive accounts, one check of a wrong password and
sessions from before the backend; and the session store (parley/accounts/sessions.py),
with sign-out and expiry, through HTTP."""

from datetime import timedelta

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, SESSION_KEY, authenticate
from django.contrib.auth.hashers import check_password
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

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


def test_a_session_signs_its_user_in_until_it_expires(client):
    factories.make_user("sam")
    assert client.login(username="sam", password="pw-for-tests")
    assert signed_in_as(client) == "sam"
    key = client.cookies["sessionid"].value
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    assert signed_in_as(client) is None
    assert Session.objects.filter(session_key=key).exists()  # left for clearsessions


def test_signing_out_ends_the_session_and_a_made_up_key_is_nobody(client):
    factories.make_user("sam")
    assert client.login(username="sam", password="pw-for-tests")
    key = client.cookies["sessionid"].value
    client.post("/accounts/logout/")
    assert not Session.objects.filter(session_key=key).exists()
    client.cookies["sessionid"] = key
    assert signed_in_as(client) is None
    client.cookies["sessionid"] = "x" * 32
    assert signed_in_as(client) is None
    assert not Session.objects.filter(session_key="x" * 32).exists()
