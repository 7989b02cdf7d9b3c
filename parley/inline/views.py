"""Inline feedback endpoints: the passages to highlight (JSON for inline.js), the Inline
Feedbacks list (a page, or a fragment for inline.js) and the Web Annotation export."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET

from parley.accounts.entitlements import entitlement_on, signed_in_user
from parley.discussion import selectors as discussion_selectors
from parley.discussion.presenters import Viewer
from parley.discussion.responses import error_response, wants_fragment
from parley.errors import ParleyError
from parley.inline import access, jsonld, selectors


@require_GET
def passages(request: HttpRequest, article_id: int) -> HttpResponse:
    try:
        article = access.access_article(request=request, article_id=article_id)
    except ParleyError as error:
        return JsonResponse(error.as_dict(), status=error.status)
    limit = access.visible_text_end(article, signed_in_user(request))
    found = selectors.highlighted_passages(article=article, limit=limit)
    return JsonResponse({"article": article.pk, "passages": found})


@require_GET
def feedback(request: HttpRequest, article_id: int) -> HttpResponse:
    """The Inline Feedbacks tab. `passage` (repeatable) narrows it to some passages, as
    when a reader clicks a highlight; `compact=1` leaves out the comments' actions."""
    try:
        article = access.access_article(request=request, article_id=article_id)
    except ParleyError as error:
        return error_response(request, error)
    user = signed_in_user(request)
    keys = [k[:40] for k in request.GET.getlist("passage")[:20]] or None
    result = selectors.inline_feedback(
        article=article,
        sort=request.GET.get("sort", ""),
        limit=access.visible_text_end(article, user),
        keys=keys,
    )
    entitlement = entitlement_on(user, article)  # with the article's rules
    roots = result.roots
    replies = discussion_selectors.thread_replies(
        roots=roots, limit=settings.PARLEY_REPLIES_PER_THREAD
    )
    shown = roots + [r for rows in replies.values() for r in rows]
    viewer = Viewer(
        user=user,
        entitlement=entitlement,
        article=article,
        votes=discussion_selectors.my_votes(user=user, comment_ids=[c.pk for c in shown]),
    )
    threads = {
        root.pk: {
            "root": viewer.present(root),
            "replies": viewer.present_all(replies.get(root.pk, [])),
            "more_replies": root.thread_replies - len(replies.get(root.pk, [])),
            "after": replies[root.pk][-1].path if replies.get(root.pk) else "",
        }
        for root in roots
    }
    context = {
        "article": article,
        "entitlement": entitlement,
        "feedback": result,
        "groups": [
            (group, [threads[root.pk] for root in group.roots])
            for group in result.placed + result.orphaned
        ],
        "orphan_start": len(result.placed),
        "sorts": discussion_selectors.SORT_LABELS,
        "sort": result.sort,
        "compact": request.GET.get("compact") == "1",
        "narrowed": keys is not None,
        "focus": None,
    }
    if wants_fragment(request):
        html = render_to_string("inline/_feedback.html", context, request=request)
        return JsonResponse({"html": html, "count": len(roots)})
    return render(request, "inline/feedback_page.html", context)


@require_GET
def annotations(request: HttpRequest, article_id: int) -> HttpResponse:
    """The article's passages as a W3C Web Annotation collection (JSON-LD)."""
    try:
        article = access.access_article(request=request, article_id=article_id)
    except ParleyError as error:
        return JsonResponse(error.as_dict(), status=error.status)
    anchors, questions = selectors.exported_passages(article=article)
    document = jsonld.annotation_collection(
        article=article,
        anchors=anchors,
        questions=questions,
        source=article.canonical_url or request.build_absolute_uri(article.get_absolute_url()),
        collection_id=request.build_absolute_uri(
            reverse("inline:annotations", kwargs={"article_id": article.pk})
        ),
        limit=access.visible_text_end(article, signed_in_user(request)),
    )
    response = JsonResponse(document, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = (
        'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"; charset=utf-8'
    )
    return response
