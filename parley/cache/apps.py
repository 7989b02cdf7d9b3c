from django.apps import AppConfig


class CacheConfig(AppConfig):
    name = "parley.cache"
    label = "parley_cache"
    verbose_name = "Read cache"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from parley.articles.models import Article, Site
        from parley.cache import local, versions
        from parley.discussion import events

        # The discussion's own changes arrive after their transaction commits (events.py),
        # so a guest who reads the new version also reads the committed rows.
        for signal, name in (
            (events.comment_posted, "posted"),
            (events.comment_changed, "changed"),
            (events.vote_changed, "vote"),
        ):
            signal.connect(versions.on_discussion_event, dispatch_uid=f"cache.{name}")
        # An editor's change to an article (title, body, closing the discussion) shows on
        # its page too; a site's change (its domain) may move every page.
        post_save.connect(versions.on_article_saved, sender=Article, dispatch_uid="cache.art")
        post_delete.connect(versions.on_article_saved, sender=Article, dispatch_uid="cache.art-")
        post_save.connect(versions.on_site_saved, sender=Site, dispatch_uid="cache.site")
        post_delete.connect(versions.on_site_saved, sender=Site, dispatch_uid="cache.site-")
        # Sites and site policies kept in this process (local.py): forgotten at the save,
        # and again when it commits (versions.bump_generation).
        for signal, suffix in ((post_save, ""), (post_delete, "-")):
            signal.connect(local.clear, sender=Site, dispatch_uid=f"cache.local-site{suffix}")
        # Moderation's policies show on the page (a discussion held for review, closing).
        from parley.moderation.models import ArticlePolicy, SitePolicy

        for signal, suffix in ((post_save, ""), (post_delete, "-")):
            signal.connect(
                versions.on_policy_saved, sender=ArticlePolicy, dispatch_uid=f"cache.ap{suffix}"
            )
            signal.connect(
                versions.on_site_saved, sender=SitePolicy, dispatch_uid=f"cache.sp{suffix}"
            )
            signal.connect(local.clear, sender=SitePolicy, dispatch_uid=f"cache.local-sp{suffix}")
