"""The embed in a real browser: the example publisher page (examples/publisher/server.py)
served from a second origin embeds Parley's widget from the live server; a subscriber
signs in through single sign-on and posts; a page on an origin the site does not allow
gets nothing; the count widget shows the right numbers."""

import importlib.util
import os
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from parley import factories
from parley.articles.models import Article
from parley.discussion.models import Comment
from parley.embed.models import EmbedSite
from parley.sso.models import SiteSso, SsoIdentity

# live_server runs Django in a thread while Playwright's sync API runs an event loop here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "publisher" / "server.py"
SECRET = "browser-test-sso-secret-long-enough-for-hs256"
SLUG = "night-train-arithmetic"


def load_example():
    spec = importlib.util.spec_from_file_location("example_publisher", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.SECRET = SECRET
    return module


class Publisher:
    """The example publisher site on 127.0.0.1 (Parley's live server is on localhost:
    another origin, as on the web)."""

    def __init__(self, parley: str, site: str) -> None:
        example = load_example()
        handler = type("Handler", (example.Publisher,), {"parley": parley, "site": site})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def publishers(live_server) -> Iterator[list[Publisher]]:
    started: list[Publisher] = []

    def start(site_key: str) -> Publisher:
        publisher = Publisher(live_server.url, site_key)
        started.append(publisher)
        return publisher

    yield start  # type: ignore[misc]
    for publisher in started:
        publisher.close()


@pytest.fixture(autouse=True)
def patient_expect():
    """Signing in crosses two origins and three servers: give a loaded machine time."""
    expect.set_options(timeout=15_000)
    yield
    expect.set_options(timeout=5_000)


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def setup_site(site, allowed: str) -> Article:
    EmbedSite.objects.create(site=site, allowed_origins=allowed, auto_create_articles=True)
    SiteSso.objects.create(site=site, shared_secret=SECRET)
    article = factories.make_article(
        site, slug=SLUG, title="The night train", canonical_url=f"{allowed}/articles/{SLUG}.html"
    )
    factories.make_comment(article, body="Sleepers need two passengers a day.")
    factories.make_comment(article, body="Or a higher fare.")
    return article


def test_a_subscriber_signs_in_through_sso_and_posts(page: Page, site, publishers):
    publisher = publishers(site.key)
    article = setup_site(site, publisher.origin)

    page.goto(f"{publisher.origin}/")
    counts = page.locator("[data-parley-count]")
    expect(counts.nth(1)).to_have_text("2 Comments")
    expect(counts.nth(0)).to_have_text("0 Comments")

    page.goto(f"{publisher.origin}/articles/{SLUG}.html")
    page.wait_for_load_state("networkidle")  # the frame has said it is ready
    frame = page.frame_locator("iframe[title=Comments]")
    expect(frame.locator(".comment-count")).to_have_text("2 Comments")
    expect(frame.locator("text=Sleepers need two passengers a day.")).to_be_visible()
    expect(frame.locator(".join-call")).to_be_visible()  # a guest: the call to subscribe
    height = page.locator("iframe[title=Comments]").evaluate("f => f.offsetHeight")
    assert height > 300  # resized to its content

    page.get_by_role("button", name="Sign in as Ada (subscriber)").click()
    expect(frame.locator("[data-embed-account]")).to_have_text("Signed in as Ada Reader")
    expect(frame.locator("#new-comment")).to_be_visible()
    page.wait_for_load_state("networkidle")
    frame.locator("#new-comment").fill("Posted from the **publisher's** page.")
    frame.get_by_role("button", name="Post comment").click()
    expect(frame.locator(".comment-count")).to_have_text("3 Comments")
    expect(frame.locator("strong", has_text="publisher's")).to_be_visible()

    comment = Comment.objects.get(body__startswith="Posted from")
    assert comment.article_id == article.pk
    assert SsoIdentity.objects.get(user=comment.author).external_id == "ada"

    # Signing out on the host page signs the widget out.
    page.get_by_role("button", name="Sign out").click()
    expect(frame.locator("[data-embed-account]")).to_be_hidden()
    expect(frame.locator("#new-comment")).to_have_count(0)
    page.wait_for_load_state("networkidle")  # no request outlives the test's database


def test_a_page_on_an_origin_not_allowed_gets_nothing(page: Page, site, publishers):
    allowed = publishers(site.key)
    setup_site(site, allowed.origin)
    stranger = publishers(site.key)  # the same page, served where the site does not allow

    page.goto(f"{stranger.origin}/articles/{SLUG}.html")
    page.wait_for_load_state("networkidle")

    frame = page.frame_locator("iframe[title=Comments]")
    expect(frame.locator(".discussion")).to_have_count(0)
    expect(page.locator("text=Sleepers need two passengers a day.")).to_have_count(0)
    expect(page.locator("[data-parley-count]")).to_have_text("")
    assert not Article.objects.filter(canonical_url__startswith=stranger.origin).exists()
