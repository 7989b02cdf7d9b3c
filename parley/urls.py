from django.contrib import admin
from django.urls import include, path

from parley.accounts import views as account_views
from parley.api.api import api
from parley.articles import views as article_views
from parley.discussion import views as discussion_views

urlpatterns = [
    path("", article_views.front_page, name="front_page"),
    path("articles/<slug:slug>/", article_views.article_page, name="article"),
    path(
        "articles/<slug:slug>/comments/<int:comment_id>/",
        article_views.permalink,
        name="permalink",
    ),
    path("articles/<slug:slug>/comments/", discussion_views.post_comment, name="post_comment"),
    path(
        "articles/<slug:slug>/threads/<int:comment_id>/",
        discussion_views.more_replies,
        name="more_replies",
    ),
    path("comments/<int:comment_id>/vote/", discussion_views.vote, name="vote"),
    path("comments/<int:comment_id>/edit/", discussion_views.edit_comment, name="edit_comment"),
    path(
        "comments/<int:comment_id>/delete/", discussion_views.delete_comment, name="delete_comment"
    ),
    path("subscribe/", article_views.subscribe, name="subscribe"),
    path("notifications/", include("parley.notifications.urls")),
    path("accounts/signup/", account_views.signup, name="signup"),
    path("accounts/", include("parley.accounts.urls")),  # account page, download, erasure
    path("accounts/", include("django.contrib.auth.urls")),
    path("live/", include("parley.live.urls")),
    path("inline/", include("parley.inline.urls")),
    path("moderation/", include("parley.moderation.urls")),  # the desk (docs/moderation.md)
    path("api/v1/", api.urls),
    path("", include("parley.embed.urls")),  # /embed.js and /embed/ (docs/embed.md)
    path("", include("parley.ops.urls")),  # /healthz, /metrics (parley/ops)
    path("admin/", admin.site.urls),
]
