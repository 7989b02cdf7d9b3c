from django.apps import AppConfig


class LiveConfig(AppConfig):
    name = "parley.live"
    label = "live"
    verbose_name = "Live discussion"

    def ready(self) -> None:
        from parley.discussion import events as discussion_events
        from parley.live import events

        # dispatch_uid keeps a second ready() (tests, reloads) from connecting twice.
        discussion_events.comment_posted.connect(
            events.on_comment_event, dispatch_uid="live.comment_posted"
        )
        discussion_events.comment_changed.connect(
            events.on_comment_event, dispatch_uid="live.comment_changed"
        )
        discussion_events.vote_changed.connect(
            events.on_vote_event, dispatch_uid="live.vote_changed"
        )
