from django.contrib import admin

from parley.embed.models import EmbedSite


@admin.register(EmbedSite)
class EmbedSiteAdmin(admin.ModelAdmin):
    list_display = ("site", "auto_create_articles", "subscribe_url")
    fields = ("site", "allowed_origins", "auto_create_articles", "subscribe_url")
