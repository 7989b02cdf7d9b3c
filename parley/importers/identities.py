"""Imported authors become Parley users that cannot sign in until claimed.

Each source author is keyed by (source, key): a Disqus username, a WordPress user id
(scoped to the blog), a Remark42 or Commento user id, or, for guests, a hash of name and
e-mail. The user gets an unusable password and a username no sign-up can produce
(`imported:…`, with a colon), so it never collides with a real account, and it is never
matched to an existing account by e-mail: claiming (a verified e-mail, later) does that.
"""

import hashlib
import secrets

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import connection
from django.utils import timezone

from parley.accounts.models import User
from parley.importers.bulk import IdAllocator, KeyLookup, RowWriter, chunks, datetime_adapter
from parley.importers.models import ImportedIdentity, ImportRun
from parley.importers.records import Identity
from parley.importers.report import ImportReport
from parley.text import clean_plain_text


class IdentityMapper:
    def __init__(self, source: str, report: ImportReport) -> None:
        self.source = source
        self.report = report
        self.users: dict[str, int] = {}
        # With no identity of this source in Parley yet, every author is either new or
        # one this run made (and `users` keeps those): nothing to look up, batch by batch.
        self.known_before = ImportedIdentity.objects.filter(source=source).exists()
        self._names: dict[str, str] = {}
        self.user_ids = IdAllocator(User)
        self.to_db = datetime_adapter()
        table = connection.ops.quote_name(ImportedIdentity._meta.db_table)
        self.lookup = KeyLookup(
            f"SELECT source_id, user_id FROM {table} "  # noqa: S608
            f"WHERE source = %s AND source_id IN ({{keys}})"
        )
        self.user_rows = RowWriter(
            User, ("id", "username", "password", "display_name", "date_joined")
        )
        self.identity_rows = RowWriter(
            ImportedIdentity, ("source", "source_id", "user", "name", "email", "url", "run")
        )

    def display(self, name: str) -> str:
        """A name cleaned as Parley cleans display names (cached: names repeat)."""
        cleaned = self._names.get(name)
        if cleaned is None:
            if len(self._names) > 100_000:
                self._names.clear()
            if name.isascii() and name.isprintable() and " ".join(name.split()) == name:
                # Printable ASCII, spaces already folded: nothing for the full cleaning
                # (per character Unicode categories) to change but the length.
                cleaned = name[:60]
            else:
                cleaned = clean_plain_text(name, max_length=60)
            self._names[name] = cleaned
        return cleaned

    def user_id(self, identity: Identity | None) -> int | None:
        return self.users.get(identity.key) if identity is not None else None

    def resolve(self, identities: list[Identity], run: ImportRun | None) -> None:
        """Makes sure every identity has a user: known ones are looked up, new ones are
        created in bulk (users, then their identity rows)."""
        wanted: dict[str, Identity] = {}
        for identity in identities:
            if identity.key not in self.users and identity.key not in wanted:
                wanted[identity.key] = identity
        if not wanted:
            return
        for chunk in chunks(list(wanted) if self.known_before else []):
            for key, user_id in self.lookup.fetch(chunk, [self.source], 0):
                self.users[key] = user_id
                self.report.identities_reused += 1
                del wanted[key]
        if not wanted:
            return
        new = list(wanted.values())
        # One random draw for the batch: an unusable password is "!" plus random text
        # (as make_password(None) makes it), without 40 system calls per user.
        noise = secrets.token_hex(20 * len(new))
        now = timezone.now()
        for n, identity in enumerate(new):
            user_id = self.user_ids.take()
            self.user_rows.add(
                (
                    user_id,
                    self._username(identity.key),
                    UNUSABLE_PASSWORD_PREFIX + noise[40 * n : 40 * n + 40],
                    self.display(identity.name) or "Anonymous",
                    self.to_db(now),
                )
            )
            self.identity_rows.add(
                (
                    self.source,
                    identity.key[:300],
                    user_id,
                    identity.name[:200],
                    identity.email[:254],
                    identity.url[:500],
                    run.pk if run else None,
                )
            )
            self.users[identity.key] = user_id
        self.user_rows.flush()
        self.identity_rows.flush()
        self.report.users_created += len(new)

    def _username(self, key: str) -> str:
        digest = hashlib.sha256(f"{self.source}\x00{key}".encode()).hexdigest()[:20]
        return f"imported:{self.source}:{digest}"
