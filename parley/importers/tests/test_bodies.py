"""The fast path for imported HTML gives exactly what Parley's own conversion gives."""

import json
import re

import pytest

from parley.discussion import rendering
from parley.importers import bodies
from parley.importers.tests.conftest import FIXTURES

CASES = [
    '<p>a &amp; b &lt;c&gt; <a href="https://x.example/?a=1&amp;b=2">l<b>i</b>nk</a></p>',
    "<p>x<br>y</p>",
    '<p><a href="javascript:alert(1)">bad</a> <a href="/rel">rel</a> <a>no</a></p>',
    '<p><a href="">empty</a></p>',
    "<ul><li>one</li><li>two</li></ul><ol><li>three</li></ol>",
    "<blockquote>q</blockquote><pre>code  x</pre><code>c</code><em>e</em><strong>s</strong>",
    "<p>t<script>x()</script><style>p{}</style><iframe>f</iframe><svg><text>s</text></svg></p>",
    '<p><a href="https://a.example/">https://a.example/</a> <a href="mailto:x@y.example">m</a></p>',
    "<p>Ünïcödé 中文 😀 &nbsp;&#8217;&eacute;</p>",
    "<p>unclosed <b>bold <i>italic</p><p>next",
    "<p>One paragraph.</p><p> Two, <br>with a break </p>\n<p></p><p>three</p>",
    "<p>x<br>y</p><P>z</P>",
]


def fixture_bodies() -> list[str]:
    found = []
    for path in (FIXTURES / "disqus").glob("*.xml"):
        found += re.findall(r"<!\[CDATA\[(.*?)\]\]>", path.read_text(), re.DOTALL)
    for line in (FIXTURES / "remark42").glob("*.jsonl"):
        for row in line.read_text().splitlines():
            found += [json.loads(row).get("text", "")]
    return [b for b in found if bodies._LOOKS_LIKE_HTML.search(b)]


@pytest.mark.parametrize("html", CASES + fixture_bodies())
def test_markdown_from_clean_html_matches_pasted_html_to_markdown(html):
    body, body_html, _problem = bodies.from_html(html)
    assert body == rendering.pasted_html_to_markdown(html)
    assert body_html == rendering.clean_html(body_html)  # cleaning is stable (round trips)
    for bad in ("<script", "javascript:", "<iframe", 'href="/rel"', "<b>", "<svg"):
        assert bad not in body_html


def test_html_with_other_blocks_takes_the_full_path():
    body, _html, _ = bodies.from_html("<div>one</div><div>two</div><h2>three</h2>")
    assert body == "one\n\ntwo\n\nthree"


def test_long_bodies_are_kept_then_cut():
    _b, _h, problem = bodies.from_html("<p>" + "x" * 20_000 + "</p>")
    assert "kept whole" in problem
    body, _h, problem = bodies.from_html("<p>" + "x" * 60_000 + "</p>")
    assert "cut" in problem and len(body) <= bodies.MAX_IMPORTED_CHARS


@pytest.mark.parametrize(
    "text", ["plain *markdown*", "a < b > c", "x <3 y", "<b>bold</b>", "line<br/>break", "<p>"]
)
def test_text_without_tags_is_left_to_the_renderer(text):
    looks_like_html = bool(bodies._LOOKS_LIKE_HTML.search(text))
    assert looks_like_html == (rendering.pasted_html_to_markdown(text) != text)


def plain_paragraphs() -> list[str]:
    """Paragraphs of text with every character of the first planes and some beyond, the
    ones the allow-list rewrites included, between and around paragraphs too."""
    characters = [chr(c) for c in range(0x3000)] + ["\ufeff", "\ufffe", "\U0001f600", "\u202e"]
    cases = []
    for start in range(0, len(characters), 64):
        run = "".join(characters[start : start + 64])
        cases += [f"<p>a{run}b</p>", f"<p>x</p>{run}<p>y</p>", f"<p>{run}</p>\n<p></p>"]
    return cases


@pytest.mark.parametrize("html", CASES + fixture_bodies() + plain_paragraphs())
def test_html_is_what_the_allow_list_makes_of_it(html):
    body, body_html, _problem = bodies.from_html(html)
    capped, _ = bodies._cap(html)
    if bodies._LOOKS_LIKE_HTML.search(capped):
        assert body_html == rendering.clean_html(capped)
        assert body == rendering.pasted_html_to_markdown(capped)


def test_plain_paragraphs_skip_the_cleaning(monkeypatch):
    monkeypatch.setattr(rendering, "clean_html", lambda html: pytest.fail("cleaned"))
    body, body_html, _ = bodies.from_html("<p>One, two.</p>\n<p>Three \"four\" 'five'.</p>")
    assert body_html == "<p>One, two.</p>\n<p>Three \"four\" 'five'.</p>"
    assert body == "One, two.\n\nThree \"four\" 'five'."


def test_imported_line_breaks_read_the_same_on_either_conversion_path():
    # A body with block structure the allow-list drops takes the slower path; its line
    # breaks must come out as the usual path gives them.
    for html in ("<p>one<br/>two</p>", "<div>one<br/>two</div>", "<p>one<br>two</p>"):
        assert bodies.from_html(html)[0] == "one\ntwo", html
