from django.apps import AppConfig


class DiscussionConfig(AppConfig):
    name = "parley.discussion"
    label = "discussion"
    verbose_name = "Discussion"
