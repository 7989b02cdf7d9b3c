"""The magazine's own pages: the front page and the article page with its discussion."""

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET

from parley.accounts.entitlements import entitlement_on, signed_in_user
from parley.articles.models import Article
from parley.articles.sites import current_site
from parley.cache import pages as page_cache
from parley.discussion import access, selectors
from parley.discussion.presenters import Viewer
from parley.discussion.responses import error_response, wants_fragment
from parley.discussion.views import discussion_context
from parley.errors import DiscussionHidden, NotFound, ParleyError
from parley.paywall.meter import meter_article
from parley.paywall.pages import metered_page


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
@metered_page  # a metered guest's page is theirs, not the shared cache's (parley/paywall)
@page_cache.guest_page_cache  # guests share cached pages (parley/cache, docs/performance.md)
def article_page(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        article = access.access_article(site_id=current_site(request).pk, slug=slug)
        page_cache.note_article(request, article)  # which article's version the page is under
        entitlement = entitlement_on(signed_in_user(request), article)
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
    # The metered paywall (parley/paywall): counts this read, or cuts the body.
    context["paywall"] = meter_article(request, article, entitlement)
    return render(request, "articles/article.html", context)


@require_GET
def permalink(request: HttpRequest, slug: str, comment_id: int) -> HttpResponse:
    """The article with the discussion opened at one comment, wherever it sits."""
    try:
        article = access.access_article(site_id=current_site(request).pk, slug=slug)
        comment = access.access_comment(comment_id=comment_id, user=signed_in_user(request))
        if comment.article_id != article.pk:
            raise NotFound("No such comment.")
        root, rows = selectors.permalink_thread(comment=comment)
    except ParleyError as error:
        if isinstance(error, NotFound):
            raise Http404(error.message) from None
        return error_response(request, error)
    entitlement = entitlement_on(signed_in_user(request), article)
    if not entitlement.may_read:  # the discussion's read rule (accounts/policy.py)
        return error_response(request, DiscussionHidden())
    viewer = Viewer(
        user=signed_in_user(request),
        entitlement=entitlement,
        article=article,
        votes=selectors.my_votes(
            user=signed_in_user(request), comment_ids=[root.pk, *[r.pk for r in rows]]
        ),
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
        # The metered paywall (parley/paywall): a permalink is the article page too.
        "paywall": meter_article(request, article, entitlement),
    }
    return render(request, "articles/article.html", context)


@require_GET
def subscribe(request: HttpRequest) -> HttpResponse:
    return render(request, "articles/subscribe.html", {"site": current_site(request)})
