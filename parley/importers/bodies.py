"""Comment bodies from other platforms, made safe with Parley's own rules.

Imported HTML is never trusted. Two paths, chosen by what the source stores:

- rendered HTML (Disqus, Remark42, Commento's html): `body_html` is the HTML cleaned by
  `rendering.clean_html`, Parley's own allow-list (same tags, same attributes, same link
  check, same rel), and `body` (what an edit starts from) is
  `rendering.pasted_html_to_markdown` of it. This keeps the author's paragraphs and links
  and costs ~30 µs, where the full markdown render costs ~300 µs: the difference between
  a million comments in a minute and in five.
- text with optional inline HTML or markdown (WordPress, Isso, Commento's markdown,
  Parley's own body): `body` is the text (pasted HTML turned into markdown links), and
  `body_html` is `rendering.render(body)`, the path a new comment takes.
"""

import re
from html import unescape

from parley.discussion import rendering

# Longer comments than Parley accepts from its own form are kept whole up to this size
# (and reported); beyond it they are cut, because nh3's time grows with tag nesting.
MAX_IMPORTED_CHARS = 50_000

# The test `rendering.pasted_html_to_markdown` makes before treating a body as HTML: a body
# without a tag is text (markdown), rendered like a new comment.
_LOOKS_LIKE_HTML = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(\s[^<>]*)?/?>")


def _cap(text: str) -> tuple[str, str]:
    text = text.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(text) > MAX_IMPORTED_CHARS:
        return text[:MAX_IMPORTED_CHARS], f"body cut to {MAX_IMPORTED_CHARS:,} characters"
    if len(text) > rendering.MAX_BODY_CHARS:
        return text, f"body longer than {rendering.MAX_BODY_CHARS:,} characters, kept whole"
    return text, ""


def from_html(html: str) -> tuple[str, str, str]:
    """(body, body_html, problem) for a body stored as rendered HTML."""
    html, problem = checked_html(html)
    body, body_html = convert_html(html)
    return body, body_html, problem


def checked_html(html: str) -> tuple[str, str]:
    """The first half of `from_html`, which a reader process always does itself: the
    HTML made ready for `convert_html` (capped) and the problem to report, if any."""
    html, problem = _cap(html)
    if not _LOOKS_LIKE_HTML.search(html):
        return html, _cap(html)[1]  # as `from_text` reports it
    return html, problem


def convert_html(html: str) -> tuple[str, str]:
    """The second half of `from_html`: (body, body_html) for HTML from `checked_html`.
    A reader process that is the slower of the two may leave it to the writer
    (`Handoff`)."""
    if not _LOOKS_LIKE_HTML.search(html):
        body, body_html, _problem = from_text(html)  # its problem: `checked_html`'s
        return body, body_html
    if _PLAIN_PARAGRAPHS.fullmatch(html):
        # Nothing but paragraphs of text without a markup character: safe as it stands,
        # and what the allow-list returns for it, unchanged (tested); most comments are
        # like this, and the check costs a tenth of the cleaning. Its markdown is what
        # `markdown_from_clean` gives, without that function's count of the tags.
        return _folded(html.replace("<p>", "\n\n").replace("</p>", "\n\n")), html
    body_html = rendering.clean_html(html)
    if _OTHER_STRUCTURE.search(html):
        return rendering.pasted_html_to_markdown(html), body_html
    return markdown_from_clean(body_html), body_html


class Handoff:
    """Whether this process leaves `convert_html` to the writer. Only a reader process
    (reader.py) turns it on, while the writer keeps up with it and waits for records:
    a parser then sends the checked HTML in `CommentRecord.html` and the writer converts
    it, on the core that was waiting. The rows are the same either way."""

    active = False


# Paragraphs of plain text: no tag but `<p>`, no `<`, `>` or `&` in the text, and none of
# the characters the allow-list's serialiser rewrites (NUL, CR, no-break space), with
# only spaces, tabs and line breaks between paragraphs.
_PLAIN_PARAGRAPHS = re.compile(r"(?:<p>[^<>&\x00\r\xa0]*</p>[ \t\n]*)+")

# Block structure that the allow-list drops (and so cannot be read back from body_html).
_OTHER_STRUCTURE = re.compile(
    r"<(div|h[1-6]|section|article|header|footer|table|tr|figure|figcaption|hr|br\s*/)\b",
    re.IGNORECASE,
)
_CLEAN_TAG = re.compile(r"<(/?)([a-z0-9]+)([^>]*)>")
_BLANK_RUN = re.compile(r"\n{3,}")
_CLEAN_HREF = re.compile(r'href="([^"]*)"')
_BLOCKS = {"p", "pre", "blockquote", "ul", "ol", "li"}


def markdown_from_clean(body_html: str) -> str:
    """`rendering.pasted_html_to_markdown` for HTML that nh3 has already cleaned (so it is
    well-formed, its attributes quoted, its scripts gone): the same text, blank lines for
    blocks, links as markdown links, at a third of the cost of Python's HTMLParser. Used
    when the source HTML has no block element outside the allow-list (the usual case)."""
    if "&" not in body_html and body_html.count("<") == (
        body_html.count("<p>") + body_html.count("</p>") + body_html.count("<br>")
    ):
        # Paragraphs and line breaks only, nothing escaped (most comments): the loop
        # below would give each tag its blank line or line break and the text unchanged.
        text = body_html.replace("<p>", "\n\n").replace("</p>", "\n\n").replace("<br>", "\n")
    else:
        text = _markdown_from_tags(body_html)
    return _folded(text)


def _folded(text: str) -> str:
    """Markdown from blank-line-separated blocks: runs of blank lines folded to one."""
    if "\n\n\n" in text:  # most comments have no run of blank lines to fold
        text = _BLANK_RUN.sub("\n\n", text)
    return text.strip()


def _markdown_from_tags(body_html: str) -> str:
    out: list[str] = []
    links: list[tuple[str | None, int]] = []
    pos = 0
    for match in _CLEAN_TAG.finditer(body_html):
        out.append(unescape(body_html[pos : match.start()]))
        pos = match.end()
        closing, tag, attrs = match.groups()
        if tag == "br":
            out.append("\n")
        elif tag in _BLOCKS:
            out.append("\n\n")
        elif tag == "a" and not closing:
            found = _CLEAN_HREF.search(attrs)
            links.append((unescape(found.group(1)) if found else None, len(out)))
        elif tag == "a" and links:
            target, start = links.pop()
            text = "".join(out[start:]).strip()
            del out[start:]
            # rendering.clean_html kept only hrefs that pass Parley's link check; others are gone.
            if target and target.strip():
                label = text or target.strip()
                out.append(f"[{label}](<{target.strip().replace('>', '%3E')}>)")
            else:
                out.append(text)
    out.append(unescape(body_html[pos:]))
    return "".join(out)


def from_text(text: str) -> tuple[str, str, str]:
    """(body, body_html, problem) for a body stored as text, markdown or mixed HTML."""
    text, problem = _cap(text)
    body = rendering.pasted_html_to_markdown(text)
    return body, rendering.render(body), problem


def from_parley(body: str, body_html: str) -> tuple[str, str, str]:
    """Parley's own export: the body as written, and its HTML cleaned again (a no-op on
    HTML that Parley produced, so a round trip is byte for byte)."""
    body, problem = _cap(body)
    if not body_html:
        return body, rendering.render(body), problem
    return body, rendering.clean_html(body_html), problem
