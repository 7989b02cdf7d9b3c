"""Read cache for guests: whole discussion pages (and API JSON) per article, sort and
cursor, under a per-article version that every change to the discussion bumps.
docs/performance.md has the design; other apps call `versions.bump_article(article_id)`
when they change what a guest sees of an article by other means than the discussion
events."""
