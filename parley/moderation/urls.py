from django.urls import path

from parley.moderation import views

app_name = "moderation"

urlpatterns = [
    path("", views.desk, name="desk"),
    path("queue/<slug:queue>/", views.queue, name="queue"),
    path("comments/<int:comment_id>/", views.comment_detail, name="comment"),
    path("comments/<int:comment_id>/<slug:action>/", views.comment_action, name="comment_action"),
    path("bulk/", views.bulk, name="bulk"),
    path("users/<int:user_id>/", views.user_detail, name="user"),
    path("users/<int:user_id>/<slug:action>/", views.user_action, name="user_action"),
    path("sanctions/<int:sanction_id>/lift/", views.lift, name="lift"),
    path("articles/<int:article_id>/closed/", views.set_closed, name="set_closed"),
    path("report/<int:comment_id>/", views.report, name="report"),
    path("appeal/<int:comment_id>/", views.appeal, name="appeal"),
    path("picks/<slug:slug>/", views.picks, name="picks"),
]
