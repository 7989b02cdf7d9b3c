"""Signing in with a username and password: Django's ModelBackend, with the one read every
signed-in request makes (the user, by the id the session holds) written out as SQL
(parley/rawsql.py).

Settings list Django's own ModelBackend after this one: sessions signed in before this
backend existed name it, and Django only loads a session's user through the backend the
session names. A wrong password ends at this backend, so it is checked once, not twice.
"""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from parley import rawsql
from parley.accounts.models import User

PATH = "parley.accounts.backends.AccountBackend"


class AccountBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        user = rawsql.get_related(User, (), "t0.id = %s", [user_id])
        return user if user is not None and self.user_can_authenticate(user) else None

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None and password is not None:
            raise PermissionDenied  # Django's authenticate() tries no further backend
        return user
