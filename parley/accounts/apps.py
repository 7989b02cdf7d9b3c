from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "parley.accounts"
    label = "accounts"
    verbose_name = "Accounts and entitlements"
