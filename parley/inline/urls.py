from django.urls import path

from parley.inline import views

app_name = "inline"

urlpatterns = [
    path("articles/<int:article_id>/passages.json", views.passages, name="passages"),
    path("articles/<int:article_id>/feedback/", views.feedback, name="feedback"),
    path("articles/<int:article_id>/annotations.jsonld", views.annotations, name="annotations"),
    path("articles/<int:article_id>/host-text", views.host_text, name="host_text"),
]
