from django.urls import path

from parley.embed import views

urlpatterns = [
    path("embed.js", views.embed_js, name="embed_js"),
    path("embed/", views.embed_page, name="embed_page"),
]
