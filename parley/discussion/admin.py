from django.contrib import admin

from parley.discussion.models import Comment


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ("id", "article", "author", "status", "score", "created_at")
    list_filter = ("status",)
    search_fields = ("body",)
    raw_id_fields = ("article", "author", "parent", "root")
    readonly_fields = ("path", "depth", "body_html", "upvotes", "downvotes", "score")
