"""The embed's endpoints: the loader script publishers include (/embed.js) and the frame
it shows (/embed/), which renders the native discussion templates with parley.js."""

from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET

from parley.accounts.entitlements import entitlement_on
from parley.discussion.responses import wants_fragment
from parley.discussion.views import discussion_context
from parley.embed import access
from parley.embed.models import EmbedSite
from parley.embed.origins import normalise_origin
from parley.errors import ParleyError

LOADER = Path(__file__).resolve().parent / "static" / "parley" / "embed.js"
# Locating and wrapping passages, shared with inline.js on Parley's own article page.
PASSAGES = Path(__file__).resolve().parents[1] / "inline" / "static" / "parley" / "passages.js"


def _read_loader() -> bytes:
    return PASSAGES.read_bytes() + b"\n" + LOADER.read_bytes()


@lru_cache(maxsize=1)
def _loader_source() -> bytes:
    return _read_loader()


@require_GET
def embed_js(request: HttpRequest) -> HttpResponse:
    """The loader script, at a stable address outside /static/ (publishers paste it),
    with the passage functions it shares with inline.js before it."""
    source = _read_loader() if settings.DEBUG else _loader_source()
    response = HttpResponse(source, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    return response


def frame_ancestors(embed: EmbedSite | None) -> str:
    origins = " ".join(embed.origins) if embed is not None else ""
    return f"frame-ancestors {origins or chr(39) + 'none' + chr(39)}"


def _refusal(request: HttpRequest, error: ParleyError, embed: EmbedSite | None) -> HttpResponse:
    if wants_fragment(request):
        response: HttpResponse = JsonResponse(error.as_dict(), status=error.status)
    else:
        response = render(request, "embed/refused.html", {"error": error}, status=error.status)
    response["Content-Security-Policy"] = frame_ancestors(embed)
    return response


@require_GET
@xframe_options_exempt  # framing is governed by the CSP frame-ancestors below instead
def embed_page(request: HttpRequest) -> HttpResponse:
    """`/embed/?site=<key>&url=<canonical URL>&title=<title>&origin=<host page origin>`:
    the whole discussion of the host page's article, to be framed by the host page. With
    `X-Parley-Fragment: 1`, the discussion section alone (the frame re-renders it when its
    reader signs in or out)."""
    embed = None
    try:
        embed = access.access_embed_site(key=request.GET.get("site"))
        origin = request.GET.get("origin")
        url = access.check_host_page(embed=embed, origin=origin, url=request.GET.get("url"))
        article = access.access_embedded_article(
            embed=embed, url=url, title=request.GET.get("title")
        )
        entitlement = entitlement_on(
            request.user if request.user.is_authenticated else None, article
        )
        context = discussion_context(
            request, article=article, entitlement=entitlement, sort="", cursor=None
        )
    except ParleyError as error:
        return _refusal(request, error, embed)
    if wants_fragment(request):
        html = render_to_string("discussion/_discussion.html", context, request=request)
        response: HttpResponse = JsonResponse({"html": html, "count": article.comment_count})
    else:
        context["embed_config"] = {
            "site": embed.site.key,
            "origin": normalise_origin(origin or ""),
            "discussion": request.get_full_path(),
            "subscribe": embed.subscribe_url,
            # Inline feedback: the host page's text goes here (parley.inline.views.host_text).
            "url": url,
            "hostText": reverse("inline:host_text", args=[article.pk]),
        }
        response = render(request, "embed/frame.html", context)
    response["Content-Security-Policy"] = frame_ancestors(embed)
    response["Cache-Control"] = "private, no-cache"
    return response
