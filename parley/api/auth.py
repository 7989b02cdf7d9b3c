"""Who is calling: a guest, a signed-in reader (session cookie + CSRF) or a server (API
token). Every operation gets a `Principal` in `request.auth`; reading stays open, so a
request with no credentials is a guest, never a 401.

Order of the checks, and why:
1. `Authorization: Bearer …` wins when present. A browser never sends it across origins
   by itself, so it needs no CSRF token. A bearer value nobody recognises is refused
   (401 `bad_token`) rather than read as a guest, so a misconfigured server notices.
   Other bearer credentials (the SSO sessions of the embed) plug into BEARER_RESOLVERS.
2. The Django session cookie, when it carries a signed-in user. Unsafe methods need the
   CSRF token (`X-CSRFToken` header, from GET /csrf or the `csrftoken` cookie). A cookie
   without a signed-in user carries no authority, so guests are not asked for one.
3. Otherwise a guest.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from parley.accounts.models import User
from parley.api import tokens
from parley.api.models import ApiToken
from parley.api.schemas import Via
from parley.articles.models import Site
from parley.articles.sites import current_site
from parley.errors import NotFound, ParleyError


class BadToken(ParleyError):
    code = "bad_token"
    status = 401
    message = "This bearer token is not valid (unknown, revoked or malformed)."


class CsrfFailed(ParleyError):
    code = "csrf_failed"
    status = 403
    message = (
        "This request needs the CSRF token: send it in the X-CSRFToken header "
        "(GET /api/v1/csrf gives one)."
    )


class ReadOnlyToken(ParleyError):
    code = "read_only_token"
    status = 403
    message = (
        "API tokens read discussions and counts; they cannot post, edit, delete or vote "
        "as a reader. Those need the reader's own session."
    )


@dataclass(frozen=True)
class Principal:
    """The caller of one request. `site` is set when the credential is bound to one site
    (an API token): such a caller sees that site only, and everything else is a 404."""

    via: Via
    user: User | None = None
    site: Site | None = None
    token: ApiToken | None = None

    @property
    def scope_site_id(self) -> int | None:
        return self.site.pk if self.site is not None else None


GUEST = Principal(via="guest")

BearerResolver = Callable[[HttpRequest, str], Principal | None]


def resolve_api_token(request: HttpRequest, key: str) -> Principal | None:
    if not tokens.looks_like_key(key):
        return None
    token = tokens.active_token(key)
    if token is None:
        raise BadToken()
    tokens.do_touch_token(token)
    return Principal(via="token", site=token.site, token=token)


# Tried in order; the first to return a Principal wins. SSO adds its resolver here.
BEARER_RESOLVERS: list[BearerResolver] = [resolve_api_token]


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Principal:
        for resolve in BEARER_RESOLVERS:
            found = resolve(request, token.strip())
            if found is not None:
                return found
        raise BadToken()


class SessionCookie(APIKeyCookie):
    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def _get_key(self, request: HttpRequest) -> str | None:
        if not request.user.is_authenticated:
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise CsrfFailed()
        return request.COOKIES.get(self.param_name, "")

    def authenticate(self, request: HttpRequest, key: str | None) -> Principal | None:
        if key is None:
            return None
        return Principal(via="session", user=cast(User, request.user))


def guest(request: HttpRequest) -> Principal:
    return GUEST


AUTH: list[Any] = [BearerToken(), SessionCookie(), guest]


def principal(request: HttpRequest) -> Principal:
    return cast(Principal, getattr(request, "auth", None) or GUEST)


def viewer(request: HttpRequest) -> User | None:
    """The reader on whose behalf a read is made (None for guests and tokens)."""
    return principal(request).user


def acting_user(request: HttpRequest) -> User | None:
    """The user a write acts for; tokens may not write. Guests get None, which the
    access checks refuse with `not_signed_in`."""
    caller = principal(request)
    if caller.token is not None:
        raise ReadOnlyToken()
    return caller.user


def require_in_scope(request: HttpRequest, site_id: int) -> None:
    """A site-bound caller sees its own site only: anything else is 'not found'."""
    scope = principal(request).scope_site_id
    if scope is not None and scope != site_id:
        raise NotFound()


def site_for(request: HttpRequest, key: str | None) -> Site:
    """The site a request asks about: the token's site, else `?site=<key>`, else the site
    serving this host (as the pages do)."""
    bound = principal(request).site
    if bound is not None:
        if key and key != bound.key:
            raise NotFound("No such site.")
        return bound
    if key:
        try:
            return Site.objects.get(key=key)
        except Site.DoesNotExist:
            raise NotFound("No such site.") from None
    return current_site(request)
