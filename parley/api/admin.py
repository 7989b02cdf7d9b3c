"""API tokens in the admin: an editor of a site creates a token (its key is shown once,
right then) and revokes it. Editors see and mint tokens for their own sites only;
superusers for every site. Keys are never stored, so a lost key means a new token."""

from typing import Any, cast

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from parley.accounts.models import SiteRole
from parley.api import tokens
from parley.api.models import ApiToken
from parley.articles.models import Site


def editable_sites(request: HttpRequest) -> QuerySet[Site]:
    if request.user.is_superuser:
        return Site.objects.all()
    return Site.objects.filter(
        roles__user_id=cast(int, request.user.pk), roles__role=SiteRole.Role.EDITOR
    ).distinct()


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "site", "prefix", "created_by", "created_at", "last_used_at", "state")
    list_filter = ("site",)
    search_fields = ("name", "prefix")
    actions = ("revoke",)
    readonly_fields = ("prefix", "created_by", "created_at", "last_used_at", "revoked_at")

    @admin.display(description="State")
    def state(self, token: ApiToken) -> str:
        return "active" if token.is_active else "revoked"

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApiToken]:
        return (
            super()
            .get_queryset(request)
            .filter(site__in=editable_sites(request))
            .select_related("site", "created_by")
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # A token's site and name are fixed once its key has been handed out.
        if obj is not None:
            return ("site", "name", *self.readonly_fields)
        return self.readonly_fields

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "site":
            kwargs["queryset"] = editable_sites(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and editable_sites(request).exists()

    def save_model(self, request: HttpRequest, obj: ApiToken, form: Any, change: bool) -> None:
        if change:
            return  # nothing about a token is editable after creation
        minted = tokens.new_key()
        obj.key_hash, obj.prefix = minted.key_hash, minted.prefix
        obj.created_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)
        messages.warning(
            request,
            f"The key of “{obj.name}” is {minted.key} — copy it now: it is not stored "
            "and will not be shown again. Send it as “Authorization: Bearer <key>”.",
        )

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        count = tokens.do_revoke_tokens(queryset)
        self.message_user(request, f"Revoked {count} token(s).", messages.SUCCESS)
