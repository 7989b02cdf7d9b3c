"""One place that turns a ParleyError into a response, for pages and script requests."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from parley.errors import ParleyError


def wants_fragment(request: HttpRequest) -> bool:
    """Progressive enhancement: parley.js asks for fragments with this header."""
    return request.headers.get("X-Parley-Fragment") == "1"


def error_response(
    request: HttpRequest, error: ParleyError, *, back_url: str = "/", body: str = ""
) -> HttpResponse:
    if wants_fragment(request) or request.path.startswith("/api/"):
        return JsonResponse(error.as_dict(), status=error.status)
    # back_url may come from the request: only a link on this host is offered.
    if not url_has_allowed_host_and_scheme(back_url, allowed_hosts={request.get_host()}):
        back_url = "/"
    return render(
        request,
        "discussion/error.html",
        {"error": error, "back_url": back_url, "body": body},
        status=error.status,
    )
