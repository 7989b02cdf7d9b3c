"""Notifications in a real browser: a subscriber asks to hear about replies, another
subscriber replies, and the first finds the bell's count and the inbox entry."""

import os

import pytest
from playwright.sync_api import Browser, Page, expect

from parley import factories
from parley.discussion.models import Comment
from parley.notifications.models import Follow, Notification

# live_server runs Django in a thread while Playwright's sync API runs an event loop in
# this one; Django would otherwise refuse ORM calls made "from async code".
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-for-tests"


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def new_page(browser: Browser, live_server):
    """Pages in contexts of their own (one reader each), closed before the live server and
    the database are torn down, so no open stream outlives the test."""
    contexts = []

    def make() -> Page:
        context = browser.new_context()
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def sign_in(page: Page, live_server, username: str, next_path: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    # Waits for the load event, so the deferred scripts have run before the test acts.
    page.wait_for_url(f"{live_server.url}{next_path}", wait_until="load")
    expect(page.locator(".masthead .who")).to_be_visible()


def test_a_reply_reaches_the_bell_and_the_inbox(new_page, live_server, site, article):
    factories.make_subscriber(site, "ann", display_name="Ann Author")
    factories.make_subscriber(site, "bob", display_name="Bob Replier")
    path = f"/articles/{article.slug}/"

    ann = new_page()
    sign_in(ann, live_server, "ann", path)
    bell = ann.locator(".masthead [data-bell]")
    expect(bell.locator("[data-unread]")).to_be_hidden()
    ann.fill("#new-comment", "Ann's opening comment.")
    ann.locator(".comment-form select[name=notify]").select_option(
        label="new replies to my comments"
    )
    ann.get_by_role("button", name="Post comment").click()
    mine = ann.locator("[data-threads] > [data-thread]").first
    expect(mine.locator("[data-body]")).to_have_text("Ann's opening comment.")
    comment = Comment.objects.get(author__username="ann")
    assert Follow.objects.filter(user__username="ann", comment=comment).exists()

    bob = new_page()
    sign_in(bob, live_server, "bob", path)
    box = bob.locator(f"#c-{comment.pk} .reply-box")
    box.locator("summary").click()
    box.locator("textarea").fill("Bob answers Ann.")
    box.get_by_role("button", name="Post reply").click()
    expect(bob.locator(".comment", has_text="Bob answers Ann.")).to_be_visible()
    reply = Comment.objects.get(author__username="bob")

    ann.reload()
    expect(bell.locator("[data-unread]")).to_have_text("1")
    expect(bell).to_have_attribute("aria-label", "Notifications, 1 unread")
    bell.click()
    entry = ann.locator("[data-inbox] .inbox-item.unread")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("Bob Replier replied to your comment on")
    expect(entry).to_contain_text("Bob answers Ann.")
    entry.locator("a").click()
    expect(ann).to_have_url(
        f"{live_server.url}/articles/{article.slug}/comments/{reply.pk}/#c-{reply.pk}"
    )
    expect(ann.locator(f"#c-{reply.pk}")).to_be_visible()
    expect(bell.locator("[data-unread]")).to_be_hidden()
    assert Notification.objects.get(recipient__username="ann").read_at is not None


def test_follow_this_discussion_without_commenting(new_page, live_server, site, article):
    factories.make_subscriber(site, "cat", display_name="Cat Follower")
    path = f"/articles/{article.slug}/"
    page = new_page()
    sign_in(page, live_server, "cat", path)
    button = page.get_by_role("button", name="Follow this discussion")
    button.click()
    expect(page.get_by_role("button", name="Following this discussion ✓")).to_be_visible()
    assert Follow.objects.filter(user__username="cat", comment__isnull=True).exists()
    factories.make_comment(article, None, "Someone else writes.")
    page.reload()
    expect(page.locator(".masthead [data-unread]")).to_have_text("1")


def test_mention_autocomplete_suggests_people_in_the_discussion(
    new_page, live_server, site, article
):
    harriet = factories.make_subscriber(site, "harriet", display_name="Harriet Lowe")
    factories.make_comment(article, harriet, "Harriet was here first.")
    factories.make_subscriber(site, "dan", display_name="Dan Writer")
    page = new_page()
    sign_in(page, live_server, "dan", f"/articles/{article.slug}/")
    box = page.locator("#new-comment")
    box.click()
    box.press_sequentially("Thanks @Har")
    suggestion = page.locator(".mention-list [role=option]")
    expect(suggestion).to_have_text(["Harriet Lowe"])
    box.press("Enter")
    expect(box).to_have_value("Thanks @Harriet Lowe ")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator("[data-threads] > [data-thread]").first).to_contain_text("@Harriet Lowe")
    assert Notification.objects.filter(recipient=harriet, reason="mention").count() == 1
