"""Django's database sessions, with the one read every signed-in request makes written out
as SQL (parley/rawsql.py). Rows, cookies and everything else are Django's: switching
SESSION_ENGINE between this and django.contrib.sessions.backends.db signs nobody out."""

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from parley import rawsql


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self) -> Session | None:
        found = rawsql.get_related(
            Session,
            (),
            "t0.session_key = %s AND t0.expire_date > %s",
            [self.session_key, rawsql.when(timezone.now())],
        )
        if found is None:
            self._session_key = None  # as Django's: a key that leads nowhere is dropped
        return found
