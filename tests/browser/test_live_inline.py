"""Live comments on a passage update the article's highlights: one reader comments on a
passage; in the other reader's window the comment arrives behind the "new comments"
button, and once shown, the passage is highlighted there with its count (live.js
announces `parley:comments-added`, inline.js reloads the passages)."""

import os

import pytest
from playwright.sync_api import Browser, Page, expect

from parley import factories
from parley.inline.tests.helpers import BODY
from tests.browser import test_inline

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUOTE = "people on foot linger"


@pytest.fixture(autouse=True)
def live_settings(settings):
    settings.REDIS_URL = ""  # the in-process broker: the live server is one process
    settings.PARLEY_LIVE_HEARTBEAT_SECONDS = 1


@pytest.fixture
def article(site):
    return factories.make_article(site, body=BODY.strip())


@pytest.fixture
def open_as(browser: Browser, live_server, article):
    contexts = []

    def open_page(username: str) -> Page:
        context = browser.new_context(viewport={"width": 1000, "height": 800})
        contexts.append(context)
        page = context.new_page()
        test_inline.sign_in(page, live_server, username, f"/articles/{article.slug}/")
        test_inline.open_article(page, live_server, article)
        expect(page.locator(".discussion")).to_have_attribute("data-live", "live")
        return page

    yield open_page
    for context in contexts:
        context.close()


def test_a_live_comment_on_a_passage_highlights_it_in_the_other_window(open_as, site):
    factories.make_subscriber(site, "rita")
    factories.make_subscriber(site, "sam")
    sam = open_as("sam")
    rita = open_as("rita")
    marks = sam.locator(".story > .body mark.inline-hl")
    expect(marks).to_have_count(0)

    test_inline.select_with_mouse(rita, QUOTE)
    rita.get_by_role("button", name="Comment on this passage").click()
    rita.fill("#new-comment", "Lingering is the whole point.")
    rita.get_by_role("button", name="Post comment").click()
    expect(rita.locator(".story > .body mark.inline-hl")).to_have_text(QUOTE)

    control = sam.locator(".new-comments")
    expect(control).to_have_text("1 new comment — show")
    expect(marks).to_have_count(0)  # nothing changes until the reader asks
    control.click()
    expect(sam.locator(".inline-passage q")).to_have_text(QUOTE)
    expect(marks).to_have_text(QUOTE)
    expect(marks).to_have_attribute("data-count", "1")
