"""Threads of the source onto Parley articles (and sites).

A thread is mapped when its first comment is written: threads without comments (most of
a Disqus export) create nothing. The article is the one already mapped for this thread
in an earlier import, else the site's article with the same canonical URL, else the one
with the slug derived from the URL, else a new article made from the thread's title and
link. Several threads reaching one article are merged there.
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.text import slugify

from parley.articles.models import Article, Author, Site
from parley.importers.models import ImportedThread, ImportRun
from parley.importers.records import SiteHint, ThreadRecord
from parley.importers.report import ImportReport
from parley.importers.urlmap import UrlMapper, absolute, url_key


class SiteChoiceError(Exception):
    pass


def choose_site(key: str | None) -> Site | None:
    """The site named by --site, else the only (or default) site; None when there is no
    site yet (one is then made from the file)."""
    if key:
        site = Site.objects.filter(key=key).first()
        if site is None:
            known = ", ".join(Site.objects.values_list("key", flat=True)) or "none yet"
            raise SiteChoiceError(f"no site with key {key!r} (sites: {known})")
        return site
    if settings.PARLEY_DEFAULT_SITE:
        default = Site.objects.filter(key=settings.PARLEY_DEFAULT_SITE).first()
        if default is not None:
            return default
    sites = list(Site.objects.order_by("id")[:2])
    if len(sites) > 1:
        known = ", ".join(Site.objects.values_list("key", flat=True))
        raise SiteChoiceError(f"several sites exist: choose one with --site ({known})")
    return sites[0] if sites else None


@dataclass(slots=True)
class Mapped:
    article_id: int
    site_id: int
    created_at: datetime | None


class ArticleMapper:
    def __init__(
        self,
        *,
        source: str,
        site: Site | None,
        fixed_site: bool,
        urls: UrlMapper,
        report: ImportReport,
    ) -> None:
        self.source = source
        self.site = site
        self.fixed_site = fixed_site
        self.urls = urls
        self.report = report
        self.threads: dict[str, ThreadRecord] = {}
        self.hints: dict[str, SiteHint] = {}
        self.mapped: dict[str, Mapped] = {}
        self.sites: dict[str, Site] = {}
        self._by_slug: dict[int, dict[str, int]] = {}
        self._by_url: dict[int, dict[str, int]] = {}
        self._used_articles: set[int] = set()
        self._earlier_threads: dict[int, dict[str, int]] = {}
        self.to_close: set[int] = set()
        self.touched: set[int] = set()
        # Articles this run created: every comment on them is one this run writes.
        self.created: set[int] = set()

    def add_thread(self, thread: ThreadRecord) -> None:
        if thread.key in self.threads:
            self.report.warn("thread declared twice: the first declaration kept", thread.key)
            return
        self.threads[thread.key] = thread

    def add_hint(self, hint: SiteHint) -> None:
        self.hints.setdefault(hint.key, hint)

    def site_for(self, thread: ThreadRecord) -> Site:
        if self.fixed_site and self.site is not None:
            return self.site
        if thread.site_key:
            site = self.sites.get(thread.site_key)
            if site is None:
                hint = self.hints.get(thread.site_key, SiteHint(thread.site_key, thread.site_key))
                site, _ = Site.objects.get_or_create(
                    key=slugify(hint.key)[:50] or "imported",
                    defaults={"name": hint.name[:120] or hint.key, "domain": hint.domain[:200]},
                )
                self.sites[thread.site_key] = site
            return site
        if self.site is None:
            hint = next(iter(self.hints.values()), SiteHint("imported", "Imported discussions"))
            self.site, _ = Site.objects.get_or_create(
                key=slugify(hint.key)[:50] or "imported",
                defaults={"name": hint.name[:120] or hint.key, "domain": hint.domain[:200]},
            )
        return self.site

    def resolve(self, keys: set[str], run: ImportRun | None) -> dict[str, Mapped]:
        """Maps each thread key of a batch onto its article (creating missing articles in
        one bulk insert); threads the file never declared are left out."""
        todo = sorted(k for k in keys if k not in self.mapped and k in self.threads)
        if not todo:
            return self.mapped
        new_articles: dict[tuple[int, str], Article] = {}
        plan: list[tuple[str, Site, int | None, tuple[int, str] | None, str]] = []
        for key in todo:
            thread = self.threads[key]
            site = self.site_for(thread)
            earlier = self._earlier(site).get(key[:500])
            if earlier is not None:
                plan.append((key, site, earlier, None, "earlier"))
                continue
            article_id, slug, url = self._find(thread, site)
            if article_id is not None:
                plan.append((key, site, article_id, None, "matched"))
                continue
            if (site.pk, slug) not in new_articles:
                new_articles[(site.pk, slug)] = self._new_article(thread, site, slug, url)
            plan.append((key, site, None, (site.pk, slug), "created"))
        Article.objects.bulk_create(list(new_articles.values()), batch_size=500)
        for (site_pk, slug), article in new_articles.items():
            self._by_slug[site_pk][slug] = article.pk
            if article.canonical_url:
                self._by_url[site_pk].setdefault(url_key(article.canonical_url), article.pk)
        links = []
        for key, site, article_id, new_key, how in plan:
            thread = self.threads[key]
            if article_id is None:
                assert new_key is not None
                article_id = new_articles[new_key].pk
            if how != "earlier":
                links.append(
                    ImportedThread(
                        site=site,
                        source=self.source,
                        source_id=key[:500],
                        article_id=article_id,
                        url=thread.url[:2000],
                        title=thread.title[:300],
                        run=run,
                    )
                )
            self._count(thread, article_id, how)
            self.mapped[key] = Mapped(article_id, site.pk, thread.created_at)
        ImportedThread.objects.bulk_create(links, batch_size=500)
        return self.mapped

    def _count(self, thread: ThreadRecord, article_id: int, how: str) -> None:
        self.report.threads_with_comments += 1
        if article_id in self._used_articles:
            self.report.threads_merged += 1
        elif how == "created":
            self.report.articles_created += 1
            self.created.add(article_id)
        else:
            self.report.articles_matched += 1
        self._used_articles.add(article_id)
        if thread.closed:
            self.to_close.add(article_id)
        if thread.deleted:
            self.report.warn("thread marked deleted in the source: its comments kept", thread.key)
        self.touched.add(article_id)

    def _earlier(self, site: Site) -> dict[str, int]:
        if site.pk not in self._earlier_threads:
            self._earlier_threads[site.pk] = dict(
                ImportedThread.objects.filter(site=site, source=self.source).values_list(
                    "source_id", "article_id"
                )
            )
        return self._earlier_threads[site.pk]

    def _find(self, thread: ThreadRecord, site: Site) -> tuple[int | None, str, str]:
        by_slug, by_url = self._site_index(site)
        url = self.urls.map(thread.url, thread.key)
        article = thread.article or {}
        slug = slugify(article.get("slug") or "")[:200] or self.urls.slug(
            url, hint=thread.slug_hint, title=thread.title, ref=thread.key
        )
        found = by_url.get(url_key(url)) if url else None
        if found is None:
            found = by_slug.get(slug)
        return found, slug, url

    def _new_article(self, thread: ThreadRecord, site: Site, slug: str, url: str) -> Article:
        article = thread.article or {}
        return Article(
            site=site,
            slug=slug,
            title=(article.get("title") or thread.title or slug.replace("-", " "))[:300],
            standfirst=(article.get("standfirst") or "")[:500],
            body=article.get("body") or "",
            canonical_url=absolute(article.get("canonical_url") or url, site.domain),
            published_at=thread.created_at or timezone.now(),
            discussion_closed=bool(article.get("discussion_closed")),
            author=self._author(site, article.get("author")),
        )

    def _site_index(self, site: Site) -> tuple[dict[str, int], dict[str, int]]:
        if site.pk not in self._by_slug:
            by_slug: dict[str, int] = {}
            by_url: dict[str, int] = {}
            for pk, slug, canonical in Article.objects.filter(site=site).values_list(
                "pk", "slug", "canonical_url"
            ):
                by_slug[slug] = pk
                if canonical:
                    by_url.setdefault(url_key(canonical), pk)
            self._by_slug[site.pk], self._by_url[site.pk] = by_slug, by_url
        return self._by_slug[site.pk], self._by_url[site.pk]

    def _author(self, site: Site, data: dict | None) -> Author | None:
        if not data or not data.get("slug"):
            return None
        author, _ = Author.objects.get_or_create(
            site=site,
            slug=slugify(data["slug"])[:120] or "author",
            defaults={
                "name": (data.get("name") or data["slug"])[:120],
                "bio": data.get("bio") or "",
                "social_handle": (data.get("social_handle") or "")[:60],
            },
        )
        return author

    def close_discussions(self) -> None:
        if self.to_close:
            closed = Article.objects.filter(pk__in=self.to_close, discussion_closed=False).update(
                discussion_closed=True
            )
            self.report.discussions_closed += closed
