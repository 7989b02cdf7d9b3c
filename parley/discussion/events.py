"""What happened in a discussion, announced after the transaction commits.

Actions call `announce(...)`; live updates, notifications and caches connect receivers
to these signals in their AppConfig.ready(). A rolled-back write announces nothing.
"""

from typing import Any

from django.db import transaction
from django.dispatch import Signal

# Receivers get `comment` (a Comment) and `kind` as keyword arguments; `comment_posted`
# also gives `comment_count`, the article's count with the comment (None when held).
comment_posted = Signal()
comment_changed = Signal()  # kind: "edited", "deleted", "removed", "approved", …
vote_changed = Signal()


def announce(signal: Signal, **payload: Any) -> None:
    transaction.on_commit(lambda: signal.send(sender=signal, **payload), robust=True)
