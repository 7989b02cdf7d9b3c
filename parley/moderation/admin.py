"""The moderation rules are edited in the admin; the daily work happens at /moderation/."""

from typing import Any

from django.contrib import admin, messages
from django.db import transaction
from django.http import HttpRequest

from parley.moderation import actions
from parley.moderation.models import (
    Appeal,
    ArticlePolicy,
    AuditEntry,
    Feature,
    Hold,
    Removal,
    Report,
    Sanction,
    SitePolicy,
    UserFlag,
)

# Changing these re-renders the site's stored comments (actions.remask_site).
RENDERING_FIELDS = ("masked_words", "links", "allowed_domains")


@admin.register(SitePolicy)
class SitePolicyAdmin(admin.ModelAdmin):
    list_display = ("site", "mode", "links", "auto_close_days", "civility_enabled", "updated_at")
    fieldsets = (
        (None, {"fields": ("site", "mode", "first_held_count", "auto_close_days")}),
        ("Words", {"fields": ("banned_words", "suspect_words", "masked_words")}),
        ("Links", {"fields": ("links", "links_min_approved", "allowed_domains")}),
        (
            "Repeats and reports",
            {"fields": ("repeat_window_minutes", "report_threshold", "report_daily_cap")},
        ),
        ("Civility", {"fields": ("civility_enabled", "civility_threshold")}),
        (
            "External phase",
            {
                "fields": (
                    "external_url",
                    "external_secret",
                    "external_timeout_ms",
                    "external_fail_hold",
                )
            },
        ),
    )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if any(name in form.changed_data for name in RENDERING_FIELDS):
            site_id = obj.site_id
            transaction.on_commit(lambda: actions.remask_site(site_id))
            messages.info(request, "Stored comments are rendered again under the new lists.")


@admin.register(ArticlePolicy)
class ArticlePolicyAdmin(admin.ModelAdmin):
    list_display = ("article", "mode", "links", "auto_close_days")
    raw_id_fields = ("article",)


@admin.register(UserFlag)
class UserFlagAdmin(admin.ModelAdmin):
    list_display = ("user", "site", "always_premoderate")
    raw_id_fields = ("user",)


@admin.register(Sanction)
class SanctionAdmin(admin.ModelAdmin):
    list_display = ("user", "site", "kind", "starts_at", "ends_at", "lifted_at")
    list_filter = ("kind", "site")
    raw_id_fields = ("user", "created_by", "lifted_by")


class ReadOnly(admin.ModelAdmin):
    """Written by the desk's actions only: changing a row here would skip the audit."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Hold)
class HoldAdmin(ReadOnly):
    list_display = ("comment", "site", "rule", "reason", "created_at")
    list_filter = ("rule",)


@admin.register(Report)
class ReportAdmin(ReadOnly):
    list_display = ("comment", "reporter", "reason", "created_at", "resolved_at")
    list_filter = ("reason",)


@admin.register(Removal)
class RemovalAdmin(ReadOnly):
    list_display = ("comment", "reason", "removed_by", "created_at")


@admin.register(Appeal)
class AppealAdmin(ReadOnly):
    list_display = ("comment", "author", "status", "created_at", "decided_at")


@admin.register(Feature)
class FeatureAdmin(ReadOnly):
    list_display = ("comment", "article", "featured_by", "created_at")


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnly):
    list_display = ("created_at", "site", "actor", "action", "comment", "target_user", "reason")
    list_filter = ("action", "site")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
