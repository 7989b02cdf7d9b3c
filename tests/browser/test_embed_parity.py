"""The embedded widget keeps up with the article page (docs/embed.md): live updates in the
frame, also for a reader signed in through single sign-on (a stream ticket, since
EventSource sends no bearer key), and inline feedback on the host page's own article
element (data-parley-article)."""

import os

import pytest
from playwright.sync_api import Browser, Page, expect

from parley import factories
from parley.discussion.models import Comment
from parley.embed.models import EmbedSite
from parley.inline.models import Anchor, ArticleRevision, TextSource
from parley.sso.models import SiteSso
from tests.browser import test_embed

SECRET, SLUG = test_embed.SECRET, test_embed.SLUG
# The example publisher's site on a second origin, as in test_embed.py.
publishers = test_embed.publishers
patient_expect = test_embed.patient_expect
fast_passwords = test_embed.fast_passwords

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSAGE = "The fare has to cover all of that"  # wraps over two lines in the page's source


@pytest.fixture(autouse=True)
def live_settings(settings):
    settings.REDIS_URL = ""  # the in-process broker: the live server is one process
    settings.PARLEY_LIVE_HEARTBEAT_SECONDS = 1


@pytest.fixture
def windows(browser: Browser):
    contexts = []

    def open_window() -> Page:
        context = browser.new_context(viewport={"width": 1000, "height": 800})
        contexts.append(context)
        return context.new_page()

    yield open_window
    for context in contexts:
        context.close()


def embedded_article(site, origin: str):
    """An article the host page holds the text of: no body of its own on Parley."""
    EmbedSite.objects.create(site=site, allowed_origins=origin, auto_create_articles=True)
    SiteSso.objects.create(site=site, shared_secret=SECRET)
    article = factories.make_article(
        site, slug=SLUG, title="The night train", body="",
        canonical_url=f"{origin}/articles/{SLUG}.html",
    )  # fmt: skip
    factories.make_comment(article, body="Sleepers need two passengers a day.")
    return article


def open_article(page: Page, origin: str, who: str | None):
    page.goto(f"{origin}/articles/{SLUG}.html")
    frame = page.frame_locator("iframe[title=Comments]")
    expect(frame.locator(".discussion")).to_have_attribute("data-live", "live")
    if who is not None:
        page.get_by_role("button", name=f"Sign in as {who}").click()
        expect(frame.locator("[data-embed-account]")).to_contain_text("Signed in as")
        expect(frame.locator(".discussion")).to_have_attribute("data-live", "live")
    return frame


def test_a_comment_posted_in_one_embed_arrives_in_another(windows, site, publishers):
    publisher = publishers(site.key)
    embedded_article(site, publisher.origin)

    ben = windows()
    streams: list[str] = []
    ben.on("request", lambda r: streams.append(r.url) if "/stream?" in r.url else None)
    ben_frame = open_article(ben, publisher.origin, "Ben")  # a free reader, by SSO
    # Ben is known to the stream by a ticket bought with his bearer key, not as a guest.
    for _ in range(50):
        if any("ticket=" in url for url in streams):
            break
        ben.wait_for_timeout(100)
    assert any("ticket=" in url for url in streams), streams

    ada = windows()
    ada_frame = open_article(ada, publisher.origin, "Ada")
    ada_frame.locator("#new-comment").fill("Posted while Ben was reading.")
    ada_frame.get_by_role("button", name="Post comment").click()
    expect(ada_frame.locator(".comment-count")).to_have_text("2 Comments")

    control = ben_frame.locator(".new-comments")
    expect(control).to_have_text("1 new comment — show")
    expect(ben_frame.locator(".comment-count")).to_have_text("2 Comments")
    expect(ben.locator("[data-parley-count]")).to_have_text("2 Comments")  # the host's widget
    expect(ben_frame.locator("text=Posted while Ben was reading.")).to_have_count(0)
    control.click()
    expect(ben_frame.locator("text=Posted while Ben was reading.")).to_be_visible()
    expect(control).to_have_count(0)


SELECT = """passage => {
    const body = document.querySelector("#story-body");
    const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
    const words = passage.split(" ");
    let node;
    while ((node = walker.nextNode())) {
        const start = node.data.indexOf(words[0] + " " + words[1]);
        if (start < 0) continue;
        const tail = words.slice(-2).join(" ");
        const folded = node.data.replace(/\\s+/g, " ");
        const range = document.createRange();
        range.setStart(node, start);
        // The source wraps lines: find where the last words end in the raw text.
        const re = new RegExp(tail.replace(" ", "\\\\s+"));
        const match = re.exec(node.data.slice(start));
        range.setEnd(node, start + match.index + match[0].length);
        const selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        document.dispatchEvent(new MouseEvent("mouseup", {bubbles: true}));
        return folded.length > 0;
    }
    return false;
}"""


def test_a_passage_of_the_host_page_is_commented_on_and_highlighted(windows, site, publishers):
    publisher = publishers(site.key)
    article = embedded_article(site, publisher.origin)
    page = windows()
    frame = open_article(page, publisher.origin, "Ada")
    # "Signed in as" shows at once; the signed-in discussion (with its form, which the
    # passage goes to) replaces the guest's when its request returns.
    expect(frame.locator("form[data-parley=post]")).to_have_count(1)

    assert page.evaluate(SELECT, PASSAGE)
    button = page.get_by_role("button", name="Comment on this passage")
    expect(button).to_be_visible()
    button.click()
    expect(frame.locator(".inline-form-quote blockquote")).to_have_text(PASSAGE)
    frame.locator("#new-comment").fill("Two routes per car is the trick.")
    frame.get_by_role("button", name="Post comment").click()
    expect(frame.locator(".comment-count")).to_have_text("2 Comments")
    expect(frame.locator(".inline-passage q")).to_have_text(PASSAGE)

    anchor = Anchor.objects.get()
    assert anchor.exact == PASSAGE and anchor.comment.article_id == article.pk
    assert anchor.revision.source == TextSource.HOST
    assert "Every timetable is a promise about arithmetic." in anchor.revision.text

    # The highlight is on the host page, without a reload and after one.
    mark = page.locator("#story-body mark.parley-hl")
    expect(mark).to_have_text(PASSAGE)
    page.reload()
    expect(mark).to_have_text(PASSAGE)
    expect(mark).to_have_attribute("data-parley-passage-count", "1")
    assert mark.evaluate("m => m.title") == "1 comment on this passage"

    # Clicking it opens the passage's comments in the frame, once the reloaded frame has
    # signed Ada in (signing in renders the discussion anew, and anything open with it).
    expect(frame.locator("#new-comment")).to_be_visible()
    mark.click()
    expect(frame.locator(".inline-popover")).to_contain_text("Two routes per car is the trick.")
    assert Comment.objects.count() == 2
    assert ArticleRevision.objects.filter(article=article, source=TextSource.HOST).count() == 1
