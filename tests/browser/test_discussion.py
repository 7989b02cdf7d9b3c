"""The discussion in a real browser: headless Chromium driven by Playwright against
pytest-django's live server, with parley.js on (the default) and off."""

import importlib.util
import os
import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from parley import factories
from parley.discussion.models import Comment, CommentStatus, Vote

# live_server runs Django in a thread while Playwright's sync API runs an event loop in
# this one; Django would otherwise refuse ORM calls made "from async code".
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-for-tests"
PROJECT_DIR = Path(__file__).resolve().parents[2]
SCREENSHOT = Path("screenshots") / "article-page.png"


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """Every test here makes several users and signs one in; the default hasher makes each
    of those cost about half a second. The live server runs in this process, so it uses
    the same setting."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def sign_in(page: Page, live_server, username: str, next_path: str, password: str = PASSWORD):
    page.goto(f"{live_server.url}/accounts/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.locator("main form button[type=submit]").click()
    # Waits for the load event: parley.js (deferred) has run by then. Acting earlier would
    # submit forms the plain way, which is fine for a reader but not what these tests check.
    page.wait_for_url(f"{live_server.url}{next_path}", wait_until="load")
    expect(page.locator(".masthead .who")).to_be_visible()


def thread_ids(page: Page) -> list[int]:
    return page.locator("[data-threads] > [data-thread]").evaluate_all(
        "threads => threads.map(t => Number(t.dataset.thread))"
    )


def choose_sort(page: Page, key: str) -> list[int]:
    """Clicks a sort tab and returns the top-level comment ids in the order shown. parley.js
    marks the tab current in the same callback that swaps the list, so once the mark is
    there the list is the new one."""
    tab = page.locator(f"a[data-parley-sort={key}]")
    tab.click()
    expect(tab).to_have_attribute("aria-current", "true")
    expect(page).to_have_url(re.compile(rf"\?sort={key}#discussion$"))
    return thread_ids(page)


def test_subscriber_discusses_without_page_reloads(page: Page, live_server, site, article):
    sam = factories.make_subscriber(site, "sam")
    olivia = factories.make_subscriber(site, "olivia")
    peter = factories.make_subscriber(site, "peter")
    first = factories.make_comment(article, olivia, "Olivia opens the discussion.")
    second = factories.make_comment(article, peter, "Peter has a different view.")
    earlier = factories.make_comment(article, sam, "Sam said this earlier.")
    answer = factories.make_comment(article, olivia, "Olivia answers Sam.", parent=earlier)
    path = f"/articles/{article.slug}/"
    count = page.locator(".comment-count")

    sign_in(page, live_server, "sam", path)
    expect(count).to_have_text("4 Comments")
    page.evaluate("window.parleyMarker = 'same page'")

    # Post: the new thread goes on top, in place.
    page.fill("#new-comment", "A **fresh** comment from Sam.")
    page.get_by_role("button", name="Post comment").click()
    newest = page.locator("[data-threads] > [data-thread]").first
    expect(newest.locator("[data-body]")).to_have_text("A fresh comment from Sam.")
    expect(newest.locator("[data-body] strong")).to_have_text("fresh")
    expect(count).to_have_text("5 Comments")
    expect(page.locator("#new-comment")).to_have_value("")
    mine = int(newest.get_attribute("data-thread"))
    assert Comment.objects.get(pk=mine).author == sam

    # Reply to Olivia: under her comment, marked as a reply to her.
    first_el = page.locator(f"#c-{first.pk}")
    first_el.locator("details.reply-box > summary", has_text="Reply").click()
    first_el.get_by_role("textbox", name="Reply to Olivia").fill("Sam replies to Olivia.")
    first_el.get_by_role("button", name="Post reply").click()
    reply_el = page.locator(f"#t-{first.pk} [data-replies] > .comment").filter(
        has_text="Sam replies to Olivia."
    )
    expect(reply_el).to_have_count(1)
    expect(reply_el.locator(".reply-to")).to_have_text("Reply to Olivia")
    expect(reply_el).to_have_attribute("data-depth", "1")
    expect(first_el.locator("details.reply-box")).not_to_have_attribute("open", "")
    expect(count).to_have_text("6 Comments")
    my_reply = int(reply_el.get_attribute("data-comment"))

    # Vote Peter's comment up: the count goes up and the button stays pressed.
    up = page.locator(f"#c-{second.pk} button.vote.up")
    expect(up.locator("[data-up]")).to_have_text("0")
    up.click()
    expect(up.locator("[data-up]")).to_have_text("1")
    expect(up).to_have_attribute("aria-pressed", "true")
    expect(up).to_have_class(re.compile(r"\bpressed\b"))
    expect(page.locator(f"#c-{second.pk} button.vote.down")).to_have_attribute(
        "aria-pressed", "false"
    )
    # Own comments have no vote buttons.
    expect(page.locator(f"#c-{mine} button.vote")).to_have_count(0)

    # Sorts.
    assert choose_sort(page, "new") == [mine, earlier.pk, second.pk, first.pk]
    assert choose_sort(page, "old") == [first.pk, second.pk, earlier.pk, mine]
    assert choose_sort(page, "top") == [second.pk, first.pk, earlier.pk, mine]
    # The vote survived the re-render of the list.
    expect(page.locator(f"#c-{second.pk} button.vote.up")).to_have_attribute("aria-pressed", "true")

    # Edit the new comment.
    mine_el = page.locator(f"#c-{mine}")
    expect(mine_el.locator(".edited")).to_have_count(0)
    mine_el.locator("details.edit-box > summary", has_text="Edit").click()
    mine_el.get_by_role("textbox", name="Edit your comment").fill("Sam, *edited*.")
    mine_el.get_by_role("button", name="Save").click()
    expect(mine_el.locator("[data-body]")).to_have_text("Sam, edited.")
    expect(mine_el.locator("[data-body] em")).to_have_text("edited")
    expect(mine_el.locator(".comment-head .edited")).to_have_text("edited")

    # Delete the earlier comment that Olivia answered: it stays as a tombstone.
    earlier_el = page.locator(f"#c-{earlier.pk}")
    earlier_el.locator("details.delete-box > summary", has_text="Delete").click()
    earlier_el.locator("details.delete-box button[type=submit]").click()
    expect(earlier_el).to_have_class(re.compile(r"\btombstone\b"))
    expect(earlier_el.locator(".tombstone-text")).to_have_text("This comment was deleted.")
    expect(earlier_el).not_to_contain_text("Sam said this earlier.")
    expect(earlier_el.locator(".comment-actions")).to_have_count(0)
    expect(page.locator(f"#c-{answer.pk}")).to_contain_text("Olivia answers Sam.")
    expect(count).to_have_text("5 Comments")

    # Delete the reply to Olivia, which has no replies: it goes.
    reply_el = page.locator(f"#c-{my_reply}")
    reply_el.locator("details.delete-box > summary", has_text="Delete").click()
    reply_el.locator("details.delete-box button[type=submit]").click()
    expect(reply_el).to_have_count(0)
    expect(page.locator(f"#c-{first.pk}")).to_be_visible()
    expect(count).to_have_text("4 Comments")

    # All of it happened on the page first loaded.
    assert page.evaluate("window.parleyMarker") == "same page"
    expect(page.locator(".form-error:visible")).to_have_count(0)

    # The server agrees.
    page.reload()
    assert page.evaluate("window.parleyMarker") is None
    expect(count).to_have_text("4 Comments")
    expect(page.locator("a[data-parley-sort=top]")).to_have_attribute("aria-current", "true")
    assert thread_ids(page) == [second.pk, first.pk, earlier.pk, mine]
    expect(page.locator(f"#c-{mine} [data-body]")).to_have_text("Sam, edited.")
    expect(page.locator(f"#c-{mine} .edited")).to_be_visible()
    expect(page.locator(f"#c-{earlier.pk}")).to_have_class(re.compile(r"\btombstone\b"))
    expect(page.locator(f"#c-{earlier.pk} .tombstone-text")).to_have_text(
        "This comment was deleted."
    )
    expect(page.locator(f"#c-{answer.pk}")).to_contain_text("Olivia answers Sam.")
    expect(page.locator(f"#c-{my_reply}")).to_have_count(0)
    up = page.locator(f"#c-{second.pk} button.vote.up")
    expect(up).to_have_attribute("aria-pressed", "true")
    expect(up.locator("[data-up]")).to_have_text("1")

    article.refresh_from_db()
    assert article.comment_count == 4
    assert Comment.objects.get(pk=mine).body == "Sam, *edited*."
    assert Comment.objects.get(pk=earlier.pk).status == CommentStatus.DELETED
    assert not Comment.objects.filter(pk=my_reply).exists()
    assert Vote.objects.get(user=sam).comment_id == second.pk


def test_deleting_the_last_reply_under_a_tombstone_removes_both(
    page: Page, live_server, site, article
):
    """The server drops a tombstone once its last reply goes; the page must not keep it."""
    sam = factories.make_subscriber(site, "sam")
    olivia = factories.make_subscriber(site, "olivia")
    other = factories.make_comment(article, olivia, "Another thread.")
    top = factories.make_comment(article, sam, "Sam starts a thread.")
    middle = factories.make_comment(article, sam, "Sam adds to it.", parent=top)
    leaf = factories.make_comment(article, sam, "And once more.", parent=middle)

    sign_in(page, live_server, "sam", f"/articles/{article.slug}/")
    expect(page.locator(".comment-count")).to_have_text("4 Comments")
    for comment in (top, middle):
        box = page.locator(f"#c-{comment.pk} details.delete-box")
        box.locator("summary").click()
        box.locator("button[type=submit]").click()
        expect(page.locator(f"#c-{comment.pk}")).to_have_class(re.compile(r"\btombstone\b"))
    expect(page.locator(".comment-count")).to_have_text("2 Comments")

    box = page.locator(f"#c-{leaf.pk} details.delete-box")
    box.locator("summary").click()
    box.locator("button[type=submit]").click()
    expect(page.locator(".comment-count")).to_have_text("1 Comment")
    expect(page.locator(f"#c-{leaf.pk}")).to_have_count(0)
    assert not Comment.objects.filter(pk__in=[top.pk, middle.pk, leaf.pk]).exists()
    expect(page.locator(f"#c-{middle.pk}")).to_have_count(0)
    expect(page.locator(f"#t-{top.pk}")).to_have_count(0)
    expect(page.locator("[data-threads] > [data-thread]")).to_have_count(1)
    expect(page.locator(f"#c-{other.pk}")).to_be_visible()

    page.reload()
    expect(page.locator(".comment-count")).to_have_text("1 Comment")
    assert thread_ids(page) == [other.pk]


def test_free_reader_sees_the_subscribe_call_and_no_controls(
    page: Page, live_server, site, article
):
    factories.make_user("robin")
    olivia = factories.make_subscriber(site, "olivia")
    peter = factories.make_subscriber(site, "peter")
    first = factories.make_comment(article, olivia, "Olivia opens the discussion.")
    factories.make_comment(article, peter, "Peter answers.", parent=first)
    factories.make_comment(article, peter, "Peter starts a thread.")

    sign_in(page, live_server, "robin", f"/articles/{article.slug}/")
    call = page.locator(".join-call")
    expect(call).to_contain_text("become a paid subscriber")
    subscribe = call.get_by_role("link", name="Subscribe")
    expect(subscribe).to_be_visible()
    expect(subscribe).to_have_attribute("href", "/subscribe/")
    expect(call).not_to_contain_text("Already a subscriber?")

    expect(page.locator(".comment")).to_have_count(3)
    expect(page.locator("textarea")).to_have_count(0)
    expect(page.locator("form[data-parley=post], form[data-parley=reply]")).to_have_count(0)
    expect(page.locator("form[data-parley=vote], button.vote")).to_have_count(0)
    expect(page.locator("details.reply-box, details.edit-box, details.delete-box")).to_have_count(0)
    # Vote counts are shown, as plain text.
    expect(page.locator("span.vote.up [data-up]")).to_have_text(["0", "0", "0"])
    expect(page.locator("span.vote.down [data-down]")).to_have_text(["0", "0", "0"])


def test_posting_and_voting_work_without_javascript(browser: Browser, live_server, site, article):
    factories.make_subscriber(site, "sam")
    olivia = factories.make_subscriber(site, "olivia")
    theirs = factories.make_comment(article, olivia, "Olivia opens the discussion.")
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, live_server, "sam", f"/articles/{article.slug}/")
        page.fill("#new-comment", "Posted with a *plain* form.")
        page.get_by_role("button", name="Post comment").click()

        expect(page).to_have_url(re.compile(rf"/articles/{article.slug}/comments/(\d+)/#c-\1$"))
        comment = Comment.objects.get(author__username="sam")
        assert page.url.endswith(f"/comments/{comment.pk}/#c-{comment.pk}")
        posted = page.locator(f"#c-{comment.pk}")
        expect(posted).to_have_class(re.compile(r"\bfocused\b"))
        expect(posted.locator("[data-body]")).to_have_text("Posted with a plain form.")
        expect(page.locator(".focus-note")).to_contain_text("Showing one thread.")

        page.get_by_role("link", name="View all comments").click()
        expect(page.locator(".comment-count")).to_have_text("2 Comments")
        up = page.locator(f"#c-{theirs.pk} button.vote.up")
        up.click()
        expect(page).to_have_url(re.compile(rf"/comments/{theirs.pk}/#c-{theirs.pk}$"))
        up = page.locator(f"#c-{theirs.pk} button.vote.up")
        expect(up).to_have_attribute("aria-pressed", "true")
        expect(up.locator("[data-up]")).to_have_text("1")
    finally:
        context.close()


def test_load_more_comments_appends_the_next_threads(page: Page, live_server, site, article):
    site.comments_page_size = 2
    site.save()
    factories.make_subscriber(site, "sam")
    olivia = factories.make_subscriber(site, "olivia")
    roots = [factories.make_comment(article, olivia, f"Thread number {n}.") for n in range(1, 6)]
    for root in roots:
        factories.make_comment(article, olivia, f"A reply in thread {root.pk}.", parent=root)
    ids = [root.pk for root in roots]

    sign_in(page, live_server, "sam", f"/articles/{article.slug}/")
    expect(page.locator(".comment-count")).to_have_text("10 Comments")
    page.evaluate("window.parleyMarker = 'same page'")
    threads = page.locator("[data-threads] > [data-thread]")
    more = page.get_by_role("link", name="Load more comments")
    expect(threads).to_have_count(2)
    assert thread_ids(page) == ids[:2]

    more.click()
    expect(threads).to_have_count(4)
    assert thread_ids(page) == ids[:4]
    more.click()
    expect(threads).to_have_count(5)
    assert thread_ids(page) == ids
    expect(more).to_have_count(0)
    expect(page.locator(f"#t-{ids[4]} [data-replies] > .comment")).to_contain_text(
        f"A reply in thread {ids[4]}."
    )
    assert page.evaluate("window.parleyMarker") == "same page"

    # The threads loaded in place are live: replying to the last one works.
    last = page.locator(f"#c-{ids[4]}")
    last.locator("details.reply-box > summary").click()
    last.get_by_role("textbox").fill("Replying on a loaded page.")
    last.get_by_role("button", name="Post reply").click()
    expect(page.locator(f"#t-{ids[4]} [data-replies] > .comment")).to_have_count(2)
    expect(page.locator(".comment-count")).to_have_text("11 Comments")


def _demo_loader_exists() -> bool:
    return importlib.util.find_spec("parley.demo.loader") is not None


def _build_article_for_screenshot() -> tuple[str, str, str]:
    """(article path, username, password): the demo's long discussion when the demo
    loader is there, otherwise a smaller discussion built with the factories."""
    if _demo_loader_exists():
        from parley.articles.models import Article
        from parley.demo.loader import load_demo

        logins = load_demo()
        username, password = next((u, p) for role, u, p in logins if role == "subscriber")
        article = Article.objects.order_by("-comment_count", "id").first()
        assert article is not None
        return f"/articles/{article.slug}/", username, password

    site = factories.make_site(name="The Long Argument")
    article = factories.make_article(
        site,
        title="Car-free town centres need a bargain, not a ban",
        standfirst="Closing streets to traffic works when the people who lose something "
        "get something back.",
        body="Every few years a town council discovers the pedestrianised centre.\n\n"
        "> The street is the cheapest public space a town will ever own.\n\n"
        "## What shopkeepers fear\n\n"
        "Shopkeepers fear losing the customers who arrive by car.",
    )
    factories.make_subscriber(site, "subscriber", display_name="Sam Subscriber")
    people = [
        factories.make_subscriber(site, name, display_name=display)
        for name, display in [("hana", "Hana K."), ("tomas", "Tomas B."), ("ruth", "Ruth O.")]
    ]
    top = factories.make_comment(article, people[0], "Delivery windows are the real question.")
    reply = factories.make_comment(article, people[1], "Our town did mornings only.", parent=top)
    factories.make_comment(article, people[2], "And it *worked*, mostly.", parent=reply)
    factories.make_comment(article, people[2], "I run a shop two streets away. It helped.")
    return f"/articles/{article.slug}/", "subscriber", PASSWORD


def test_article_page_screenshot(browser: Browser, live_server):
    path, username, password = _build_article_for_screenshot()
    context = browser.new_context(viewport={"width": 1280, "height": 2200})
    try:
        page = context.new_page()
        sign_in(page, live_server, username, path, password=password)
        expect(page.locator("#new-comment")).to_be_visible()
        expect(page.locator(".comment").first).to_be_visible()
        target = PROJECT_DIR / "var" / SCREENSHOT
        target.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(target), full_page=True)
    finally:
        context.close()
    assert target.stat().st_size > 10_000
    if os.environ.get("PARLEY_SCREENSHOTS") == "1":
        docs = PROJECT_DIR / "docs" / SCREENSHOT
        docs.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(target, docs)
