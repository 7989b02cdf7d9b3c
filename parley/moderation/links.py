"""Links in rendered comments: which they are, whether a site allows them, stripping them.

Works on the sanitised HTML from parley.discussion.rendering, where every link is
`<a href="…" rel="…">text</a>` with a double-quoted, absolute http(s) or mailto address.
"""

import re
from html import unescape
from urllib.parse import urlsplit

_LINK = re.compile(r'<a\s(?:[^>"]|"[^"]*")*>(.*?)</a>', re.DOTALL)
_HREF = re.compile(r'\shref="([^"]*)"')


def domain_of(href: str) -> str:
    href = unescape(href).strip()
    if href.lower().startswith("mailto:"):
        return href[7:].rpartition("@")[2].split("?")[0].lower()
    try:
        return (urlsplit(href).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""


def parse_domains(text: str) -> list[str]:
    out = []
    for line in (text or "").splitlines():
        entry = line.strip().lower().removeprefix("*.").rstrip(".")
        if entry and not entry.startswith("#"):
            out.append(entry)
    return out


def is_allowed(domain: str, allowed: list[str]) -> bool:
    """A domain on the list, or a subdomain of one."""
    return any(domain == d or domain.endswith("." + d) for d in allowed)


def link_domains(html: str) -> list[str]:
    out = []
    for match in _LINK.finditer(html):
        href = _HREF.search(match.group(0))
        out.append(domain_of(href.group(1)) if href else "")
    return out


def strip_links(html: str, allowed: list[str]) -> str:
    """Replaces each link not on the allowed list by its text."""

    def replace(match: re.Match[str]) -> str:
        href = _HREF.search(match.group(0))
        if href and is_allowed(domain_of(href.group(1)), allowed):
            return match.group(0)
        return match.group(1)

    return _LINK.sub(replace, html)
