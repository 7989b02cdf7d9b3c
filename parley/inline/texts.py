"""Which text an article's passages are over.

Parley's own articles: the plain text of the body (`parley.articles.body.plain_text`).
An embedded article whose body is empty (made on first embed, docs/embed.md): the text the
host page sent last (`TextSource.HOST` revisions, `views.host_text`). A body written later
takes over from the host's text."""

from parley.articles.body import plain_text
from parley.articles.models import Article
from parley.inline.models import ArticleRevision, TextSource


def current_revision(article: Article) -> ArticleRevision | None:
    return ArticleRevision.objects.filter(article=article).order_by("-number").first()


def article_text(article: Article, latest: ArticleRevision | None = None) -> str:
    """The plain text passages of `article` are over now (one query at most; none when
    the body has text or `latest` is given)."""
    text = plain_text(article.body)
    if text:
        return text
    if latest is None:
        latest = current_revision(article)
    if latest is not None and latest.source == TextSource.HOST:
        return latest.text
    return ""
