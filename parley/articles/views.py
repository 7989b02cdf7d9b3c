"""The magazine's own pages: the front page and the article page with its discussion."""

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET

from parley.accounts.entitlements import entitlement_for
from parley.articles.models import Article
from parley.articles.sites import current_site
from parley.discussion import access, selectors
from parley.discussion.presenters import Viewer
from parley.discussion.responses import error_response, wants_fragment
from parley.discussion.views import _user, discussion_context
from parley.errors import NotFound, ParleyError


@require_GET
def front_page(request: HttpRequest) -> HttpResponse:
    try:
        site = current_site(request)
    except NotFound as error:
        return error_response(request, error)
    articles = (
        Article.objects.filter(site=site, published_at__lte=timezone.now())
        .select_related("author")
        .order_by("-published_at")[:50]
    )
    return render(request, "articles/front.html", {"site": site, "articles": articles})


@require_GET
def article_page(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        article = access.access_article(site_id=current_site(request).pk, slug=slug)
        entitlement = entitlement_for(_user(request), article.site_id)
        context = discussion_context(
            request,
            article=article,
            entitlement=entitlement,
            sort=request.GET.get("sort", ""),
            cursor=request.GET.get("after") or None,
        )
    except ParleyError as error:
        return error_response(request, error)
    if wants_fragment(request):
        html = render_to_string("discussion/_threads.html", context, request=request)
        return JsonResponse({"html": html, "next": context["next_cursor"]})
    return render(request, "articles/article.html", context)


@require_GET
def permalink(request: HttpRequest, slug: str, comment_id: int) -> HttpResponse:
    """The article with the discussion opened at one comment, wherever it sits."""
    try:
        article = access.access_article(site_id=current_site(request).pk, slug=slug)
        comment = access.access_comment(comment_id=comment_id, user=_user(request))
        if comment.article_id != article.pk:
            raise NotFound("No such comment.")
        root, rows = selectors.permalink_thread(comment=comment)
    except ParleyError as error:
        if isinstance(error, NotFound):
            raise Http404(error.message) from None
        return error_response(request, error)
    entitlement = entitlement_for(_user(request), article.site_id)
    viewer = Viewer(
        user=_user(request),
        entitlement=entitlement,
        article=article,
        votes=selectors.my_votes(user=_user(request), comment_ids=[root.pk, *[r.pk for r in rows]]),
    )
    context = {
        "article": article,
        "entitlement": entitlement,
        "threads": [
            {
                "root": viewer.present(root),
                "replies": viewer.present_all(rows),
                "more_replies": 0,
            }
        ],
        "sort": selectors.DEFAULT_SORT,
        "sorts": selectors.SORT_LABELS,
        "next_cursor": None,
        "focus": comment,
    }
    return render(request, "articles/article.html", context)


@require_GET
def subscribe(request: HttpRequest) -> HttpResponse:
    return render(request, "articles/subscribe.html", {"site": current_site(request)})
