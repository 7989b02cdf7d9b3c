from django.urls import path

from parley.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:notification_id>/open/", views.open_notification, name="open"),
    path("read-all/", views.read_all, name="read_all"),
    path("preferences/", views.preferences, name="preferences"),
    path("follows/<int:follow_id>/stop/", views.stop_follow, name="stop_follow"),
    path("mutes/<int:mute_id>/stop/", views.stop_mute, name="stop_mute"),
    path("follow/<slug:slug>/", views.follow_discussion, name="follow_discussion"),
    path("follow-replies/<int:comment_id>/", views.follow_replies, name="follow_replies"),
    path("unsubscribe/<str:scope>/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("mentions/<slug:slug>/", views.mention_suggestions, name="mentions"),
    path("outbox/", views.outbox, name="outbox"),
    path("outbox/<int:message_id>/", views.outbox_message, name="outbox_message"),
]
