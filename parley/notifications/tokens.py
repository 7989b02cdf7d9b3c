"""Signed unsubscribe links that work without signing in.

A token is `django.core.signing.dumps({"u": user id, "a": article id or null})` with a salt
per scope, so a token made for one discussion is no key to "everything" (and the other way
round), and one made for anything else signed with SECRET_KEY is no unsubscribe token at
all. Tokens carry their signing time and expire after conf.unsubscribe_max_age().
"""

from dataclasses import dataclass
from enum import StrEnum

from django.core import signing

from parley.notifications import conf


class Scope(StrEnum):
    DISCUSSION = "discussion"
    ALL = "all"


SALTS = {
    Scope.DISCUSSION: "parley.notifications.unsubscribe.discussion",
    Scope.ALL: "parley.notifications.unsubscribe.all",
}


class BadToken(Exception):
    """The link was altered, made for another scope, or is not an unsubscribe link."""


class ExpiredToken(BadToken):
    """The link was genuine but is too old."""


@dataclass(frozen=True)
class Unsubscribe:
    scope: Scope
    user_id: int
    article_id: int | None


def make_token(*, scope: Scope, user_id: int, article_id: int | None = None) -> str:
    if (scope == Scope.DISCUSSION) != (article_id is not None):
        raise ValueError("a discussion token names one article; an 'all' token none")
    return signing.dumps({"u": user_id, "a": article_id}, salt=SALTS[scope], compress=False)


def read_token(token: str, scope: str) -> Unsubscribe:
    """Returns what the token allows; raises ExpiredToken or BadToken."""
    try:
        parsed = Scope(scope)
    except ValueError:
        raise BadToken() from None
    try:
        data = signing.loads(token, salt=SALTS[parsed], max_age=conf.unsubscribe_max_age())
    except signing.SignatureExpired:
        raise ExpiredToken() from None
    except signing.BadSignature:
        raise BadToken() from None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        raise BadToken()
    article_id = data.get("a")
    if (parsed == Scope.DISCUSSION) != isinstance(article_id, int):
        raise BadToken()
    return Unsubscribe(scope=parsed, user_id=data["u"], article_id=article_id)
