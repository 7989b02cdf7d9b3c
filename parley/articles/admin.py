from django.contrib import admin

from parley.articles.models import Article, Author, Site


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = (
        "name", "key", "domain", "edit_window_minutes", "comments_page_size", "erasure_policy",
    )  # fmt: skip
    prepopulated_fields = {"key": ("name",)}


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ("name", "site", "social_handle")
    list_filter = ("site",)
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ("title", "site", "author", "published_at", "comment_count")
    list_filter = ("site", "discussion_closed")
    search_fields = ("title", "standfirst")
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = ("comment_count", "updated_at")
    fieldsets = (
        (None, {"fields": ("site", "title", "slug", "standfirst", "author", "published_at")}),
        (
            "Body",
            {
                "fields": ("body",),
                "description": "Blocks separated by blank lines. Start a block with '> ' "
                "for a pull quote, '## ' for a subheading.",
            },
        ),
        ("Image", {"fields": ("image_url", "image_alt", "image_caption", "image_credit")}),
        ("Discussion", {"fields": ("discussion_closed", "comment_count", "canonical_url")}),
    )
