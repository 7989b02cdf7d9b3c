"""Inline feedback in a real browser: select a passage with the mouse, comment on it, see
the highlight; an editor changes the article in the admin and the highlights stay on the
right words; a cut passage shows as orphaned in the Inline Feedbacks tab."""

import os

import pytest
from playwright.sync_api import Browser, Page, expect

from parley import factories
from parley.articles.body import plain_text
from parley.articles.models import Article
from parley.inline.actions import AnchorData, attach_anchor, do_add_question
from parley.inline.models import Anchor, AnchorState
from parley.inline.tests.helpers import BODY

# live_server runs Django in a thread while Playwright's sync API runs an event loop here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-for-tests"
SELECTED = "people on foot linger"
REWORDED = "First comes the fury: shopkeepers predicting ruin."
CUT = "Cities that did this first found the closure almost an anticlimax."


@pytest.fixture
def article(site):
    return factories.make_article(site, body=BODY.strip())


def sign_in(page: Page, live_server, username: str, next_path: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{live_server.url}{next_path}")


def open_article(page: Page, live_server, article) -> None:
    page.goto(f"{live_server.url}/articles/{article.slug}/")
    expect(page.locator(".story > .body[data-inline-ready]")).to_have_count(1)


def select_with_mouse(page: Page, quote: str, nth: int = 0) -> None:
    """Drags the mouse from the first to the last character of the quote as rendered."""
    box = page.evaluate(
        """([quote, nth]) => {
          const blocks = [...document.querySelectorAll('.story > .body [data-start]')];
          let seen = 0;
          for (const block of blocks) {
            const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
            const nodes = []; let text = '', n;
            while ((n = walker.nextNode())) { nodes.push([n, text.length]); text += n.data; }
            let at = text.indexOf(quote);
            while (at !== -1 && seen < nth) { seen++; at = text.indexOf(quote, at + 1); }
            if (at === -1) { continue; }
            const point = (offset) => {
              for (const [node, start] of nodes) {
                if (offset < start + node.data.length) { return [node, offset - start]; }
              }
            };
            const rect = (offset) => {
              const [node, inside] = point(offset);
              const range = document.createRange();
              range.setStart(node, inside); range.setEnd(node, inside + 1);
              return range.getBoundingClientRect();
            };
            const first = rect(at), last = rect(at + quote.length - 1);
            return {x1: first.left + 1, y1: first.top + first.height / 2,
                    x2: last.right - 1, y2: last.top + last.height / 2};
          }
          return null;
        }""",
        [quote, nth],
    )
    assert box is not None, quote
    page.mouse.move(box["x1"], box["y1"])
    page.mouse.down()
    page.mouse.move(box["x2"], box["y2"], steps=8)
    page.mouse.up()


def highlighted(page: Page) -> dict[str, str]:
    """Each highlighted passage's words, joined across the marks that show it."""
    return page.evaluate(
        """() => {
          const out = {};
          document.querySelectorAll('.story > .body mark.inline-hl').forEach((mark) => {
            const key = mark.dataset.passage;
            let own = '';
            mark.childNodes.forEach((child) => {
              if (child.nodeType === 3) { own += child.data; }
              else if (!(child.matches && child.matches(`mark[data-passage="${key}"]`))) {
                own += child.textContent;
              }
            });
            out[key] = (out[key] || '') + own;
          });
          return out;
        }"""
    )


def anchor_on(article, quote: str, body: str, nth: int = 0) -> Anchor:
    text = plain_text(article.body)
    at = -1
    for _ in range(nth + 1):
        at = text.index(quote, at + 1)
    comment = factories.make_comment(article, body=body)
    return attach_anchor(comment, AnchorData(start=at, end=at + len(quote), text=text))


def edit_in_admin(browser: Browser, live_server, article, change) -> None:
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, live_server, "editor", f"/admin/articles/article/{article.pk}/change/")
    body = page.locator("#id_body")
    body.fill(change(body.input_value()))
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    context.close()


def test_comment_on_a_passage_and_keep_it_through_edits(
    page: Page, browser: Browser, live_server, site, article
):
    factories.make_subscriber(site, "sam")
    factories.make_user("editor", is_staff=True, is_superuser=True)
    reworded = anchor_on(article, REWORDED, "Shopkeepers always say that.")
    cut = anchor_on(article, CUT, "Not in my city.")
    path = f"/articles/{article.slug}/"

    # Select with the mouse, comment, reload: the passage is highlighted.
    sign_in(page, live_server, "sam", path)
    expect(page.locator(".story > .body[data-inline-ready]")).to_have_count(1)
    select_with_mouse(page, SELECTED)
    button = page.get_by_role("button", name="Comment on this passage", exact=True)
    expect(button).to_be_visible()
    button.click()
    expect(page.locator(".comment-form .inline-form-quote blockquote")).to_have_text(SELECTED)
    page.fill("#new-comment", "Lingering is the whole point.")
    page.get_by_role("button", name="Post comment").click()
    newest = page.locator("[data-threads] > [data-thread]").first
    expect(newest.locator(".inline-passage q")).to_have_text(SELECTED)
    expect(page.locator(".comment-form .inline-form-quote")).to_have_count(0)
    mine = Anchor.objects.get(exact=SELECTED)
    assert mine.comment.body == "Lingering is the whole point."
    open_article(page, live_server, article)
    key = f"p{mine.start}-{mine.end}"
    assert highlighted(page)[key] == SELECTED
    expect(page.locator(f'mark[data-passage="{key}"][data-count="1"]')).to_have_count(1)

    # The editor inserts a paragraph before the passages and changes a word in another.
    edit_in_admin(
        browser,
        live_server,
        article,
        lambda body: (
            "An editor's note, added later.\n\n"
            + body.replace("predicting ruin", "forecasting ruin")
        ),
    )
    open_article(page, live_server, article)
    mine.refresh_from_db()
    reworded.refresh_from_db()
    assert mine.state == AnchorState.ATTACHED and reworded.state == AnchorState.CHANGED
    shown = highlighted(page)
    assert shown[f"p{mine.start}-{mine.end}"] == SELECTED
    assert shown[f"p{reworded.start}-{reworded.end}"] == (
        "First comes the fury: shopkeepers forecasting ruin."
    )
    expect(page.locator("mark.inline-hl.changed").first).to_contain_text("forecasting")

    # The editor cuts a passage: its comment is listed as orphaned in the tab.
    edit_in_admin(browser, live_server, article, lambda body: body.replace(CUT[:40], "XX", 1))
    cut.refresh_from_db()
    assert cut.state == AnchorState.ORPHANED
    open_article(page, live_server, article)
    assert f"p{cut.start}-{cut.end}" not in highlighted(page)
    page.locator("[data-inline-tab]").click()
    panel = page.locator("[data-inline-panel]")
    expect(panel.locator(".inline-orphans-title")).to_have_text("Passages no longer in the article")
    orphan = panel.locator(".inline-group.orphaned")
    expect(orphan.locator(".inline-group-quote")).to_have_text(CUT)
    expect(orphan).to_contain_text("Not in my city.")
    groups = panel.locator(".inline-group:not(.orphaned) .inline-group-quote")
    expect(groups).to_have_text(["First comes the fury: shopkeepers forecasting ruin.", SELECTED])
    # Back to all comments: the main list is as it was.
    page.locator("[data-inline-tab]").click()
    expect(panel).to_be_hidden()
    expect(page.locator("[data-threads] > [data-thread]")).to_have_count(3)


def test_nested_overlapping_pull_quote_and_questions(page: Page, live_server, site, article):
    factories.make_subscriber(site, "sam")
    outer = anchor_on(article, "because people on foot linger and people in cars do not", "Outer.")
    inner = anchor_on(article, "people on foot", "Inner.")
    across = anchor_on(article, "cars do not. A pedestrian spends", "Across.")
    text = plain_text(article.body)
    start = text.index("It begins with the bus")
    question = do_add_question(
        article=Article.objects.get(pk=article.pk),
        start=start,
        end=start + len("It begins with the bus, not the bollard."),
        question="Do you agree with this?",
    )
    sign_in(page, live_server, "sam", f"/articles/{article.slug}/")
    expect(page.locator(".story > .body[data-inline-ready]")).to_have_count(1)
    shown = highlighted(page)
    for anchor in (outer, inner, across):
        assert shown[f"p{anchor.start}-{anchor.end}"] == anchor.exact
    expect(page.locator(f'mark[data-passage="p{outer.start}-{outer.end}"] mark')).not_to_have_count(
        0
    )

    # Clicking the nested passage shows the comments of both passages under it.
    page.locator(f'mark[data-passage="p{inner.start}-{inner.end}"]').first.click()
    popover = page.locator(".inline-popover")
    expect(popover).to_contain_text("Outer.")
    expect(popover).to_contain_text("Inner.")
    expect(popover).not_to_contain_text("Across.")

    # A passage selected in the pull quote lands in the pull quote, not the paragraph.
    page.locator(".inline-popover .inline-close").click()
    select_with_mouse(page, "visits far more often", nth=1)
    page.locator(".inline-comment-button").click()
    page.fill("#new-comment", "From the pull quote.")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator("[data-threads] > [data-thread]").first).to_contain_text(
        "From the pull quote."
    )
    pulled = Anchor.objects.get(comment__body="From the pull quote.")
    assert pulled.start == text.rindex("visits far more often")  # the pull quote is last
    expect(
        page.locator(f'blockquote.pullquote mark[data-passage="p{pulled.start}-{pulled.end}"]')
    ).to_have_text("visits far more often")

    # The editor's question is shown inline; a reader answers it.
    box = page.locator(".inline-question-box")
    expect(box).to_contain_text("Do you agree with this?")
    expect(box.get_by_role("button", name="0 answers")).to_be_visible()
    box.get_by_role("button", name="Answer", exact=True).click()
    expect(page.locator(".comment-form .inline-form-quote")).to_contain_text(
        "Answering: Do you agree with this?"
    )
    page.fill("#new-comment", "Yes, the bus first.")
    page.get_by_role("button", name="Post comment").click()
    expect(
        page.locator(".inline-question-box").get_by_role("button", name="1 answer")
    ).to_be_visible()
    assert Anchor.objects.get(comment__body="Yes, the bus first.").question == question

    # Keyboard: a highlight is focusable and opens with Enter.
    mark = page.locator(f'mark[data-passage="p{across.start}-{across.end}"]').first
    mark.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".inline-popover")).to_contain_text("Across.")
