"""Discussion endpoints for the server-rendered page. Each works as a plain form POST
(redirecting back to the comment) and, for parley.js, as a fragment/JSON request."""

from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from parley.accounts.entitlements import Entitlement, entitlement_on, signed_in_user
from parley.articles.models import Article
from parley.articles.sites import current_site
from parley.discussion import access, selectors
from parley.discussion.models import Comment
from parley.discussion.presenters import Viewer
from parley.discussion.responses import error_response, wants_fragment
from parley.errors import DiscussionHidden, NotFound, ParleyError
from parley.inline.access import check_anchor
from parley.inline.actions import attach_anchor
from parley.notifications.actions import apply_notify_choice


def comment_url(comment: Comment) -> str:
    return reverse("permalink", kwargs={"slug": comment.article.slug, "comment_id": comment.pk})


def discussion_context(
    request: HttpRequest,
    *,
    article: Article,
    entitlement: Entitlement,
    sort: str,
    cursor: str | None,
) -> dict[str, Any]:
    """Everything the discussion templates need for one page of threads."""
    if not entitlement.may_read:  # the read rule (accounts/policy.py): a notice, no threads
        return {
            "article": article, "entitlement": entitlement, "threads": [], "sort": sort,
            "sorts": selectors.SORT_LABELS, "next_cursor": None, "focus": None,
            "discussion_hidden": True,
        }  # fmt: skip
    page = selectors.comment_page(
        article=article,
        sort=sort,
        cursor=cursor,
        replies_per_thread=settings.PARLEY_REPLIES_PER_THREAD,
    )
    all_comments = page.threads + [r for rows in page.replies.values() for r in rows]
    viewer = Viewer(
        user=signed_in_user(request),
        entitlement=entitlement,
        article=article,
        votes=selectors.my_votes(
            user=signed_in_user(request), comment_ids=[c.pk for c in all_comments]
        ),
    )
    threads = [
        {
            "root": viewer.present(root),
            "replies": viewer.present_all(page.replies.get(root.pk, [])),
            "more_replies": root.thread_replies - len(page.replies.get(root.pk, [])),
            "after": page.replies[root.pk][-1].path if page.replies.get(root.pk) else "",
        }
        for root in page.threads
    ]
    return {
        "article": article,
        "entitlement": entitlement,
        "threads": threads,
        "sort": page.sort,
        "sorts": selectors.SORT_LABELS,
        "next_cursor": page.next_cursor,
        "focus": None,
    }


def _site_article(request: HttpRequest, slug: str) -> Article:
    return access.access_article(site_id=current_site(request).pk, slug=slug)


@require_POST
def post_comment(request: HttpRequest, slug: str) -> HttpResponse:
    body = request.POST.get("body", "")
    back = reverse("article", kwargs={"slug": slug}) + "#discussion"
    try:
        article = _site_article(request, slug)
        # Inline feedback (parley.inline): the optional passage fields are checked before
        # posting and attached in the same transaction, so a refused passage posts nothing.
        with transaction.atomic():
            anchor_data = check_anchor(
                article=article, data=request.POST, viewer=signed_in_user(request)
            )
            comment = access.check_post_comment(
                user=signed_in_user(request),
                article=article,
                body=body,
                parent_id=request.POST.get("parent"),
                nudge_ack=request.POST.get("nudge_ack") == "1",  # parley.moderation's nudge
                guest=request.POST.get("guest_name"),  # the "guests" post rule
            )
            if anchor_data is not None:
                attach_anchor(comment, anchor_data)
            # The form's "Notify of" choice: follows for the author, committed with the
            # comment (one transaction, one commit).
            if comment.author_id is not None:  # a guest's comment has no one to notify
                apply_notify_choice(signed_in_user(request), comment, request.POST.get("notify"))
    except ParleyError as error:
        return error_response(request, error, back_url=back, body=body)
    if wants_fragment(request):
        entitlement = entitlement_on(signed_in_user(request), article)
        viewer = Viewer(
            user=signed_in_user(request), entitlement=entitlement, article=article, votes={}
        )
        comment.article = article
        html = render_to_string(
            "discussion/_comment.html",
            {"item": viewer.present(comment), "article": article, "fresh": True},
            request=request,
        )
        article.refresh_from_db(fields=["comment_count"])
        return JsonResponse(
            {
                "id": comment.pk,
                "parent": comment.parent_id,
                "html": html,
                "count": article.comment_count,
            },
            status=201,
        )
    return redirect(comment_url(comment) + f"#c-{comment.pk}")


@require_POST
def vote(request: HttpRequest, comment_id: int) -> HttpResponse:
    try:
        comment = access.check_vote(
            user=signed_in_user(request), comment_id=comment_id, value=request.POST.get("value", "")
        )
    except ParleyError as error:
        return error_response(request, error, back_url=request.POST.get("next") or "/")
    if wants_fragment(request):
        return JsonResponse(
            {
                "id": comment.pk,
                "upvotes": comment.upvotes,
                "downvotes": comment.downvotes,
                "score": comment.score,
                "my_vote": selectors.my_votes(
                    user=signed_in_user(request), comment_ids=[comment.pk]
                ).get(comment.pk, 0),
            }
        )
    return redirect(comment_url(comment) + f"#c-{comment.pk}")


@require_POST
def edit_comment(request: HttpRequest, comment_id: int) -> HttpResponse:
    body = request.POST.get("body", "")
    try:
        comment = access.check_edit_comment(
            user=signed_in_user(request), comment_id=comment_id, body=body
        )
    except ParleyError as error:
        return error_response(request, error, back_url=request.POST.get("next") or "/", body=body)
    if wants_fragment(request):
        return JsonResponse({"id": comment.pk, "body_html": comment.body_html, "edited": True})
    return redirect(comment_url(comment) + f"#c-{comment.pk}")


@require_POST
def delete_comment(request: HttpRequest, comment_id: int) -> HttpResponse:
    try:
        comment = access.access_comment(comment_id=comment_id, user=signed_in_user(request))
        article = comment.article
        kept = access.check_delete_comment(user=signed_in_user(request), comment_id=comment_id)
    except ParleyError as error:
        return error_response(request, error, back_url=request.POST.get("next") or "/")
    if wants_fragment(request):
        article.refresh_from_db(fields=["comment_count"])
        return JsonResponse(
            {"id": comment_id, "tombstone": kept is not None, "count": article.comment_count}
        )
    if kept is not None:
        return redirect(comment_url(kept) + f"#c-{kept.pk}")
    return redirect(reverse("article", kwargs={"slug": article.slug}) + "#discussion")


@require_GET
def more_replies(request: HttpRequest, slug: str, comment_id: int) -> HttpResponse:
    """The rest of a long thread, after a path (fragment for parley.js, or a page)."""
    try:
        article = _site_article(request, slug)
        root = access.access_comment(comment_id=comment_id, user=signed_in_user(request))
        if root.article_id != article.pk or root.root_id is not None:
            raise NotFound("No such thread.")
        after = request.GET.get("after", "")[:2000]
        rows = selectors.thread_slice(root=root, after_path=after, limit=50)
    except ParleyError as error:
        return error_response(request, error)
    entitlement = entitlement_on(signed_in_user(request), article)
    if not entitlement.may_read:  # the discussion's read rule (accounts/policy.py)
        return error_response(request, DiscussionHidden())
    viewer = Viewer(
        user=signed_in_user(request),
        entitlement=entitlement,
        article=article,
        votes=selectors.my_votes(user=signed_in_user(request), comment_ids=[r.pk for r in rows]),
    )
    items = viewer.present_all(rows)
    next_after = rows[-1].path if len(rows) == 50 else None
    context = {
        "article": article,
        "items": items,
        "root": viewer.present(root),
        "next_after": next_after,
        "entitlement": entitlement,
    }
    if wants_fragment(request):
        html = render_to_string("discussion/_reply_list.html", context, request=request)
        return JsonResponse({"html": html, "next_after": next_after})
    return render(request, "discussion/thread_page.html", context)
