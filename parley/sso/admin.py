from django.contrib import admin

from parley.sso.models import SiteSso, SsoIdentity, WebhookEvent


@admin.register(SiteSso)
class SiteSsoAdmin(admin.ModelAdmin):
    list_display = ("site", "algorithm")
    fieldsets = (
        (None, {"fields": ("site", "algorithm")}),
        ("Sign-in tokens", {"fields": ("shared_secret", "public_key")}),
        ("Entitlement webhook", {"fields": ("webhook_secret",)}),
    )


@admin.register(SsoIdentity)
class SsoIdentityAdmin(admin.ModelAdmin):
    list_display = ("external_id", "site", "user", "last_seen_at")
    list_filter = ("site",)
    search_fields = ("external_id",)
    raw_id_fields = ("user",)
    readonly_fields = ("site", "external_id", "user", "email", "created_at", "last_seen_at")


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ("event_id", "kind", "site", "external_id", "received_at")
    list_filter = ("site", "kind")
    readonly_fields = ("site", "event_id", "kind", "external_id", "received_at")
