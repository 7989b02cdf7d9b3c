"""The moderation desk, and the readers' side of moderation (reports, appeals, the Editor's
picks tab). Every write is a plain form POST that redirects back; desk.js sends the same
forms with the fragment header and gets JSON, so the desk works by keyboard in place."""

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from parley.accounts.entitlements import entitlement_for, signed_in_user
from parley.articles.sites import current_site
from parley.discussion import access as discussion_access
from parley.discussion import selectors as discussion_selectors
from parley.discussion.models import Comment
from parley.discussion.presenters import Viewer
from parley.discussion.responses import error_response, wants_fragment
from parley.errors import InvalidInput, NotFound, ParleyError
from parley.moderation import access, selectors
from parley.moderation.conf import queue_page_size
from parley.moderation.models import RemovalReason
from parley.moderation.ratelimit import client_ip


def _back(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or fallback
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return fallback
    return target


def _site_ids(request: HttpRequest) -> tuple[list[Any], list[int]]:
    """The desk's sites, and the ones shown (?site= narrows to one of them)."""
    sites = access.desk_sites(signed_in_user(request))
    wanted = request.GET.get("site", "")
    chosen = [s.pk for s in sites if str(s.pk) == wanted] or [s.pk for s in sites]
    return sites, chosen


def _done(
    request: HttpRequest,
    message: str,
    *,
    status: str = "",
    back: str,
    comment_id: int | None = None,
) -> HttpResponse:
    """The answer to a desk action: a redirect, or JSON with the row as it is now."""
    if not wants_fragment(request):
        return redirect(back)
    data: dict[str, Any] = {"ok": True, "message": message, "status": status}
    if comment_id is not None:
        data["html"] = _row_html(request, comment_id, back)
    return JsonResponse(data)


def _row_html(request: HttpRequest, comment_id: int, back: str) -> str:
    comment = (
        Comment.objects.filter(pk=comment_id)
        .select_related("article", "author", "parent__author", "moderation_hold")
        .get()
    )
    row = selectors.rows_for([comment], site_ids=[comment.article.site_id])[0]
    context = {
        "row": row,
        "next_url": back,
        "removal_reasons": RemovalReason.choices,
        "suspend_days": access.SUSPEND_DAYS,
    }
    return render_to_string("moderation/_row.html", context, request=request)


@require_GET
def desk(request: HttpRequest) -> HttpResponse:
    return redirect("moderation:queue", queue="pending")


@require_GET
def queue(request: HttpRequest, queue: str) -> HttpResponse:
    try:
        if queue not in selectors.QUEUES:
            raise NotFound()
        sites, site_ids = _site_ids(request)
        after = request.GET.get("after", "")
        page = selectors.queue_page(
            queue=queue,
            site_ids=site_ids,
            after=int(after) if after.isdigit() else None,
            size=queue_page_size(),
        )
    except ParleyError as error:
        if error.code == "not_signed_in":
            return redirect(f"{reverse('login')}?next={request.get_full_path()}")
        return error_response(request, error)
    site_param = request.GET.get("site", "")
    return render(
        request,
        "moderation/desk.html",
        {
            "page": page,
            "queues": selectors.QUEUES,
            "queue": queue,
            "sites": sites,
            "site_param": site_param,
            "removal_reasons": RemovalReason.choices,
            "suspend_days": access.SUSPEND_DAYS,
            "log": selectors.audit_for_sites(site_ids=site_ids, limit=15),
        },
    )


@require_GET
def comment_detail(request: HttpRequest, comment_id: int) -> HttpResponse:
    try:
        comment = access.access_staff_comment(
            user=signed_in_user(request), comment_id=comment_id, need=access.CURATE
        )
    except ParleyError as error:
        return error_response(request, error)
    site_ids = [comment.article.site_id]
    rows = selectors.rows_for(
        list(
            Comment.objects.filter(pk=comment.pk).select_related(
                "article", "author", "parent__author", "moderation_hold"
            )
        ),
        site_ids=site_ids,
    )
    return render(
        request,
        "moderation/comment.html",
        {
            "row": rows[0],
            "log": selectors.audit_for_comment(comment=comment),
            "removal_reasons": RemovalReason.choices,
            "suspend_days": access.SUSPEND_DAYS,
        },
    )


COMMENT_ACTIONS = {
    "approve": "Approved",
    "remove": "Removed",
    "restore": "Restored",
    "feature": "Featured",
    "unfeature": "No longer featured",
    "ban": "Author sanctioned",
    "grant": "Appeal granted: comment restored",
    "deny": "Appeal denied",
}


@require_POST
def comment_action(request: HttpRequest, comment_id: int, action: str) -> HttpResponse:
    user = signed_in_user(request)
    back = _back(request, reverse("moderation:queue", kwargs={"queue": "pending"}))
    data = request.POST
    try:
        if action not in COMMENT_ACTIONS:
            raise NotFound()
        status = ""
        if action == "approve":
            status = access.check_approve(user=user, comment_id=comment_id).status
        elif action == "remove":
            status = access.check_remove(
                user=user,
                comment_id=comment_id,
                reason=data.get("reason", ""),
                note=data.get("note", ""),
            ).status
        elif action == "restore":
            status = access.check_restore(user=user, comment_id=comment_id).status
        elif action in ("feature", "unfeature"):
            access.check_feature(user=user, comment_id=comment_id, featured=action == "feature")
        elif action == "ban":
            access.check_ban_author(
                user=user,
                comment_id=comment_id,
                days=data.get("days", ""),
                message=data.get("message", ""),
            )
        else:
            access.check_decide_appeal(
                user=user,
                comment_id=comment_id,
                grant=action == "grant",
                response=data.get("response", ""),
            )
    except ParleyError as error:
        return error_response(request, error, back_url=back)
    return _done(
        request, COMMENT_ACTIONS[action], status=str(status), back=back, comment_id=comment_id
    )


@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    back = _back(request, reverse("moderation:queue", kwargs={"queue": "pending"}))
    try:
        done, refusals = access.check_bulk(
            user=signed_in_user(request),
            comment_ids=request.POST.getlist("ids"),
            action=request.POST.get("action", ""),
            reason=request.POST.get("reason", ""),
            note=request.POST.get("note", ""),
        )
    except ParleyError as error:
        return error_response(request, error, back_url=back)
    if wants_fragment(request):
        return JsonResponse({"ok": True, "done": done, "refusals": refusals})
    return redirect(back)


@require_GET
def user_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    try:
        sites, _ids = _site_ids(request)
        site_id = request.GET.get("site") or str(sites[0].pk)
        target = access.access_staff_user(
            user=signed_in_user(request), target_id=user_id, site_id=site_id
        )
    except ParleyError as error:
        return error_response(request, error)
    site_ids = [int(site_id)]
    person = selectors.commenters(user_ids=[target.pk], site_ids=site_ids)[target.pk]
    return render(
        request,
        "moderation/user.html",
        {
            "target": target,
            "person": person,
            "site_id": int(site_id),
            "sanctions": selectors.user_sanctions(user=target, site_ids=site_ids),
            "log": selectors.audit_for_user(user=target, site_ids=site_ids),
            "suspend_days": access.SUSPEND_DAYS,
        },
    )


@require_POST
def user_action(request: HttpRequest, user_id: int, action: str) -> HttpResponse:
    user = signed_in_user(request)
    site_id = request.POST.get("site", "")
    back = _back(request, f"{reverse('moderation:user', args=[user_id])}?site={site_id}")
    try:
        if action == "sanction":
            access.check_sanction(
                user=user,
                target_id=user_id,
                site_id=site_id,
                kind=request.POST.get("kind", ""),
                days=request.POST.get("days"),
                message=request.POST.get("message", ""),
            )
        elif action == "premoderate":
            access.check_premoderation(
                user=user, target_id=user_id, site_id=site_id, on=request.POST.get("on") == "1"
            )
        else:
            raise NotFound()
    except (ParleyError, ValueError) as error:
        if isinstance(error, ValueError):
            error = InvalidInput("That site is not valid.")
        return error_response(request, error, back_url=back)
    return _done(request, "Saved", back=back)


@require_POST
def lift(request: HttpRequest, sanction_id: int) -> HttpResponse:
    back = _back(request, reverse("moderation:desk"))
    try:
        access.check_lift(user=signed_in_user(request), sanction_id=sanction_id)
    except ParleyError as error:
        return error_response(request, error, back_url=back)
    return _done(request, "Lifted", back=back)


@require_POST
def set_closed(request: HttpRequest, article_id: int) -> HttpResponse:
    back = _back(request, reverse("moderation:desk"))
    closed = request.POST.get("closed") == "1"
    try:
        access.check_set_closed(user=signed_in_user(request), article_id=article_id, closed=closed)
    except ParleyError as error:
        return error_response(request, error, back_url=back)
    return _done(request, "Closed" if closed else "Reopened", back=back)


# --- readers ------------------------------------------------------------------------------


def _permalink(comment: Comment) -> str:
    url = reverse("permalink", kwargs={"slug": comment.article.slug, "comment_id": comment.pk})
    return f"{url}#c-{comment.pk}"


@require_POST
def report(request: HttpRequest, comment_id: int) -> HttpResponse:
    back = _back(request, "/")
    try:
        filed = access.check_report(
            user=signed_in_user(request),
            comment_id=comment_id,
            reason=request.POST.get("reason", ""),
            text=request.POST.get("text", ""),
            ip=client_ip(request),
        )
    except ParleyError as error:
        return error_response(request, error, back_url=back)
    message = "Thank you. A moderator will look at this comment."
    if wants_fragment(request):
        return JsonResponse({"ok": True, "message": message}, status=201)
    return render(
        request,
        "moderation/thanks.html",
        {"message": message, "back_url": _permalink(filed.comment)},
    )


@require_POST
def appeal(request: HttpRequest, comment_id: int) -> HttpResponse:
    back = _back(request, "/")
    try:
        filed = access.check_appeal(
            user=signed_in_user(request), comment_id=comment_id, text=request.POST.get("text", "")
        )
    except ParleyError as error:
        return error_response(request, error, back_url=back)
    message = "Your appeal is with the moderators. You will see their decision here."
    if wants_fragment(request):
        return JsonResponse({"ok": True, "message": message}, status=201)
    return render(
        request,
        "moderation/thanks.html",
        {"message": message, "back_url": _permalink(filed.comment)},
    )


@require_GET
def picks(request: HttpRequest, slug: str) -> HttpResponse:
    """The Editor's picks tab of a discussion: the featured comments, newest pick first."""
    try:
        article = discussion_access.access_article(site_id=current_site(request).pk, slug=slug)
    except ParleyError as error:
        return error_response(request, error)
    user = signed_in_user(request)
    entitlement = entitlement_for(user, article.site_id)
    comments = selectors.editors_picks(article=article)
    viewer = Viewer(
        user=user,
        entitlement=entitlement,
        article=article,
        votes=discussion_selectors.my_votes(user=user, comment_ids=[c.pk for c in comments]),
    )
    context = {
        "article": article,
        "entitlement": entitlement,
        "threads": [
            {"root": viewer.present(c), "replies": [], "more_replies": 0} for c in comments
        ],
        "sort": "picks",
        "sorts": discussion_selectors.SORT_LABELS,
        "next_cursor": None,
        "focus": None,
    }
    if wants_fragment(request):
        html = render_to_string("discussion/_threads.html", context, request=request)
        return JsonResponse({"html": html, "next": None})
    return render(request, "moderation/picks.html", context)
