"""The demo's embedding: the example publisher page (examples/publisher, served by
`parley demo` on port 8001) may embed the demo site, sign its readers in, and turns on
the metered paywall. The secrets are for the demo only; a real site's are set in the
admin (Embed widget, Single sign-on)."""

from parley.articles.models import Article, Site
from parley.embed.models import EmbedSite
from parley.sso.models import SiteSso

DEMO_SITE = "demo"
PUBLISHER = "http://127.0.0.1:8001"
ORIGINS = f"{PUBLISHER}\nhttp://localhost:8001"
# DEMO ONLY: published in the repository, so anyone can sign tokens with them.
DEMO_SSO_SECRET = "parley-demo-sso-secret-do-not-use-in-production"  # noqa: S105
DEMO_WEBHOOK_SECRET = "parley-demo-webhook-secret-do-not-use-in-production"  # noqa: S105
DEMO_METER = 3


def load_demo_embed() -> None:
    """Idempotent: sets up what is missing, never overwrites an editor's changes."""
    site = Site.objects.filter(key=DEMO_SITE).first()
    if site is None:
        return
    EmbedSite.objects.get_or_create(
        site=site, defaults={"allowed_origins": ORIGINS, "auto_create_articles": True}
    )
    _sso, created = SiteSso.objects.get_or_create(
        site=site,
        defaults={"shared_secret": DEMO_SSO_SECRET, "webhook_secret": DEMO_WEBHOOK_SECRET},
    )
    if created:
        Site.objects.filter(pk=site.pk).update(meter_free_articles=DEMO_METER)
    for article in Article.objects.filter(site=site, canonical_url=""):
        article.canonical_url = f"{PUBLISHER}/articles/{article.slug}.html"
        article.save(update_fields=["canonical_url"])
