"""The moderation desk in a real browser: a moderator works the pending queue with the
keyboard only (approve, remove with a reason, ban, feature) and the public page shows
each decision."""

import os

import pytest
from playwright.sync_api import Page, expect

from parley import factories
from parley.discussion.models import Comment, CommentStatus
from parley.moderation import actions
from parley.moderation.models import Feature, HoldRule, Removal, Sanction

# live_server runs Django in a thread while Playwright's sync API runs an event loop in
# this one; Django would otherwise refuse ORM calls made "from async code".
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-for-tests"


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.PARLEY_PAGE_CACHE = False


def sign_in(page: Page, live_server, username: str, next_path: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}{next_path}", wait_until="load")


def held(article, user, body):
    comment = factories.make_comment(article, user, body, status=CommentStatus.PENDING)
    actions.do_hold(comment=comment, rule=HoldRule.FIRST_COMMENTS, reason="0 of 3 approved")
    return comment


def test_moderator_works_the_queue_by_keyboard(page: Page, live_server, site, article, browser):
    factories.make_moderator(site, "morgan")
    alice = factories.make_subscriber(site, "alice")
    bob = factories.make_subscriber(site, "bob")
    carol = factories.make_subscriber(site, "carol")
    first = held(article, alice, "Alice's first comment: buses before bollards.")
    second = held(article, bob, "Bob's comment that crosses the line.")
    third = held(article, carol, "Carol's comment from a spammer.")

    sign_in(page, live_server, "morgan", "/moderation/queue/pending/")
    rows = page.locator("[data-mod-row]")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_have_class(lambda_has("selected"))

    # a: approve the first; the selection moves on to the second.
    page.keyboard.press("a")
    expect(page.locator(f"#row-{first.pk} [data-row-status]")).to_have_text("Approved")
    expect(page.locator(f"#row-{second.pk}")).to_have_class(lambda_has("selected"))

    # r, then 2: remove the second for abuse.
    page.keyboard.press("r")
    expect(page.locator(f"#row-{second.pk} details.remove-box")).to_have_attribute("open", "")
    page.keyboard.press("2")
    expect(page.locator(f"#row-{second.pk} [data-row-status]")).to_have_text("Removed")

    # b, then Enter: ban the author of the third.
    expect(page.locator(f"#row-{third.pk}")).to_have_class(lambda_has("selected"))
    page.keyboard.press("b")
    expect(page.locator(f"#row-{third.pk} details.ban-box")).to_have_attribute("open", "")
    page.keyboard.press("Enter")
    expect(page.locator(f"#row-{third.pk} [data-row-status]")).to_have_text("Author sanctioned")

    # k k: back to the first, now visible; f features it.
    page.keyboard.press("k")
    page.keyboard.press("k")
    expect(page.locator(f"#row-{first.pk}")).to_have_class(lambda_has("selected"))
    page.keyboard.press("f")
    expect(page.locator(f"#row-{first.pk} [data-row-status]")).to_have_text("Featured")

    assert Comment.objects.get(pk=first.pk).status == CommentStatus.VISIBLE
    assert Removal.objects.get(comment=second).reason == "abuse"
    assert Sanction.objects.filter(user=carol).exists()
    assert Feature.objects.filter(comment=first).exists()

    # The public page, as a guest.
    guest = browser.new_page()
    guest.goto(f"{live_server.url}/articles/{article.slug}/")
    expect(guest.locator(".comment-count")).to_have_text("1 Comment")
    expect(guest.locator(f"#c-{first.pk} [data-body]")).to_contain_text("buses before bollards")
    expect(guest.locator(f"#c-{second.pk} .tombstone-text")).to_have_text(
        "Removed by a moderator: Abuse or personal attack."
    )
    expect(guest.locator(f"#c-{third.pk}")).to_have_count(0)
    guest.locator("a[data-parley-sort=picks]").click()
    expect(guest.locator("a[data-parley-sort=picks]")).to_have_attribute("aria-current", "true")
    expect(guest.locator("[data-threads] [data-comment]")).to_have_count(1)
    expect(guest.locator(f"[data-threads] #c-{first.pk}")).to_be_visible()
    guest.close()

    # The banned author sees why, and cannot post.
    context = browser.new_context()
    carol_page = context.new_page()
    sign_in(carol_page, live_server, "carol", f"/articles/{article.slug}/")
    expect(carol_page.locator("[data-moderation-notice]")).to_contain_text("banned")
    carol_page.fill("#new-comment", "Let me back in.")
    carol_page.get_by_role("button", name="Post comment").click()
    expect(carol_page.locator(".comment-form .form-error")).to_contain_text("banned")
    context.close()
    assert bob  # bob's comment is the removed one


def test_civility_nudge_then_post_anyway(page: Page, live_server, site, article, settings):
    settings.PARLEY_CIVILITY_SCORER = "parley.moderation.tests.conftest.FixedScorer"
    factories.make_subscriber(site, "sam")
    sign_in(page, live_server, "sam", f"/articles/{article.slug}/")
    page.fill("#new-comment", "Grrr, you absolute fool.")
    page.get_by_role("button", name="Post comment").click()
    error = page.locator(".comment-form .form-error")
    expect(error).to_contain_text("This may read as abusive")
    box = page.locator(".comment-form [data-nudge-ack]")
    expect(box).to_be_visible()
    box.locator("input").check()
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator(".comment .pending")).to_have_text("awaiting review")
    assert Comment.objects.get().status == CommentStatus.PENDING


def lambda_has(name: str):
    import re

    return re.compile(rf"(^|\s){name}(\s|$)")
