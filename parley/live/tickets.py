"""Stream tickets: who reads a live stream, for browsers that cannot say it in a header.

The embed's frame signs its reader in with a bearer key (an SSO session, docs/embed.md),
but EventSource sends no headers and the frame gets no cookies. So the frame asks for a
ticket with its key (`GET /live/articles/<id>/ticket`) and opens the stream with
`?ticket=`. A ticket is signed (django.core.signing, its own salt) and names the reader,
the site, the article and the SSO session it was issued under; it is valid for an hour
or until that session ends, whichever comes first, so EventSource's own reconnects keep
working for a while, and the frame fetches a fresh one when a stream is refused.

A ticket says who the reader is, nothing more: the live views load the user and apply
the same entitlement and permission filter as for a cookie. A ticket that does not
verify, has expired, names another article or site, or whose user or session has ended
is refused (403 `ticket_invalid` / `ticket_expired`), never read as a guest.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core import signing
from django.utils import timezone

from parley.accounts.models import User
from parley.articles.models import Article
from parley.errors import Forbidden
from parley.sso.models import SsoSession

SALT = "parley.live.ticket"
LIFETIME = timedelta(hours=1)


class TicketRefused(Forbidden):
    code = "ticket_invalid"
    message = "This stream ticket is not valid; ask for a new one."


class TicketExpired(TicketRefused):
    code = "ticket_expired"
    message = "This stream ticket has expired; ask for a new one."


@dataclass(frozen=True)
class TicketReader:
    user: User
    site_id: int


def issue_ticket(
    *, user: User, article: Article, session: SsoSession | None = None
) -> tuple[str, datetime]:
    """A ticket for `user` to read `article`'s stream, and when it expires."""
    expires = timezone.now() + LIFETIME
    if session is not None:
        expires = min(expires, session.expires_at)
    payload = {
        "u": user.pk,
        "s": article.site_id,
        "k": article.site.key,
        "a": article.pk,
        "v": session.pk if session is not None else None,
        "x": int(expires.timestamp()),
    }
    return signing.dumps(payload, salt=SALT, compress=True), expires


def read_ticket(value: str, *, article_id: int, site_key: str | None = None) -> TicketReader:
    """The reader a ticket names, for `article_id` (and the site named by `site_key`, if
    the request names one). Raises TicketRefused or TicketExpired. Two queries at most."""
    try:
        data = signing.loads(value[:1000], salt=SALT, max_age=LIFETIME + timedelta(seconds=5))
    except signing.SignatureExpired:
        raise TicketExpired() from None
    except signing.BadSignature:
        raise TicketRefused() from None
    if not isinstance(data, dict) or not {"u", "s", "k", "a", "v", "x"} <= data.keys():
        raise TicketRefused()
    if data["x"] <= timezone.now().timestamp():
        raise TicketExpired()
    if data["a"] != article_id or (site_key and site_key != data["k"]):
        raise TicketRefused("This stream ticket is for another discussion.")
    user = User.objects.filter(pk=data["u"], is_active=True).first()
    if user is None:
        raise TicketRefused()
    if data["v"] is not None:
        running = SsoSession.objects.filter(
            pk=data["v"],
            identity__user=user,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        ).exists()
        if not running:
            raise TicketExpired("The sign-in this ticket was issued under has ended.")
    return TicketReader(user=user, site_id=data["s"])
