"""Live discussion in two real browsers: one reader posts, votes and replies; the other
sees the "new comments" button, the badge, the counts, without anything moving.

The pages talk to pytest-django's live server, a threaded WSGI server: there the stream
view serves a sync generator (one thread per open stream) and the in-process broker
carries events from the posting request's thread to the streaming one (docs/live.md)."""

import os

import pytest
from playwright.sync_api import Browser, Page, expect

from parley import factories

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-for-tests"


@pytest.fixture(autouse=True)
def live_settings(settings):
    settings.REDIS_URL = ""  # the in-process broker: the live server is one process
    settings.PARLEY_LIVE_HEARTBEAT_SECONDS = 1


@pytest.fixture
def open_as(browser: Browser, live_server):
    """Signs a user in, in a browser context of their own, and opens a page once its
    stream is live. Contexts close with the test, and their streams with them."""
    contexts = []

    def open_page(username: str, path: str) -> Page:
        context = browser.new_context(viewport={"width": 1000, "height": 700})
        contexts.append(context)
        return _sign_in(context.new_page(), live_server, username, path)

    yield open_page
    for context in contexts:
        context.close()


def _sign_in(page: Page, live_server, username: str, path: str) -> Page:
    page.goto(f"{live_server.url}/accounts/login/?next={path}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".masthead .who")).to_be_visible()
    expect(page.locator(".discussion")).to_have_attribute("data-live", "live")
    return page


def post(page: Page, body: str) -> None:
    page.fill("#new-comment", body)
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator("[data-threads] [data-body]", has_text=body)).to_have_count(1)


def set_hidden(page: Page, hidden: bool) -> None:
    page.evaluate(
        """hidden => {
            Object.defineProperty(document, "hidden", {value: hidden, configurable: true});
            document.dispatchEvent(new Event("visibilitychange"));
        }""",
        hidden,
    )


def test_a_comment_posted_in_one_window_arrives_in_the_other(open_as, site, article):
    factories.make_subscriber(site, "sam")
    factories.make_subscriber(site, "rita")
    olivia = factories.make_subscriber(site, "olivia")
    opening = [
        factories.make_comment(article, olivia, f"Olivia's point number {n}.") for n in range(8)
    ]
    path = f"/articles/{article.slug}/"
    rita = open_as("rita", path)
    sam = open_as("sam", path)

    # Rita reads a comment in the middle of the discussion.
    reading = rita.locator(f"#c-{opening[3].pk}")
    reading.evaluate("el => el.scrollIntoView({block: 'start'})")
    top_before = reading.evaluate("el => el.getBoundingClientRect().top")

    post(sam, "Sam arrives with news.")
    control = rita.locator(".new-comments")
    expect(control).to_have_text("1 new comment — show")
    expect(rita.locator(".comment-count")).to_have_text("9 Comments")
    expect(rita.locator("[data-body]", has_text="Sam arrives")).to_have_count(0)
    # Nothing moved under her.
    assert abs(reading.evaluate("el => el.getBoundingClientRect().top") - top_before) <= 1

    # Votes change in place.
    sam.locator(f"#c-{opening[3].pk} button.vote.up").click()
    expect(rita.locator(f"#c-{opening[3].pk} [data-up]")).to_have_text("1")

    # A reply shows a badge on its thread and joins the count behind the button.
    sam_thread = sam.locator(f"#c-{opening[5].pk}")
    sam_thread.locator("details.reply-box > summary").click()
    sam_thread.get_by_role("textbox").fill("Sam answers Olivia.")
    sam_thread.get_by_role("button", name="Post reply").click()
    expect(rita.locator(f"#t-{opening[5].pk} .live-badge")).to_have_text("1 new reply")
    expect(control).to_have_text("2 new comments — show")
    expect(rita.locator(".comment-count")).to_have_text("10 Comments")

    control.click()
    expect(rita.locator("[data-threads] > [data-thread]").first).to_contain_text(
        "Sam arrives with news."
    )
    reply = rita.locator(f"#t-{opening[5].pk} [data-replies] > .comment")
    expect(reply).to_contain_text("Sam answers Olivia.")
    expect(reply.locator(".reply-to")).to_have_text("Reply to Olivia")
    expect(control).to_have_count(0)
    expect(rita.locator(".live-badge")).to_have_count(0)

    # Rita's own comment is inserted by parley.js, and only once; Sam's next one waits.
    post(rita, "Rita's own view.")
    post(sam, "Sam again.")
    expect(rita.locator(".new-comments")).to_have_text("1 new comment — show")
    expect(rita.locator("[data-body]", has_text="Rita's own view.")).to_have_count(1)
    expect(rita.locator(".comment-count")).to_have_text("12 Comments")


def test_a_hidden_tab_stops_listening_and_catches_up(open_as, site, article):
    factories.make_subscriber(site, "sam")
    factories.make_subscriber(site, "rita")
    path = f"/articles/{article.slug}/"
    rita = open_as("rita", path)
    sam = open_as("sam", path)

    set_hidden(rita, True)
    expect(rita.locator(".discussion")).to_have_attribute("data-live", "paused")
    post(sam, "Posted while Rita looked away.")
    rita.wait_for_timeout(300)
    expect(rita.locator(".new-comments")).to_have_count(0)  # not listening

    set_hidden(rita, False)
    expect(rita.locator(".new-comments")).to_have_text("1 new comment — show")
    expect(rita.locator(".comment-count")).to_have_text("1 Comment")
    expect(rita.locator(".discussion")).to_have_attribute("data-live", "live")


def test_edits_and_removals_apply_in_place(open_as, site, article):
    factories.make_subscriber(site, "rita")
    sam_user = factories.make_subscriber(site, "sam")
    olivia = factories.make_subscriber(site, "olivia")
    kept = factories.make_comment(article, sam_user, "Sam's first take.")
    factories.make_comment(article, olivia, "Olivia answers.", parent=kept)
    gone = factories.make_comment(article, sam_user, "Sam's second thought.")
    path = f"/articles/{article.slug}/"
    rita = open_as("rita", path)
    sam = open_as("sam", path)

    mine = sam.locator(f"#c-{kept.pk}")
    mine.locator("details.edit-box > summary").click()
    mine.locator("details.edit-box textarea").fill("Sam's *better* take.")
    mine.get_by_role("button", name="Save").click()
    theirs = rita.locator(f"#c-{kept.pk}")
    expect(theirs.locator("[data-body]")).to_have_text("Sam's better take.")
    expect(theirs.locator(".edited")).to_have_text("edited")

    # With a reply it stays as a tombstone; without, it goes.
    for comment in (kept, gone):
        sam.locator(f"#c-{comment.pk} details.delete-box > summary").click()
        sam.locator(f"#c-{comment.pk} details.delete-box button").click()
    expect(theirs.locator(".tombstone-text")).to_have_text("This comment was deleted.")
    expect(rita.locator(f"#c-{gone.pk}")).to_have_count(0)
    expect(rita.locator(".comment-count")).to_have_text("1 Comment")
