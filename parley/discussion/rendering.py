"""Comment bodies: a safe subset of markdown in, clean HTML out.

Pipeline: length cap (before any parsing), pasted HTML turned into plain text and markdown
links, markdown-it-py with raw HTML off, then nh3 with an explicit allow-list. Only http,
https and mailto links survive, each with rel="nofollow ugc noopener".
"""

import re
from html import unescape
from html.parser import HTMLParser
from urllib.parse import quote

import nh3
from markdown_it import MarkdownIt

from parley.errors import InvalidInput
from parley.text import clean_plain_text

MAX_BODY_CHARS = 10_000

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li", "a",
}  # fmt: skip
# "*": nothing, or nh3 keeps its default generic attributes (lang, title) on every tag.
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {"a": {"href"}, "*": set()}
ALLOWED_SCHEMES = {"http", "https", "mailto"}
_SAFE_HREF = re.compile(r"^(https?://[^/\s]|mailto:[^\s])", re.IGNORECASE)

_md = (
    MarkdownIt("commonmark", {"html": False, "linkify": True, "typographer": False})
    .enable(["linkify", "strikethrough"])
    .disable(["image", "html_block", "html_inline", "heading", "lheading", "hr"])
)
_md.options["maxNesting"] = 20
# markdown-it's own check refuses javascript:, vbscript:, file: and data:; Parley goes
# further and accepts only absolute http(s) and mailto targets (no relative or
# protocol-relative links), so anything else stays as the text the author typed.
_md.validateLink = lambda url: bool(_SAFE_HREF.match(url.strip()))  # type: ignore[method-assign]


def check_body(body: str) -> str:
    """Validates a submitted body and returns it normalised; raises InvalidInput."""
    # A line break counts once, as in the textarea's maxlength, though forms send CRLF.
    length = len(body) - body.count("\r\n")
    if length > MAX_BODY_CHARS:
        raise InvalidInput(
            f"A comment can be at most {MAX_BODY_CHARS:,} characters long "
            f"(this one has {length:,}).",
            code="too_long",
        )
    body = body.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not body:
        raise InvalidInput("Write something before posting.", code="empty")
    return body


def _keep_href(element: str, attribute: str, value: str) -> str | None:
    if element == "a" and attribute == "href":
        # nh3 keeps protocol-relative and relative links; a comment may only point to
        # absolute http(s) or mailto addresses.
        return value if _SAFE_HREF.match(value) else None
    return value


def render(body: str) -> str:
    """Renders an already checked body to safe HTML."""
    return clean_html(_md.render(pasted_html_to_markdown(body)))


def clean_html(html: str) -> str:
    """Untrusted HTML (pasted, imported, or rendered above) through Parley's allow-list:
    only the allowed tags and attributes, links only to absolute http(s) or mailto targets
    with rel="nofollow ugc noopener", comments gone, and the content of scripts, styles,
    frames and SVG dropped with them. Stable: cleaning clean HTML changes nothing."""
    return _cleaner.clean(html).strip()


def to_plain_text(body_html: str) -> str:
    """The text of rendered HTML, for excerpts and e-mails: plain text, not HTML (a page
    escapes it like any other text)."""
    return " ".join(unescape(nh3.clean(body_html, tags=set())).split())


def is_blank(body_html: str) -> bool:
    """True when rendered HTML shows nothing readable: no text once markup, whitespace,
    control and invisible format characters (zero-width spaces, bidi marks) are gone."""
    return not clean_plain_text(to_plain_text(body_html), max_length=MAX_BODY_CHARS)


# --- pasted HTML ---------------------------------------------------------------------------

_LOOKS_LIKE_HTML = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(\s[^<>]*)?/?>")
_BLOCK_TAGS = {
    "p", "div", "section", "article", "header", "footer", "h1", "h2", "h3", "h4", "h5", "h6",
    "li", "ul", "ol", "blockquote", "pre", "table", "tr", "figure", "figcaption", "br", "hr",
}  # fmt: skip
_DROP_CONTENT = {"script", "style", "template", "noscript", "iframe", "object", "svg", "math"}
_cleaner = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes=ALLOWED_SCHEMES,
    link_rel="nofollow ugc noopener",
    attribute_filter=_keep_href,
    strip_comments=True,
    clean_content_tags=_DROP_CONTENT,
)


class _PastedHTML(HTMLParser):
    """Turns a chunk of pasted HTML into text, keeping links as markdown links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.dropping = 0
        self.link_stack: list[tuple[str | None, int]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROP_CONTENT:
            self.dropping += 1
        elif tag in _BLOCK_TAGS:
            self.out.append("\n\n" if tag != "br" else "\n")
        elif tag == "a":
            href = dict(attrs).get("href") or None
            self.link_stack.append((href, len(self.out)))

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROP_CONTENT:
            self.dropping = max(0, self.dropping - 1)
        elif tag in _BLOCK_TAGS and tag != "br":  # `<br/>` ends nothing: one line break
            self.out.append("\n\n")
        elif tag == "a" and self.link_stack:
            href, start = self.link_stack.pop()
            text = "".join(self.out[start:]).strip()
            del self.out[start:]
            if href and _SAFE_HREF.match(href.strip()):
                # A markdown link holds one line of text and an unescaped <destination>.
                label = re.sub(r"([\\\[\]])", r"\\\1", " ".join(text.split()) or href.strip())
                target = re.sub(r"[<>\\\s]", lambda m: quote(m.group()), href.strip())
                self.out.append(f"[{label}](<{target}>)")
            else:
                self.out.append(text)

    def handle_data(self, data: str) -> None:
        if not self.dropping:
            self.out.append(data)


def pasted_html_to_markdown(body: str) -> str:
    """Leaves ordinary text alone; a body that contains HTML tags becomes its text, with
    its links kept as markdown links and everything else (tags, scripts, styles) gone."""
    if not _LOOKS_LIKE_HTML.search(body):
        return body
    parser = _PastedHTML()
    parser.feed(body)
    parser.close()
    text = "".join(parser.out)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
