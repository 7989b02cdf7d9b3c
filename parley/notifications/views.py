"""Notification pages: the inbox, preferences, follow buttons, unsubscribe links, mention
suggestions and the demo's outbox. Each parses, checks access, calls one action or
selector, and answers a page, a redirect, or JSON for notifications.js."""

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from parley.accounts.entitlements import signed_in_user
from parley.accounts.models import User
from parley.articles.models import Article
from parley.articles.sites import current_site
from parley.discussion import access as discussion_access
from parley.discussion.models import Comment, CommentStatus
from parley.discussion.responses import error_response, wants_fragment
from parley.errors import ParleyError
from parley.notifications import actions, selectors
from parley.notifications.access import access_followable_comment, access_own, check_follower
from parley.notifications.models import EmailMode, Follow, Mute, Notification, NotifyChoice
from parley.notifications.tokens import BadToken, ExpiredToken, read_token


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    items = selectors.inbox(user=request.user)  # type: ignore[arg-type]
    return render(request, "notifications/inbox.html", {"items": items})


@login_required
@require_GET
def open_notification(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Marks the entry read and goes to the comment (a link, so it opens like one)."""
    try:
        notification = access_own(
            Notification.objects.select_related("article"),
            user=signed_in_user(request),
            pk=notification_id,
        )
    except ParleyError:
        raise Http404() from None
    actions.mark_read(notification)
    path = reverse(
        "permalink",
        kwargs={"slug": notification.article.slug, "comment_id": notification.comment_id},
    )
    return redirect(f"{path}#c-{notification.comment_id}")


@login_required
@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    actions.mark_all_read(request.user)  # type: ignore[arg-type]
    return redirect("notifications:inbox")


class PreferencesForm(forms.Form):
    default_notify = forms.ChoiceField(
        choices=NotifyChoice.choices, label="When I comment, notify me of"
    )
    in_page = forms.BooleanField(required=False, label="In the page (the bell and the inbox)")
    email_mode = forms.ChoiceField(
        choices=EmailMode.choices, widget=forms.RadioSelect, label="By e-mail"
    )


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    user = request.user
    prefs = selectors.preferences_of(user=user)  # type: ignore[arg-type]
    initial = {
        "default_notify": prefs.default_notify,
        "in_page": prefs.in_page,
        "email_mode": prefs.email_mode,
    }
    form = PreferencesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        actions.update_preferences(user=user, **form.cleaned_data)  # type: ignore[arg-type]
        return redirect(reverse("notifications:preferences") + "?saved=1")
    discussions, comments, mutes = selectors.follows_of(user=user)  # type: ignore[arg-type]
    context = {
        "form": form,
        "discussions": discussions,
        "comments": comments,
        "mutes": mutes,
        "saved": request.GET.get("saved") == "1",
    }
    return render(request, "notifications/preferences.html", context)


@login_required
@require_POST
def stop_follow(request: HttpRequest, follow_id: int) -> HttpResponse:
    try:
        actions.stop_follow(
            access_own(Follow.objects.all(), user=signed_in_user(request), pk=follow_id)
        )
    except ParleyError as error:
        return error_response(request, error)
    return redirect("notifications:preferences")


@login_required
@require_POST
def stop_mute(request: HttpRequest, mute_id: int) -> HttpResponse:
    try:
        actions.unmute(access_own(Mute.objects.all(), user=signed_in_user(request), pk=mute_id))
    except ParleyError as error:
        return error_response(request, error)
    return redirect("notifications:preferences")


def _followed(request: HttpRequest, following: bool, back: str) -> HttpResponse:
    if wants_fragment(request):
        return JsonResponse({"following": following})
    return redirect(back)


@require_POST
def follow_discussion(request: HttpRequest, slug: str) -> HttpResponse:
    back = reverse("article", kwargs={"slug": slug}) + "#discussion"
    try:
        article = discussion_access.access_article(site_id=current_site(request).pk, slug=slug)
        user = check_follower(signed_in_user(request), article)
    except ParleyError as error:
        return error_response(request, error, back_url=back)
    if request.POST.get("action") == "unfollow":
        actions.unfollow_discussion(user=user, article=article)
        return _followed(request, False, back)
    actions.follow_discussion(user=user, article=article)
    return _followed(request, True, back)


@require_POST
def follow_replies(request: HttpRequest, comment_id: int) -> HttpResponse:
    try:
        comment = access_followable_comment(user=signed_in_user(request), comment_id=comment_id)
    except ParleyError as error:
        return error_response(request, error)
    back = (
        reverse("permalink", kwargs={"slug": comment.article.slug, "comment_id": comment.pk})
        + f"#c-{comment.pk}"
    )
    user = signed_in_user(request)
    if request.POST.get("action") == "unfollow":
        actions.unfollow_replies(user=user, comment=comment)
        return _followed(request, False, back)
    actions.follow_replies(user=user, comment=comment)
    return _followed(request, True, back)


@csrf_exempt  # the signed token is the credential; RFC 8058 one-click POSTs carry no cookie
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, scope: str, token: str) -> HttpResponse:
    """GET only shows a confirm button (mail scanners follow links); POST unsubscribes,
    from that form or from a mail client's one-click (List-Unsubscribe-Post)."""
    try:
        ask = read_token(token, scope)
    except ExpiredToken:
        return render(request, "notifications/unsubscribe.html", {"state": "expired"}, status=410)
    except BadToken:
        return render(request, "notifications/unsubscribe.html", {"state": "invalid"}, status=400)
    article = Article.objects.filter(pk=ask.article_id).first() if ask.article_id else None
    gone = not User.objects.filter(pk=ask.user_id).exists()
    if gone or (ask.article_id and article is None):
        return render(request, "notifications/unsubscribe.html", {"state": "invalid"}, status=400)
    context = {"ask": ask, "article": article, "state": "confirm"}
    if request.method == "POST":
        actions.unsubscribe(ask)
        context["state"] = "done"
    return render(request, "notifications/unsubscribe.html", context)


@require_GET
def mention_suggestions(request: HttpRequest, slug: str) -> HttpResponse:
    """Display names of people who commented in this discussion (already public on the
    page), for the comment form's @autocomplete. Participants only."""
    try:
        article = discussion_access.access_article(site_id=current_site(request).pk, slug=slug)
        check_follower(signed_in_user(request), article)
    except ParleyError as error:
        return JsonResponse(error.as_dict(), status=error.status)
    query = request.GET.get("q", "").strip()[:60]
    names = (
        Comment.objects.filter(
            article=article,
            status=CommentStatus.VISIBLE,
            author__is_active=True,
            author__display_name__istartswith=query,
        )
        .exclude(author_id=request.user.pk)
        .values_list("author__display_name", flat=True)
        .order_by("author__display_name")
        .distinct()[:8]
    )
    return JsonResponse({"names": [n for n in names if n]})


def _may_see_outbox(request: HttpRequest) -> bool:
    return settings.DEBUG or (request.user.is_authenticated and request.user.is_staff)


@require_GET
def outbox(request: HttpRequest) -> HttpResponse:
    if not _may_see_outbox(request):
        raise Http404()
    return render(request, "notifications/outbox.html", {"rows": selectors.outbox_page()})


@require_GET
def outbox_message(request: HttpRequest, message_id: int) -> HttpResponse:
    if not _may_see_outbox(request):
        raise Http404()
    row = selectors.outbox_message(pk=message_id)
    if row is None:
        raise Http404()
    return render(request, "notifications/outbox_message.html", {"row": row})
