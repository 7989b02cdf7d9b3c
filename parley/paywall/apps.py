from django.apps import AppConfig


class PaywallConfig(AppConfig):
    name = "parley.paywall"
    label = "paywall"
    verbose_name = "Metered paywall"
