"""Checks of untrusted passage input, and who may see which part of an article.

`check_anchor` parses the optional anchor fields of a comment form; the discussion's
post_comment view calls it before posting and `actions.attach_anchor` after, in one
transaction; the API's post_comment calls `check_anchor_fields` with its `anchor` object.
Everything is plain text: offsets are over the article's text (`texts.article_text`: the
body's plain text, or the host page's for an embedded article), prefix and suffix are
recomputed from the server's text, nothing is ever rendered as HTML.
"""

import unicodedata
from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest

from parley.articles.body import plain_text
from parley.articles.models import Article
from parley.articles.sites import current_site
from parley.errors import InvalidInput, NotFound
from parley.inline.actions import AnchorData
from parley.inline.models import MAX_QUOTE_CHARS, PassageQuestion
from parley.inline.reanchor import CONTEXT_CHARS, Normalised, fold
from parley.inline.texts import article_text, current_revision

FIELDS = ("anchor_exact", "anchor_prefix", "anchor_suffix", "anchor_start", "anchor_end")
QUESTION_FIELD = "anchor_question"
MAX_CONTEXT_CHARS = 2 * CONTEXT_CHARS


def visible_text_end(article: Article, viewer: Any) -> int | None:
    """Where the part of the article's plain text this viewer may read ends, or None
    when they may read all of it. Quotes from beyond it are never shown to them, and they
    cannot anchor a comment there. The metered paywall decides (parley/paywall/meter.py):
    the end of the free preview for a reader past the meter, else None."""
    from parley.paywall.meter import visible_text_end as metered_end  # imported late: app order

    return metered_end(article, viewer)


def quote_visible(end: int, limit: int | None) -> bool:
    return limit is None or end <= limit


def access_article(*, request: HttpRequest, article_id: int) -> Article:
    """An article of the site serving this request; other sites' articles are missing."""
    site = current_site(request)
    try:
        return Article.objects.select_related("site").get(pk=article_id, site=site)
    except Article.DoesNotExist:
        raise NotFound("No such article.") from None


def _offset(value: str | None, name: str) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise InvalidInput(
            f"The passage's {name} is not a number.", code="anchor_invalid"
        ) from None
    return number


def _question(article: Article, value: str) -> PassageQuestion:
    try:
        question = PassageQuestion.objects.get(pk=int(value), article=article)
    except (PassageQuestion.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such question on this article.", code="no_such_question") from None
    if not question.is_placed:
        raise InvalidInput(
            "The passage of this question is no longer in the article.", code="anchor_orphaned"
        )
    return question


def check_anchor(
    *, article: Article, data: Mapping[str, Any], viewer: Any = None
) -> AnchorData | None:
    """The checked passage of a comment form, or None when the form has none.

    Refuses (InvalidInput, with a stable code): offsets that are not numbers or fall
    outside the article (`anchor_outside`), a quote longer than MAX_QUOTE_CHARS or context
    longer than MAX_CONTEXT_CHARS (`anchor_too_long`), a quote that is not the text at those
    offsets once whitespace and typographic quotes are normalised (`anchor_mismatch`), a
    passage beyond what the viewer may read (`anchor_hidden`), and a passage on a reply
    (`anchor_on_reply`). Leading and trailing whitespace of the selection is dropped."""
    question_id = str(data.get(QUESTION_FIELD) or "").strip()
    if not question_id and not any(str(data.get(name) or "").strip() for name in FIELDS):
        return None
    if str(data.get("parent") or "").strip():
        raise InvalidInput(
            "A reply belongs to the passage of its thread; it cannot quote another.",
            code="anchor_on_reply",
        )
    text = article_text(article)
    limit = visible_text_end(article, viewer)
    if question_id:
        question = _question(article, question_id)
        if not quote_visible(question.end, limit):
            raise NotFound("No such question on this article.", code="no_such_question")
        return AnchorData(start=question.start, end=question.end, text=text, question=question)

    exact = str(data.get("anchor_exact") or "")
    prefix = str(data.get("anchor_prefix") or "")
    suffix = str(data.get("anchor_suffix") or "")
    if len(exact) > MAX_QUOTE_CHARS:
        raise InvalidInput(
            f"A passage can be at most {MAX_QUOTE_CHARS} characters long; select less.",
            code="anchor_too_long",
        )
    if len(prefix) > MAX_CONTEXT_CHARS or len(suffix) > MAX_CONTEXT_CHARS:
        raise InvalidInput("The passage's context is too long.", code="anchor_too_long")
    start = _offset(data.get("anchor_start"), "start")
    end = _offset(data.get("anchor_end"), "end")
    if not 0 <= start < end <= len(text):
        raise InvalidInput("The selected passage is not in the article.", code="anchor_outside")
    if end - start > MAX_QUOTE_CHARS:
        raise InvalidInput(
            f"A passage can be at most {MAX_QUOTE_CHARS} characters long; select less.",
            code="anchor_too_long",
        )
    if not quote_visible(end, limit):
        raise InvalidInput("That passage is not one you can read.", code="anchor_hidden")
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if not fold(exact) or fold(text[start:end]) != fold(exact):
        raise InvalidInput(
            "The selected passage does not match the article; it may have just been "
            "edited. Reload the page and select it again.",
            code="anchor_mismatch",
        )
    return AnchorData(start=start, end=end, text=text)


def check_anchor_fields(
    *,
    article: Article,
    fields: Mapping[str, Any] | None,
    parent_id: int | None,
    viewer: Any = None,
) -> AnchorData | None:
    """`check_anchor` for the API's `anchor` object (`exact`, `prefix`, `suffix`, `start`,
    `end`, and optionally `revision`, the revision number the offsets were taken on).
    A revision that is no longer the current one is `article_changed`: the offsets may
    point elsewhere now."""
    if fields is None:
        return None
    data: dict[str, Any] = {f"anchor_{name}": fields.get(name) for name in _API_FIELDS}
    data["parent"] = parent_id or ""
    revision = fields.get("revision")
    if revision is not None:
        latest = current_revision(article)
        if latest is None or latest.number != revision:
            raise InvalidInput(
                "The article has changed since that revision; fetch it again and "
                "select the passage anew.",
                code="article_changed",
            )
    if not str(data["anchor_exact"] or "").strip():
        raise InvalidInput("The passage's quote (`exact`) is empty.", code="anchor_invalid")
    return check_anchor(article=article, data=data, viewer=viewer)


_API_FIELDS = ("exact", "prefix", "suffix", "start", "end")


def find_passage(text: str, passage: str, occurrence: int = 1) -> tuple[int, int]:
    """The offsets of the n-th occurrence of `passage` in `text`, compared as `check_anchor`
    compares (whitespace and typographic quotes normalised). For editors, who paste a
    passage rather than select it."""
    wanted = fold(passage)
    if not wanted:
        raise InvalidInput("Give the passage the question is about.", code="anchor_invalid")
    if len(wanted) > MAX_QUOTE_CHARS:
        raise InvalidInput(
            f"A passage can be at most {MAX_QUOTE_CHARS} characters long.", code="anchor_too_long"
        )
    normalised = Normalised(text)
    at = -1
    for _ in range(max(1, occurrence)):
        at = normalised.text.find(wanted, at + 1)
        if at == -1:
            raise InvalidInput(
                "The article does not contain that passage"
                + (" that many times." if occurrence > 1 else "."),
                code="anchor_mismatch",
            )
    return normalised.span_to_orig(at, at + len(wanted))


# --- The host page's text of an embedded article (docs/anchors.md, docs/embed.md) -------

MAX_HOST_TEXT_CHARS = 200_000
MAX_HOST_BLOCKS = 5_000
_DROP_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def clean_host_block(value: str) -> str:
    """One block of a host page's text as plain text: control and format characters
    dropped, whitespace runs folded to one space, trimmed. embed.js computes the same
    string from the page (offsets must agree), so no Unicode normalisation here."""
    kept = "".join(
        " " if ch.isspace() else ch
        for ch in value
        if ch.isspace() or unicodedata.category(ch) not in _DROP_CATEGORIES
    )
    return " ".join(kept.split())


def check_host_text(*, article: Article, blocks: Any) -> str:
    """The plain text of an embedded article's host page, from its blocks (joined by a
    blank line, as the body's are). Refuses: an article with a body of its own, whose
    passages are over that body (`article_has_body`); anything but a list of strings
    (`bad_text`); more than MAX_HOST_TEXT_CHARS characters or MAX_HOST_BLOCKS blocks
    (`text_too_long`). The caller checked that the request is the embed's, from an allowed
    origin, for this article's page, by a reader who may post."""
    if plain_text(article.body):
        raise InvalidInput(
            "This article's text is its own body, not the host page's.", code="article_has_body"
        )
    if not isinstance(blocks, list) or not all(isinstance(b, str) for b in blocks):
        raise InvalidInput("The page's text is a list of blocks of text.", code="bad_text")
    if len(blocks) > MAX_HOST_BLOCKS or sum(len(b) for b in blocks) > MAX_HOST_TEXT_CHARS:
        raise InvalidInput("The page's article is too long to comment on.", code="text_too_long")
    return "\n\n".join(cleaned for cleaned in map(clean_host_block, blocks) if cleaned)
