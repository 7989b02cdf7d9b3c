"""The account page and the data download, under /accounts/ (docs/accounts.md). Django's
own sign-in views share the prefix (parley/urls.py)."""

from django.urls import path

from parley.accounts import views

urlpatterns = [
    path("", views.account, name="account"),
    path("data.json", views.account_data, name="account_data"),
]
