"""Two middlewares of the embed (docs/embed.md).

CorsMiddleware: the API (/api/v1/) answers browsers on a site's allowed origins only: the
count widget on a publisher's article list reads counts across origins. No credentials
(cookies) are ever allowed across origins; bearer keys are, as they are sent on purpose.

EmbedRequestMiddleware: requests from the widget's frame (header `X-Parley-Embed: 1`).
The frame runs on Parley's origin inside a page of another site, where browsers withhold
Parley's cookies; so it names its site (`X-Parley-Site`) and its reader's SSO session
(`Authorization: Bearer pss_…`) in headers. Such requests need no CSRF token: a page of
another origin cannot send custom headers to Parley's pages (CORS never allows it there),
which is the defence the token gives.
"""

from collections.abc import Callable

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import patch_vary_headers

from parley.embed.models import EmbedSite
from parley.embed.origins import normalise_origin
from parley.sso.sessions import active_session, looks_like_key

API_PREFIX = "/api/v1/"
ALLOW_METHODS = "GET, POST, PUT, PATCH, DELETE"
ALLOW_HEADERS = "Authorization, Content-Type"
PREFLIGHT_MAX_AGE = "600"


def allowed_origin(request: HttpRequest, origin: str) -> bool:
    """Allowed by the site the request names (`?site=`), else by any site."""
    key = request.GET.get("site", "")[:50]
    embeds = EmbedSite.objects.all()
    if key:
        embeds = embeds.filter(site__key=key)
    return any(origin in embed.origins for embed in embeds.only("allowed_origins"))


class CorsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        origin = request.headers.get("Origin")
        if not origin or not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        own = f"{request.scheme}://{request.get_host()}"
        normalised = normalise_origin(origin)
        if normalised is None or normalised == normalise_origin(own):
            return self.get_response(request)
        allowed = allowed_origin(request, normalised)
        preflight = (
            request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers
        )
        if preflight:
            response: HttpResponseBase = HttpResponse(status=204 if allowed else 403)
        else:
            response = self.get_response(request)
        patch_vary_headers(response, ("Origin",))
        if allowed:
            response["Access-Control-Allow-Origin"] = origin
            if preflight:
                response["Access-Control-Allow-Methods"] = ALLOW_METHODS
                response["Access-Control-Allow-Headers"] = ALLOW_HEADERS
                response["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
        return response


EMBED_HEADER = "X-Parley-Embed"
SESSION_HEADER = "X-Parley-Session"


def is_embed_request(request: HttpRequest) -> bool:
    return request.headers.get(EMBED_HEADER) == "1"


class EmbedRequestMiddleware:
    """After AuthenticationMiddleware: the SSO session's user replaces the cookie's."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not is_embed_request(request) or request.path.startswith(API_PREFIX):
            return self.get_response(request)
        request._dont_enforce_csrf_checks = True  # type: ignore[attr-defined]
        key = request.headers.get("X-Parley-Site", "")[:50]
        request.parley_site_key = key  # type: ignore[attr-defined]  # see articles.sites
        expired = False
        bearer = request.headers.get("Authorization", "")
        if bearer.lower().startswith("bearer "):
            value = bearer[7:].strip()
            session = active_session(value) if looks_like_key(value) else None
            if session is not None and session.identity.user.is_active:
                request.user = session.identity.user
                # Stream tickets end with the session they were issued under (live/tickets.py).
                request.parley_sso_session = session  # type: ignore[attr-defined]
            else:
                request.user = AnonymousUser()
                expired = True
        response = self.get_response(request)
        if expired:
            response[SESSION_HEADER] = "expired"  # the frame asks the host for a new token
        patch_vary_headers(response, ("Authorization", EMBED_HEADER))
        return response
