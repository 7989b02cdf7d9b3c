from django.contrib import admin

from parley.paywall.models import MeterRead


@admin.register(MeterRead)
class MeterReadAdmin(admin.ModelAdmin):
    list_display = ("user", "site", "article", "month", "read_at")
    list_filter = ("site", "month")
    raw_id_fields = ("user", "article")
