import json

from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from parley.accounts import access, actions, backends, selectors
from parley.accounts.forms import DisplayNameForm, SignUpForm
from parley.errors import ParleyError


def signup(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend=backends.PATH)
        return redirect(next_url)
    return render(request, "registration/signup.html", {"form": form, "next": next_url})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def account(request: HttpRequest) -> HttpResponse:
    """The signed-in user's page: public name (editable), e-mail, subscriptions, and the
    ways out (the data download, erasure)."""
    user = request.user
    form = DisplayNameForm(request.POST or None, initial={"display_name": user.display_name})  # type: ignore[union-attr]
    if request.method == "POST" and form.is_valid():
        actions.do_set_display_name(user=user, display_name=form.cleaned_data["display_name"])  # type: ignore[arg-type]
        return redirect(reverse("account") + "?saved=1")
    return render(
        request,
        "accounts/account.html",
        {
            "form": form,
            "subscriptions": selectors.subscriptions_of(user=user),  # type: ignore[arg-type]
            "site_roles": selectors.site_roles_of(user=user),  # type: ignore[arg-type]
            "sites_commented": selectors.sites_commented_on(user=user),  # type: ignore[arg-type]
            "saved": request.GET.get("saved") == "1",
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def account_data(request: HttpRequest) -> HttpResponse:
    """The download: everything Parley keeps about the user, as one JSON file."""
    origins = selectors.Origins(scheme=request.scheme or "https", host=request.get_host())
    data = selectors.account_data(user=request.user, origins=origins)  # type: ignore[arg-type]
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    filename = f"parley-data-{request.user.get_username()}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def account_delete(request: HttpRequest) -> HttpResponse:
    """GET: the confirmation form. POST: erases the account (docs/accounts.md), then
    signs the browser out."""
    error = None
    if request.method == "POST":
        try:
            access.check_erase_account(
                user=request.user,  # type: ignore[arg-type]
                confirmation=request.POST.get("confirmation", ""),
            )
        except ParleyError as refused:
            error = refused
        else:
            logout(request)
            return redirect("account_deleted")
    return render(
        request,
        "accounts/delete.html",
        {
            "error": error,
            "sites_commented": selectors.sites_commented_on(user=request.user),  # type: ignore[arg-type]
        },
        status=error.status if error else 200,
    )


@require_GET
def account_deleted(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/deleted.html")
