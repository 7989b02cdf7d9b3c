from django.contrib import admin

from parley.importers.models import ImportedIdentity, ImportRun


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = ("source", "file_name", "site", "started_at", "finished_at")
    list_filter = ("source", "site")
    readonly_fields = ("source", "file_name", "site", "started_at", "finished_at", "report")


@admin.register(ImportedIdentity)
class ImportedIdentityAdmin(admin.ModelAdmin):
    list_display = ("source", "source_id", "name", "user", "claimed_at")
    list_filter = ("source",)
    search_fields = ("name", "source_id")
    raw_id_fields = ("user", "run")
