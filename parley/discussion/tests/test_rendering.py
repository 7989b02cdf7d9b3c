"""Comment bodies in, safe HTML out; display names cleaned and escaped.

Every rendered output goes through `assert_safe_html`, an independent check built on the
standard library's html.parser: only allow-listed tags, only href/rel on <a>, only absolute
http(s) and mailto targets, and balanced tags.
"""

import unicodedata
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from parley import factories
from parley.accounts.models import User
from parley.discussion import access, rendering
from parley.discussion.models import Comment
from parley.errors import InvalidInput
from parley.text import clean_plain_text

VOID_TAGS = {"br"}
SAFE_HREF_PREFIXES = ("http://", "https://", "mailto:")
LINK_REL = "nofollow ugc noopener"


class _Shape(HTMLParser):
    """What a browser would build from the output: tags, attributes, links, balance."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str, str | None]] = []
        self.links: list[dict[str, str | None]] = []
        self.problems: list[str] = []
        self.stack: list[str] = []
        self.max_depth = 0
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.extend((tag, name, value) for name, value in attrs)
        if tag == "a":
            self.links.append(dict(attrs))
        if tag not in VOID_TAGS:
            self.stack.append(tag)
            self.max_depth = max(self.max_depth, len(self.stack))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID_TAGS:
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def handle_comment(self, data: str) -> None:
        self.problems.append(f"comment <!--{data}-->")

    def handle_decl(self, decl: str) -> None:
        self.problems.append(f"declaration <!{decl}>")

    def handle_pi(self, data: str) -> None:
        self.problems.append(f"processing instruction <?{data}>")

    def unknown_decl(self, data: str) -> None:
        self.problems.append(f"unknown declaration {data}")


def assert_safe_html(html: str) -> _Shape:
    shape = _Shape()
    shape.feed(html)
    shape.close()
    assert not shape.problems, (shape.problems, html)
    assert not shape.stack, (f"unclosed {shape.stack}", html)
    assert set(shape.tags) <= rendering.ALLOWED_TAGS, html
    for tag, name, value in shape.attributes:
        assert tag == "a" and name in {"href", "rel"}, (tag, name, value, html)
    for link in shape.links:
        href = link.get("href") or ""
        assert href.lower().startswith(SAFE_HREF_PREFIXES), (href, html)
        assert link.get("rel") == LINK_REL, html
    return shape


def rendered(body: str) -> tuple[str, _Shape]:
    html = rendering.render(rendering.check_body(body))
    return html, assert_safe_html(html)


def hrefs(shape: _Shape) -> list[str | None]:
    return [link.get("href") for link in shape.links]


def text_of(shape: _Shape) -> str:
    """The text a reader sees, entities decoded, whitespace folded."""
    return " ".join("".join(shape.text).split())


# --- hostile bodies ------------------------------------------------------------------------

# (body, the links that must come out, a text that must survive or None)
HOSTILE = [
    # scripts and event handlers, in every quoting style and many tags
    ("<script>alert(1)</script>hello", [], "hello"),
    ("<SCRIPT SRC=https://evil.example/x.js></SCRIPT>hello", [], "hello"),
    ("<scr<script>ipt>alert(1)</script>", [], None),
    ("<img src=x onerror=alert(1)>hello", [], "hello"),
    ('<img src="x" onerror="alert(1)">hello', [], "hello"),
    ("<img src='x' onerror='alert(1)'>hello", [], "hello"),
    ("<img src=x onerror=`alert(1)`>hello", [], "hello"),
    ("<body onload=alert(1)>hello</body>", [], "hello"),
    ('<div onmouseover="alert(1)">hello</div>', [], "hello"),
    ("<b onmouseover='alert(1)'>hello</b>", [], "hello"),
    ("<p onclick=alert(1) style=color:red>hello</p>", [], "hello"),
    ("<p/onmouseover=alert(1)>hello", [], "hello"),
    ('<input autofocus onfocus="alert(1)">hello', [], "hello"),
    ("<details open ontoggle=alert(1)>hello</details>", [], "hello"),
    ("<!-- <script>alert(1)</script> -->hello", [], "hello"),
    ("<![CDATA[<script>alert(1)</script>]]>hello", [], "hello"),
    ("&lt;script&gt;alert(1)&lt;/script&gt;", [], "<script>alert(1)</script>"),
    ("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>", [], "<script>alert(1)</script>"),
    # SVG, MathML, iframes, styles, objects
    ("<svg onload=alert(1)></svg>hello", [], "hello"),
    ("<svg><script>alert(1)</script></svg>hello", [], "hello"),
    ('<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>hello', [], "hello"),
    ("<math><mtext><style><img src=x onerror=alert(1)></style></mtext></math>hello", [], "hello"),
    ('<iframe src="https://evil.example/"></iframe>hello', [], "hello"),
    ('<iframe srcdoc="<script>alert(1)</script>"></iframe>hello', [], "hello"),
    ("<style>body{display:none}</style>hello", [], "hello"),
    ('<object data="data:text/html,<script>alert(1)</script>"></object>hello', [], "hello"),
    ('<embed src="javascript:alert(1)">hello', [], "hello"),
    ('<form action="javascript:alert(1)"><button>hello</button></form>', [], "hello"),
    ('<meta http-equiv="refresh" content="0;url=javascript:alert(1)">hello', [], "hello"),
    ('<base href="https://evil.example/">hello', [], "hello"),
    ('<noscript><p title="</noscript><img src=x onerror=alert(1)>">', [], None),
    # javascript: in markdown links, in every disguise
    ("[x](javascript:alert(1))", [], None),
    ("[x](jAvAsCrIpT:alert(1))", [], None),
    ("[x](JAVASCRIPT:alert(1))", [], None),
    ("[x](&#106;avascript:alert(1))", [], None),
    ("[x](&#x6A;avascript:alert(1))", [], None),
    ("[x](%6Aavascript:alert(1))", [], None),
    ("[x](java\tscript:alert(1))", [], None),
    ("[x](java&#9;script:alert(1))", [], None),
    ("[x](   javascript:alert(1))", [], None),
    ("[x](\x01javascript:alert(1))", [], None),
    ("[x](<javascript:alert(1)>)", [], None),
    ("[x][r]\n\n[r]: javascript:alert(1)", [], None),
    ("[x](vbscript:msgbox(1))", [], None),
    ("[x](VBScript:msgbox(1))", [], None),
    ("[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)", [], None),
    ("[x](data:image/svg+xml,<svg onload=alert(1)>)", [], None),
    ("[x](file:///etc/passwd)", [], None),
    # images are off: what is left is a plain link, never an <img> that loads by itself
    ("![x](https://evil.example/track.png)", ["https://evil.example/track.png"], None),
    # javascript: and friends in autolinks
    ("<javascript:alert(1)>", [], None),
    ("<jAvAsCrIpT:alert(1)>", [], None),
    ("<vbscript:msgbox(1)>", [], None),
    ("<data:text/html,x>", [], None),
    ("javascript:alert(1)", [], None),
    # the same in pasted anchors
    ('<a href="javascript:alert(1)">x</a>', [], "x"),
    ("<a href='JaVaScRiPt:alert(1)'>x</a>", [], "x"),
    ("<a href=javascript:alert(1)>x</a>", [], "x"),
    ('<a href="&#106;avascript:alert(1)">x</a>', [], "x"),
    ('<a href="&#x6A;&#x61;vascript:alert(1)">x</a>', [], "x"),
    ('<a href="java&#9;script:alert(1)">x</a>', [], "x"),
    ('<a href="java\tscript:alert(1)">x</a>', [], "x"),
    ('<a href="java\nscript:alert(1)">x</a>', [], "x"),
    ('<a href="   javascript:alert(1)">x</a>', [], "x"),
    ('<a href="vbscript:msgbox(1)">x</a>', [], "x"),
    ('<a href="data:text/html,<script>alert(1)</script>">x</a>', [], "x"),
    # protocol-relative and relative targets are refused too
    ("[x](//evil.example/)", [], None),
    ("[x](/relative/path)", [], None),
    ("[x](relative.html)", [], None),
    ("[x](#fragment)", [], None),
    ("[x](https:evil.example)", [], None),
    ("[x](https:///evil.example)", [], None),
    ('<a href="//evil.example/">x</a>', [], "x"),
    ('<a href="/relative/path">x</a>', [], "x"),
    ('<a href="#top">x</a>', [], "x"),
    # safe links whose other attributes must go
    (
        '<a href="https://ok.example/" onclick="alert(1)" style="color:red" target=_blank>ok</a>',
        ["https://ok.example/"],
        "ok",
    ),
    ('[t](https://ok.example/ "a title")', ["https://ok.example/"], "t"),
    (
        '[t](https://ok.example/"onmouseover="alert(1))',
        ["https://ok.example/%22onmouseover=%22alert(1)"],
        "t",
    ),
    # a pasted safe link whose text is a hostile markdown link: one link, to the safe place
    ('<a href="https://ok.example/">[x](javascript:alert(1))</a>', ["https://ok.example/"], None),
    ("```python\nx = 1\n```", [], "x = 1"),
]


@pytest.mark.parametrize(("body", "links", "text"), HOSTILE)
def test_hostile_bodies_render_to_safe_html(body, links, text):
    _, shape = rendered(body)
    assert hrefs(shape) == links
    # assert_safe_html has checked tags, attributes and targets; hostile markup may
    # survive only as text, which is escaped in the HTML.
    if text is not None:
        assert text in text_of(shape)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("<div>" * 5_000 + "deep" + "</div>" * 5_000, id="5000-nested-div"),
        pytest.param("<div>" * 2_000, id="2000-div-at-the-cap"),
        pytest.param("<div>" * 5_000, id="5000-unclosed-div"),
        pytest.param("<blockquote>" * 5_000 + "deep", id="5000-html-blockquote"),
        pytest.param('<a href="https://a.example/">' * 2_000 + "x", id="2000-open-anchors"),
        pytest.param("<svg>" * 5_000 + "x", id="5000-svg"),
        pytest.param(">" * 5_000 + " deep", id="5000-markdown-quotes"),
        pytest.param("> " * 5_000 + "deep", id="5000-spaced-quotes"),
        pytest.param("- " * 5_000 + "deep", id="5000-list-levels"),
        pytest.param("> - " * 2_500 + "deep", id="2500-quote-list-levels"),
        pytest.param("[" * 10_000, id="open-brackets"),
        pytest.param("`" * 10_000, id="backticks"),
        pytest.param("<b>" * 3_333, id="3333-b"),
    ],
)
def test_pathological_nesting_completes_with_bounded_balanced_output(body):
    html = rendering.render(body)
    shape = assert_safe_html(html)
    assert len(html) <= 5 * len(body) + 1_000
    # Block nesting stops at markdown-it's maxNesting; nested HTML is flattened to text.
    assert shape.max_depth <= 25


def test_emphasis_run_completes_with_bounded_balanced_output():
    # Inline emphasis is not capped by maxNesting: balanced, bounded in size, but deep.
    body = "*" * 5_000 + "x" + "*" * 4_999
    html = rendering.render(rendering.check_body(body))
    assert_safe_html(html)
    assert len(html) <= 5 * len(body)


def test_nesting_bombs_over_the_cap_are_refused_before_rendering():
    with pytest.raises(InvalidInput) as caught:
        rendering.check_body("<div>" * 5_000)
    assert caught.value.code == "too_long"


def test_nesting_within_the_cap_keeps_its_text():
    html, _ = rendered("<div>" * 900 + "deep" + "</div>" * 900)
    assert html == "<p>deep</p>"


# --- length, emptiness, NUL ----------------------------------------------------------------


def test_body_of_exactly_max_chars_is_accepted():
    body = "a" * rendering.MAX_BODY_CHARS
    assert rendering.check_body(body) == body


def test_body_one_char_over_is_refused_too_long():
    with pytest.raises(InvalidInput) as caught:
        rendering.check_body("a" * (rendering.MAX_BODY_CHARS + 1))
    assert caught.value.code == "too_long"
    assert "10,001" in caught.value.message


def test_line_breaks_count_once_like_the_textarea_maxlength():
    # Browsers count a line break once against maxlength but submit it as CRLF.
    body = "a\r\n" * 5_000
    assert len(body) == 15_000
    assert rendering.check_body(body) == ("a\n" * 5_000).strip()
    with pytest.raises(InvalidInput) as caught:
        rendering.check_body(body + "a")
    assert caught.value.code == "too_long"


@pytest.mark.django_db
def test_too_long_is_refused_before_any_parsing(monkeypatch, article, subscriber):
    def explode(*args, **kwargs):
        raise AssertionError("parsed a body that is over the length cap")

    monkeypatch.setattr(rendering, "render", explode)
    monkeypatch.setattr(rendering, "pasted_html_to_markdown", explode)
    with pytest.raises(InvalidInput) as caught:
        access.check_post_comment(
            user=subscriber, article=article, body="<div>" * 2_001, parent_id=None
        )
    assert caught.value.code == "too_long"
    assert not Comment.objects.exists()


@pytest.mark.parametrize("body", ["", " ", "\n\n\t  \r\n", "\x00", " \x00 \x00\n", "\r" * 10_000])
def test_empty_or_whitespace_body_is_refused_empty(body):
    with pytest.raises(InvalidInput) as caught:
        rendering.check_body(body)
    assert caught.value.code == "empty"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("a\x00b", "ab"),
        ("\x00**bold**\x00", "**bold**"),
        ("line\r\nnext\rlast", "line\nnext\nlast"),
        ("  padded  ", "padded"),
    ],
)
def test_check_body_normalises(body, expected):
    assert rendering.check_body(body) == expected


def test_nul_bytes_do_not_reach_the_html():
    html, _ = rendered("a\x00b <b>\x00</b> [x\x00](https://example.org/)")
    assert "\x00" not in html
    assert "\ufffd" not in html


@pytest.mark.parametrize(
    "body",
    [
        "<img src=x onerror=alert(1)>",
        "<script>alert(1)</script>",
        "<style>p{}</style><iframe src=https://evil.example/></iframe>",
        "<div><span></span></div>",
        "&nbsp;",
        "&nbsp;\n\n&#32;&#x2003;",
        "\u00a0\u2003",
    ],
)
@pytest.mark.django_db
def test_markup_only_body_is_refused_empty(body, article, subscriber):
    with pytest.raises(InvalidInput) as caught:
        access.check_post_comment(user=subscriber, article=article, body=body, parent_id=None)
    assert caught.value.code == "empty"
    assert not Comment.objects.exists()


@pytest.mark.django_db
def test_markup_only_body_is_refused_through_http(client, article, subscriber):
    client.force_login(subscriber)
    url = reverse("post_comment", kwargs={"slug": article.slug})
    response = client.post(
        url, {"body": "<img src=x onerror=alert(1)>"}, headers={"X-Parley-Fragment": "1"}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "empty"
    response = client.post(url, {"body": "<img src=x onerror=alert(1)>"})
    assert response.status_code == 400
    assert 'data-code="empty"' in response.content.decode()
    assert not Comment.objects.exists()
    article.refresh_from_db()
    assert article.comment_count == 0


# --- what must keep working ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("**bold**", "<strong>bold</strong>"),
        ("__bold__", "<strong>bold</strong>"),
        ("*italic*", "<em>italic</em>"),
        ("_italic_", "<em>italic</em>"),
        ("`x < y`", "<code>x &lt; y</code>"),
        ("```\nif a < b:\n```", "<pre><code>if a &lt; b:\n</code></pre>"),
        ("~~gone~~", "<s>gone</s>"),
        ("- one\n- two", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"),
        ("1. one\n2. two", "<ol>\n<li>one</li>\n<li>two</li>\n</ol>"),
        ("> quoted", "<blockquote>\n<p>quoted</p>\n</blockquote>"),
        ("> a\n> > b", "<blockquote>\n<p>b</p>\n</blockquote>"),
        ("one  \ntwo", "one<br>"),
        ("para one\n\npara two", "<p>para one</p>\n<p>para two</p>"),
        ("a < b > c & d", "a &lt; b &gt; c &amp; d"),
        ("# not a heading", "<p># not a heading</p>"),
    ],
)
def test_markdown_subset(body, fragment):
    html, _ = rendered(body)
    assert fragment in html


@pytest.mark.parametrize(
    ("body", "href", "text"),
    [
        ("[site](https://example.org/page)", "https://example.org/page", "site"),
        ("[site](http://example.org/)", "http://example.org/", "site"),
        ("[mail](mailto:someone@example.org)", "mailto:someone@example.org", "mail"),
        ("<https://example.org/auto>", "https://example.org/auto", "https://example.org/auto"),
        ("see https://example.org/x", "https://example.org/x", "https://example.org/x"),
        ("see www.example.org today", "http://www.example.org", "www.example.org"),
        ("[HTTPS](HTTPS://example.org/)", "HTTPS://example.org/", "HTTPS"),
        ("[x][r]\n\n[r]: https://example.org/ref", "https://example.org/ref", "x"),
        ('<a href="https://example.org/p">pasted</a>', "https://example.org/p", "pasted"),
        ('<a href="https://example.org/p"></a>', "https://example.org/p", "https://example.org/p"),
    ],
)
def test_safe_links_are_kept_with_rel(body, href, text):
    html, shape = rendered(body)
    assert hrefs(shape) == [href]
    assert f'rel="{LINK_REL}"' in html
    assert text in text_of(shape)


def test_pasted_chunk_becomes_one_clean_link():
    body = '<div><h1><a href="https://example.org/post">Title</a></h1></div>'
    html, shape = rendered(body)
    assert hrefs(shape) == ["https://example.org/post"]
    assert html == f'<p><a href="https://example.org/post" rel="{LINK_REL}">Title</a></p>'
    assert text_of(shape) == "Title"
    for fragment in ("div", "h1", '">', ">", "<", "](", "["):
        assert fragment not in text_of(shape)


def test_pasted_blog_excerpt_keeps_text_and_links_only():
    body = (
        '<div class="post"><h2 class="title"><a href="https://example.org/p?a=1&amp;b=2" '
        'target="_blank">Title &amp; more</a></h2>\n<p class="by">By <span>Someone</span>, '
        '<em>today</em></p><script>track()</script><p>Read <a href="/about">about</a>.</p></div>'
    )
    html, shape = rendered(body)
    assert hrefs(shape) == ["https://example.org/p?a=1&b=2"]
    assert shape.links[0]["href"] == "https://example.org/p?a=1&b=2"
    assert text_of(shape) == "Title & more By Someone, today Read about."
    for fragment in ("class=", "target", "track()", "span", "h2", "/about"):
        assert fragment not in html


@pytest.mark.parametrize(
    ("body", "href", "text"),
    [
        ('<a href="https://x.org/a<b">t</a>', "https://x.org/a%3Cb", "t"),
        ('<a href="https://x.org/a\\">t</a>', "https://x.org/a%5C", "t"),
        ('<a href="https://x.org/a\nb">t</a>', "https://x.org/a%0Ab", "t"),
        ('<a href="https://x.org/a b">t</a>', "https://x.org/a%20b", "t"),
        ('<a href="https://x.org/r.pdf">Report [PDF]</a>', "https://x.org/r.pdf", "Report [PDF]"),
        ('<a href="https://x.org/">one ] two</a>', "https://x.org/", "one ] two"),
        (
            '<a href="https://ok.example/">[inner](https://other.example/)</a>',
            "https://ok.example/",
            "[inner](https://other.example/)",
        ),
        (
            '<a href="https://e.org/card"><div><h3>Card title</h3><p>Description</p></div></a>',
            "https://e.org/card",
            "Card title Description",
        ),
    ],
)
def test_pasted_links_with_awkward_targets_or_text_stay_one_link(body, href, text):
    _, shape = rendered(body)
    assert hrefs(shape) == [href]
    assert text_of(shape) == text


def test_plain_text_without_tags_is_left_to_markdown():
    assert rendering.pasted_html_to_markdown("a < b and 2 > 1") == "a < b and 2 > 1"
    assert rendering.pasted_html_to_markdown("**x**") == "**x**"


def test_pasted_html_to_markdown_drops_script_and_keeps_links():
    md = rendering.pasted_html_to_markdown(
        '<p>Hi <script>alert(1)</script><a href="https://e.org/">there</a></p>'
    )
    assert md == "Hi [there](<https://e.org/>)"


@pytest.mark.parametrize("br", ["<br>", "<br/>", "<br />", "<BR/>"])
def test_a_pasted_line_break_is_one_line_break_however_it_is_written(br):
    assert rendering.pasted_html_to_markdown(f"<p>one{br}two</p><p>three</p>") == (
        "one\ntwo\n\nthree"
    )


def test_to_plain_text_is_text_not_html():
    html, _ = rendered("**a** & b < c")
    assert rendering.to_plain_text(html) == "a & b < c"
    assert rendering.to_plain_text("<p>x</p>\n<p>  y&nbsp;</p>") == "x y"


# --- display names -------------------------------------------------------------------------

_NEVER_IN_NAMES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Ann\u202eliam", "Annliam"),  # right-to-left override
        ("\u202dAnn\u202c", "Ann"),  # left-to-right override, pop
        ("\u2066Ann\u2069 \u2067x\u2069", "Ann x"),  # isolates
        ("\u200fAnn\u200e", "Ann"),  # direction marks
        ("A\u200bn\u200cn\u200d", "Ann"),  # zero-width space, non-joiner, joiner
        ("\ufeffAnn\u2060", "Ann"),  # BOM, word joiner
        ("Ann\u00adSmith", "AnnSmith"),  # soft hyphen
        ("Ann\nSmith", "Ann Smith"),
        ("Ann\r\nSmith", "Ann Smith"),
        ("Ann\u2028Smith\u2029", "Ann Smith"),
        ("Ann\x85Smith", "Ann Smith"),
        ("Ann\tSmith", "Ann Smith"),
        ("Ann\x00\x07\x1b[31m", "Ann[31m"),
        ("\x7fAnn\x9b", "Ann"),
        ("  Ann    Smith  ", "Ann Smith"),
        ("e\u0301", "\u00e9"),  # NFC
        ("Zoë Ångström", "Zoë Ångström"),
        ("李小龍", "李小龍"),
        ("محمد", "محمد"),
        ("<b>x</b>", "<b>x</b>"),  # markup is escaped at render time, not stripped here
    ],
)
def test_clean_plain_text(raw, clean):
    assert clean_plain_text(raw, max_length=60) == clean


def test_clean_plain_text_cuts_to_max_length():
    assert clean_plain_text("a" * 100, max_length=60) == "a" * 60
    assert clean_plain_text("ab \u202e" * 40, max_length=10) == "ab ab ab a"


def test_clean_plain_text_never_keeps_control_or_format_characters():
    every_odd_char = "".join(
        chr(cp)
        for cp in range(0x3000)
        if unicodedata.category(chr(cp)) in _NEVER_IN_NAMES or chr(cp).isspace()
    )
    cleaned = clean_plain_text("A" + every_odd_char + "B", max_length=10_000)
    assert cleaned in {"AB", "A B"}


@pytest.mark.django_db
def test_user_save_cleans_display_name():
    user = factories.make_user("hygiene", display_name="\u202eEvil\u200b\nName\x00")
    user.refresh_from_db()
    assert user.display_name == "Evil Name"
    user.display_name = "  Second\u2066 \r\n go\u2069 "
    user.save()
    user.refresh_from_db()
    assert user.display_name == "Second go"


@pytest.mark.django_db
def test_invisible_only_display_name_falls_back_to_username():
    user = factories.make_user("invisible", display_name="\u202e\u200b\u2060\n")
    user.refresh_from_db()
    assert user.display_name == ""
    assert user.public_name == "invisible"


@pytest.mark.django_db
def test_display_name_is_cut_to_the_column_length():
    user = User(username="longname", display_name="x" * 200)
    user.save()
    user.refresh_from_db()
    assert user.display_name == "x" * 60


@pytest.mark.django_db
@pytest.mark.parametrize("fragment", [False, True])
def test_hostile_display_name_is_escaped_on_the_page(client, site, article, fragment):
    user = factories.make_subscriber(site, "markup", display_name="<b>x</b>")
    client.force_login(user)
    headers = {"X-Parley-Fragment": "1"} if fragment else {}
    response = client.post(
        reverse("post_comment", kwargs={"slug": article.slug}),
        {"body": "Hello there"},
        headers=headers,
    )
    assert response.status_code == (201 if fragment else 302)
    if fragment:
        assert "&lt;b&gt;x&lt;/b&gt;" in response.json()["html"]
        assert "<b>x</b>" not in response.json()["html"]
    html = client.get(reverse("article", kwargs={"slug": article.slug})).content.decode()
    assert "&lt;b&gt;x&lt;/b&gt;" in html
    assert "<b>x</b>" not in html


@pytest.mark.django_db
def test_attribute_breaking_display_name_is_escaped_in_replies(client, site, article):
    name = '"><script>alert(1)</script>'
    hostile = factories.make_subscriber(site, "breaker", display_name=name)
    top = factories.make_comment(article, user=hostile, body="Top")
    replier = factories.make_subscriber(site, "replier")
    factories.make_comment(article, user=replier, body="A reply", parent=top)
    client.force_login(replier)
    html = client.get(reverse("article", kwargs={"slug": article.slug})).content.decode()
    assert "<script>alert(1)" not in html
    assert '"><script' not in html
    assert "Reply to <b>&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;</b>" in html
    assert 'aria-label="Reply to &quot;&gt;&lt;script&gt;' in html


@pytest.mark.django_db
def test_imported_author_name_is_escaped(client, article):
    factories.make_comment(article, user=None, body="Imported", author_name="<i>Old</i>")
    Comment.objects.update(author=None)
    html = client.get(reverse("article", kwargs={"slug": article.slug})).content.decode()
    assert "&lt;i&gt;Old&lt;/i&gt;" in html
    assert "<i>Old</i>" not in html


@pytest.mark.django_db
def test_hostile_body_posted_through_http_is_stored_and_shown_clean(client, article, subscriber):
    client.force_login(subscriber)
    body = (
        '<script>alert(1)</script>Hello <a href="javascript:alert(2)">x</a> '
        "[ok](https://example.org/) <img src=x onerror=alert(3)>"
    )
    response = client.post(reverse("post_comment", kwargs={"slug": article.slug}), {"body": body})
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert comment.body == body
    shape = assert_safe_html(comment.body_html)
    assert hrefs(shape) == ["https://example.org/"]
    client.logout()  # the author's own edit box holds the raw body, escaped
    html = client.get(reverse("article", kwargs={"slug": article.slug})).content.decode()
    for marker in ("<script>alert(1)", "javascript:alert(2)", "onerror=alert(3)", "<img src=x"):
        assert marker not in html
    assert comment.body_html in html
