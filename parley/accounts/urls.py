"""The account page and its two ways out, under /accounts/ (docs/accounts.md). Django's
own sign-in views share the prefix (parley/urls.py)."""

from django.urls import path

from parley.accounts import views

urlpatterns = [
    path("", views.account, name="account"),
    path("data.json", views.account_data, name="account_data"),
    path("delete/", views.account_delete, name="account_delete"),
    path("deleted/", views.account_deleted, name="account_deleted"),
]
