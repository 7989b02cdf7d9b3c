"""Articles: the list, one article by id or by canonical URL, and comment counts for many
articles in one call (for the publisher's article lists and the count widget)."""

from django.http import HttpRequest
from ninja import Query, Router

from parley.api import auth, present
from parley.api import selectors as api_selectors
from parley.api.errors import READ_ERRORS
from parley.api.schemas import (
    ArticleCountOut,
    ArticleListOut,
    ArticleOut,
    CountsOut,
    PositiveId,
    UrlText,
    article_id_param,
    site_param,
)
from parley.discussion import access

router = Router(tags=["articles"])

MAX_BATCH = 100
IDS = Query([], max_length=MAX_BATCH, description="Article ids.")
URLS = Query([], max_length=MAX_BATCH, description="Canonical URLs.")


@router.get("/articles", response={200: ArticleListOut, **READ_ERRORS})
def list_articles(
    request: HttpRequest,
    site: str | None = site_param(),
    page: int = Query(1, ge=1, le=10_000),
    page_size: int = Query(20, ge=1, le=100),
):
    """The site's published articles, newest first, with their comment counts."""
    rows, more = api_selectors.article_list(
        site=auth.site_for(request, site), page=page, page_size=page_size
    )
    return ArticleListOut(
        items=[present.article_out(request, a) for a in rows],
        page=page,
        next_page=page + 1 if more else None,
    )


@router.get("/articles/lookup", response={200: ArticleOut, **READ_ERRORS})
def lookup_article(request: HttpRequest, url: UrlText, site: str | None = site_param()):
    """The article whose canonical URL is `url` (its #fragment ignored)."""
    the_site = auth.site_for(request, site)
    article = access.access_article_by_url(
        site_id=the_site.pk, url=api_selectors.normalise_url(url)
    )
    return present.article_out(request, article)


@router.get("/articles/counts", response={200: CountsOut, **READ_ERRORS})
def article_counts(
    request: HttpRequest,
    site: str | None = site_param(),
    ids: list[PositiveId] = IDS,
    urls: list[UrlText] = URLS,
):
    """Comment counts of many articles of one site, by id and/or canonical URL, in one
    call. Unknown ids and URLs are left out of the answer."""
    the_site = auth.site_for(request, site)
    found = api_selectors.comment_counts(
        site=the_site, ids=ids, urls=[api_selectors.normalise_url(u) for u in urls]
    )
    return CountsOut(
        site=the_site.key,
        counts=[
            ArticleCountOut(
                article_id=a.pk,
                canonical_url=a.canonical_url or None,
                comment_count=a.comment_count,
            )
            for a in found
        ],
    )


@router.get("/articles/{article_id}", response={200: ArticleOut, **READ_ERRORS})
def get_article(request: HttpRequest, article_id: int = article_id_param()):
    article = access.access_article_by_id(
        article_id=article_id, site_id=auth.principal(request).scope_site_id
    )
    return present.article_out(request, article)
