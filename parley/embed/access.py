"""The only way the embed loads a site and the article of a host page. The page's address
and title come from the host page: untrusted text, checked here before anything is read
or created."""

from django.utils.text import slugify

from parley.api.selectors import normalise_url
from parley.articles.models import Article
from parley.discussion import access as discussion_access
from parley.embed import actions
from parley.embed.models import EmbedSite
from parley.embed.origins import origin_of_url
from parley.errors import Forbidden, InvalidInput, NotFound
from parley.text import clean_plain_text

MAX_URL = 500


class OriginNotAllowed(Forbidden):
    code = "origin_not_allowed"
    message = "This site does not allow its discussions to be shown on that page."


def access_embed_site(*, key: str | None) -> EmbedSite:
    try:
        return EmbedSite.objects.select_related("site").get(site__key=(key or "")[:50])
    except EmbedSite.DoesNotExist:
        raise NotFound("No site with this key can be embedded.") from None


def check_host_page(*, embed: EmbedSite, origin: str | None, url: str | None) -> str:
    """The host page's canonical URL, normalised, when both the page framing the widget
    (`origin`) and the URL are on the site's allowed origins."""
    if not embed.allows(origin):
        raise OriginNotAllowed()
    url = normalise_url(url or "")
    if not url or len(url) > MAX_URL:
        raise InvalidInput("The page's URL is missing or too long.", code="bad_url")
    if not embed.allows(origin_of_url(url)):
        raise OriginNotAllowed("The page's URL is not on an origin this site allows.")
    return url


def access_embedded_article(*, embed: EmbedSite, url: str, title: str | None) -> Article:
    """The site's article with this canonical URL; created from the URL and title on
    first sight when the site allows it (`url` was checked by check_host_page)."""
    try:
        return discussion_access.access_article_by_url(site_id=embed.site_id, url=url)
    except NotFound:
        if not embed.auto_create_articles:
            raise NotFound("This page has no discussion yet.") from None
    clean_title = clean_plain_text(title or "", max_length=300) or url
    return actions.do_create_embedded_article(
        site=embed.site, url=url, title=clean_title, slug=slugify(clean_title)[:180] or "article"
    )
