from django.urls import path

from parley.live import views

app_name = "live"

urlpatterns = [
    path("articles/<int:article_id>/stream", views.stream, name="stream"),
    path("articles/<int:article_id>/events", views.events, name="events"),
    path("articles/<int:article_id>/comments", views.comments, name="comments"),
    path("articles/<int:article_id>/ticket", views.ticket, name="ticket"),
]
