"""From the URL a thread was recorded under to the article it belongs to.

Comment platforms record whatever URL the page was viewed at: the development server
(`http://localhost:4000/…`), an old host, a web archive or search-engine cache, a
translation proxy, the same page over http and https. `--url-map` rules rewrite URL
prefixes (`FROM=>TO`, several separated by commas; `*` in FROM matches one path segment),
well-known archive and proxy wrappers are unwrapped (and reported as inferred), and the
article is then found by canonical URL, else by the slug derived from the URL path, else
created. Threads whose URLs lead to one slug are merged into one article.
"""

import hashlib
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from django.utils.text import slugify

from parley.importers.report import ImportReport

SLUG_MAX = 200


class BadRule(ValueError):
    pass


@dataclass(frozen=True)
class Rule:
    pattern: re.Pattern[str]
    replacement: str
    text: str

    def literal(self, _match: re.Match[str]) -> str:
        return self.replacement


def parse_rules(specs: list[str] | str | None) -> list[Rule]:
    """`http://localhost:4000=>https://site.example, https://web.archive.org/web/*/=>`."""
    if not specs:
        return []
    if isinstance(specs, str):
        specs = [specs]
    rules = []
    for spec in specs:
        for part in re.split(r"[,\n]", spec):
            part = part.strip()
            if not part:
                continue
            if "=>" not in part:
                raise BadRule(f"URL map rule {part!r} needs FROM=>TO")
            source, target = (side.strip() for side in part.split("=>", 1))
            if not source:
                raise BadRule(f"URL map rule {part!r} has nothing to match")
            regex = "".join(
                "[^/]*" if piece == "*" else re.escape(piece) for piece in re.split(r"(\*)", source)
            )
            rules.append(Rule(re.compile("^" + regex, re.IGNORECASE), target, part))
    return rules


_ARCHIVE = re.compile(r"^https?://web\.archive\.org/web/\d+[a-z_]*/(.+)$", re.IGNORECASE)
_TRANSLATE_HOST = re.compile(r"^(.+)\.translate\.goog$", re.IGNORECASE)


def _unwrap(url: str) -> str:
    """The page behind an archive, cache or translation-proxy URL, else ''."""
    archived = _ARCHIVE.match(url)
    if archived:
        inner = archived.group(1)
        return inner if "://" in inner else "http://" + inner
    parts = urlsplit(url)
    host = parts.hostname or ""
    query = parse_qs(parts.query)
    if host == "webcache.googleusercontent.com" and "q" in query:
        cached = query["q"][0]
        if cached.startswith("cache:"):
            inner = cached.split(":", 2)[-1].split(" ")[0].split("+")[0]
            return inner if "://" in inner else "http://" + inner
    if host.startswith("translate.") and "u" in query:
        return query["u"][0]
    proxied = _TRANSLATE_HOST.match(host)
    if proxied:
        real = proxied.group(1).replace("--", "\x00").replace("-", ".").replace("\x00", "-")
        return f"https://{real}{parts.path}"
    return ""


def decode_path(path: str) -> tuple[str, int]:
    """Percent-decodes until stable (some exports encode twice); returns the rounds."""
    rounds = 0
    while "%" in path and rounds < 3:
        decoded = unquote(path)
        if decoded == path:
            break
        path, rounds = decoded, rounds + 1
    return path, rounds


def slug_from(text: str) -> str:
    """An ASCII slug (Parley's URLs take `[-a-zA-Z0-9_]`). Text that loses letters on the
    way (CJK, Greek…) gets a short hash so that two such pages stay apart."""
    text = re.sub(r"(/index)?\.(html?|php|aspx?)$", "", text.strip("/"), flags=re.IGNORECASE)
    slug = slugify(text.replace("/", "-"))
    lost = re.sub(r"[\W_]+", "", text, flags=re.ASCII) != re.sub(r"[\W_]+", "", text)
    if slug and (lost or len(slug) > SLUG_MAX):
        digest = hashlib.sha1(text.encode()).hexdigest()[:6]  # noqa: S324 - not security
        slug = f"{slug[: SLUG_MAX - 7].rstrip('-')}-{digest}"
    elif not slug and text:
        slug = "page-" + hashlib.sha1(text.encode()).hexdigest()[:10]  # noqa: S324
    return slug


class UrlMapper:
    def __init__(self, rules: list[Rule], report: ImportReport) -> None:
        self.rules = rules
        self.report = report

    def map(self, url: str, ref: str = "") -> str:
        url = url.strip()
        inner = _unwrap(url)
        if inner:
            self.report.note("thread URL unwrapped from an archive, cache or proxy (inferred)")
            url = inner
        for rule in self.rules:
            url = rule.pattern.sub(rule.literal, url, count=1)
        return url

    def slug(self, url: str, *, hint: str = "", title: str = "", ref: str = "") -> str:
        """The article slug for a thread: the source's own slug if it has one, else the
        URL path, else the title."""
        if hint:
            decoded, _ = decode_path(hint)
            slug = slug_from(decoded)
            if slug:
                return slug
        parts = urlsplit(url)
        path, rounds = decode_path(parts.path)
        if rounds > 1:
            self.report.warn("URL percent-encoded more than once: decoded", ref or url[:80])
        slug = slug_from(path)
        if not slug:
            post = parse_qs(parts.query).get("p") or parse_qs(parts.query).get("page_id")
            if post:
                slug = slug_from(f"p-{post[0]}")
        return slug or slug_from(title) or "home"


def url_key(url: str) -> str:
    """URLs that name one page: no scheme, no `www.`, no default index, no trailing slash,
    percent-decoding undone, query kept only for WordPress's `?p=` links."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    path, _ = decode_path(parts.path)
    path = re.sub(r"/index\.(html?|php)$", "/", path).rstrip("/")
    query = parts.query if re.match(r"^(p|page_id)=\d+$", parts.query) else ""
    return f"{host}{path}?{query}" if query else f"{host}{path}"


def absolute(url: str, domain: str) -> str:
    """A canonical URL for Article.canonical_url: absolute http(s) only."""
    if re.match(r"^https?://[^/\s]", url):
        return url[:500]
    if url.startswith("/") and domain:
        return f"https://{domain}{url}"[:500]
    return ""
