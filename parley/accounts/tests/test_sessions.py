"""Sessions (parley/accounts/sessions.py): signing in, out and expiry, through HTTP."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from parley import factories

pytestmark = pytest.mark.django_db


def signed_in_as(client) -> str | None:
    response = client.get("/accounts/")
    return response.context["user"].username if response.status_code == 200 else None


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
