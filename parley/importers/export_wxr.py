"""`parley export --format wxr`: a WordPress eXtended RSS 1.2 file, so a publisher can
move to WordPress (its importer, and ours, read it).

One `<item>` per article with comments, its comments as `<wp:comment>` in thread order.
Statuses: visible → approved `1`, pending → `0`, spam → `spam`; tombstones are exported
as approved comments reading "This comment was deleted." (or "…removed…") with the meta
`parley_status`, so the replies under them keep their place in WordPress; Parley's own
WordPress importer reads that meta back as a tombstone. Vote totals travel as wpDiscuz
meta (`wpdiscuz_votes`, `wpdiscuz_votes_seperate`). No e-mail address or IP is written.
"""

from datetime import UTC
from typing import IO

from parley.articles.models import Article, Site
from parley.discussion.models import Comment, CommentStatus

APPROVED = {
    CommentStatus.VISIBLE: "1",
    CommentStatus.PENDING: "0",
    CommentStatus.SPAM: "spam",
    CommentStatus.DELETED: "1",
    CommentStatus.REMOVED: "1",
}
PLACEHOLDER = {
    CommentStatus.DELETED: "This comment was deleted.",
    CommentStatus.REMOVED: "This comment was removed by a moderator.",
}


def cdata(value: str) -> str:
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _php_votes(up: int, down: int) -> str:
    return f'a:2:{{s:4:"like";i:{up};s:7:"dislike";i:{down};}}'


def _wp_date(value) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def export_wxr(out: IO[str], site: Site) -> dict[str, int]:
    counts = {"articles": 0, "comments": 0}
    base = f"https://{site.domain}" if site.domain else ""
    out.write(
        '<?xml version="1.0" encoding="UTF-8" ?>\n'
        '<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:wfw="http://wellformedweb.org/CommentAPI/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:wp="http://wordpress.org/export/1.2/">\n<channel>\n'
        f"<title>{cdata(site.name)}</title>\n<link>{cdata(base)}</link>\n"
        f"<description>{cdata(site.tagline)}</description>\n"
        "<wp:wxr_version>1.2</wp:wxr_version>\n"
        f"<wp:base_site_url>{cdata(base)}</wp:base_site_url>\n"
        f"<wp:base_blog_url>{cdata(base)}</wp:base_blog_url>\n"
    )
    articles = Article.objects.filter(site=site, comments__isnull=False).distinct().order_by("id")
    for article in articles.iterator(chunk_size=500):
        counts["articles"] += 1
        link = article.canonical_url or f"{base}{article.get_absolute_url()}"
        out.write(
            "<item>\n"
            f"<title>{cdata(article.title)}</title>\n<link>{cdata(link)}</link>\n"
            f"<content:encoded>{cdata(article.body)}</content:encoded>\n"
            f"<wp:post_id>{article.pk}</wp:post_id>\n"
            f"<wp:post_date_gmt>{_wp_date(article.published_at)}</wp:post_date_gmt>\n"
            f"<wp:post_name>{cdata(article.slug)}</wp:post_name>\n"
            f"<wp:comment_status>{'closed' if article.discussion_closed else 'open'}"
            "</wp:comment_status>\n<wp:status>publish</wp:status>\n"
            "<wp:post_type>post</wp:post_type>\n"
        )
        rows = Comment.objects.filter(article=article).select_related("author").order_by("path")
        for comment in rows.iterator(chunk_size=2000):
            counts["comments"] += 1
            out.write(_comment(comment))
        out.write("</item>\n")
    out.write("</channel>\n</rss>\n")
    return counts


def _comment(c: Comment) -> str:
    content = PLACEHOLDER.get(c.status, c.body_html)  # type: ignore[call-overload]
    name = (c.author.display_name if c.author is not None else c.author_name) or "Anonymous"
    meta = [
        ("wpdiscuz_votes", str(c.score)),
        ("wpdiscuz_votes_seperate", _php_votes(c.upvotes, c.downvotes)),
    ]
    if c.status in PLACEHOLDER:
        meta.append(("parley_status", c.status))
    metas = "".join(
        f"<wp:commentmeta><wp:meta_key>{cdata(k)}</wp:meta_key>"
        f"<wp:meta_value>{cdata(v)}</wp:meta_value></wp:commentmeta>\n"
        for k, v in meta
    )
    return (
        "<wp:comment>\n"
        f"<wp:comment_id>{c.pk}</wp:comment_id>\n"
        f"<wp:comment_author>{cdata(name)}</wp:comment_author>\n"
        "<wp:comment_author_email></wp:comment_author_email>\n"
        "<wp:comment_author_url></wp:comment_author_url>\n"
        f"<wp:comment_date_gmt>{_wp_date(c.created_at)}</wp:comment_date_gmt>\n"
        f"<wp:comment_content>{cdata(content)}</wp:comment_content>\n"
        f"<wp:comment_approved>{APPROVED.get(c.status, '0')}</wp:comment_approved>\n"  # type: ignore[call-overload]
        "<wp:comment_type>comment</wp:comment_type>\n"
        f"<wp:comment_parent>{c.parent_id or 0}</wp:comment_parent>\n"
        "<wp:comment_user_id>0</wp:comment_user_id>\n"
        f"{metas}</wp:comment>\n"
    )
