"""Inline feedback endpoints: the passages to highlight (JSON for inline.js), the Inline
Feedbacks list (a page, or a fragment for inline.js), the Web Annotation export, and the
host page's text of an embedded article (sent by the embed's frame)."""

import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from parley.accounts.entitlements import entitlement_on, signed_in_user
from parley.discussion import selectors as discussion_selectors
from parley.discussion.access import require_participant
from parley.discussion.presenters import Viewer
from parley.discussion.responses import error_response, wants_fragment
from parley.embed import access as embed_access
from parley.embed.middleware import is_embed_request
from parley.errors import Forbidden, InvalidInput, NotFound, ParleyError
from parley.inline import access, actions, jsonld, selectors


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


MAX_HOST_TEXT_BYTES = 1_000_000


@require_POST
def host_text(request: HttpRequest, article_id: int) -> HttpResponse:
    """`POST {"blocks": [...], "origin", "url"}` from the embed's frame: the text of the
    host page's article element (embed.js reads it), which an embedded article without a
    body of its own has its passages over. A changed text is a new revision, and every
    passage is re-anchored on it, as after an editor's save.

    Only the embed's frame (`X-Parley-Embed`, which no page of another origin can send),
    for a page on the site's allowed origins whose URL is this article's, by a reader who
    may post there: readers who cannot post never need it checked, and a guest cannot
    rewrite what passages are over."""
    try:
        if not is_embed_request(request):
            raise Forbidden("Only the embedded widget sends its page's text.", code="embed_only")
        if len(request.body) > MAX_HOST_TEXT_BYTES:
            raise InvalidInput(
                "The page's article is too long to comment on.", code="text_too_long"
            )
        try:
            payload = json.loads(request.body)
        except ValueError:
            raise InvalidInput("Send JSON.", code="bad_text") from None
        if not isinstance(payload, dict):
            raise InvalidInput("Send a JSON object.", code="bad_text")
        article = access.access_article(request=request, article_id=article_id)
        embed = embed_access.access_embed_site(key=article.site.key)
        url = embed_access.check_host_page(
            embed=embed, origin=str(payload.get("origin") or ""), url=str(payload.get("url") or "")
        )
        if url != article.canonical_url:
            raise NotFound("No such article.")
        require_participant(entitlement_on(signed_in_user(request), article))
        text = access.check_host_text(article=article, blocks=payload.get("blocks"))
    except ParleyError as error:
        return JsonResponse(error.as_dict(), status=error.status)
    recorded = actions.do_record_host_text(article=article, text=text)
    revision = recorded or actions.current_revision(article)
    return JsonResponse(
        {"revision": revision.number if revision else None, "changed": recorded is not None}
    )
