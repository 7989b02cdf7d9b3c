from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from parley.accounts.models import SiteRole, Subscription, User


class SubscriptionInline(admin.TabularInline):
    model = Subscription
    extra = 0


class SiteRoleInline(admin.TabularInline):
    model = SiteRole
    extra = 0


@admin.register(User)
class ParleyUserAdmin(UserAdmin):
    fieldsets = (*(UserAdmin.fieldsets or ()), ("Public profile", {"fields": ("display_name",)}))
    list_display = ("username", "display_name", "email", "is_staff")
    search_fields = ("username", "display_name", "email")
    inlines = (SubscriptionInline, SiteRoleInline)


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ("user", "site", "plan", "starts_at", "ends_at", "source")
    list_filter = ("site", "plan", "source")
    search_fields = ("user__username", "user__display_name")
    raw_id_fields = ("user",)
