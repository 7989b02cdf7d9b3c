"""What the wpDiscuz plugin adds to a WordPress export, and PHP's serialisation format.

Comment meta: `wpdiscuz_votes` (net score as a string), `wpdiscuz_votes_seperate` (sic:
PHP-serialised `{like: N, dislike: M}`), `wpdiscuz_closed` (the comment's sub-thread is
closed), `wpdiscuz_feedback_form_id` (an inline-feedback comment: the numeric id of a
feedback form whose passage sits in the post body as
`[wpdiscuz-feedback id="…" question="…" opened="0|1"]passage[/wpdiscuz-feedback]`),
`wpdiscuz_last_edited_at`. Comment types `wpdiscuz_sticky` (pinned) and `private`.

The export does not carry which form id belongs to which shortcode. With one shortcode
in the post the pairing is certain; with several, form ids (which wpDiscuz numbers in
creation order) are paired with shortcodes in the order they appear in the post, and the
import record and the report say that this was inferred.
"""

import re
from dataclasses import dataclass
from typing import Any

_SHORTCODE = re.compile(
    r"\[wpdiscuz-feedback\s+([^\]]*)\](.*?)\[/wpdiscuz-feedback\]", re.DOTALL | re.IGNORECASE
)
_ATTR = re.compile(r"""(\w+)\s*=\s*(?:"([^"]*)"|'([^']*)'|(\S+))""")


class PHPFormatError(ValueError):
    pass


def php_unserialize(data: str) -> Any:
    """PHP's `serialize()` format (strings are counted in UTF-8 bytes): scalars and
    arrays (as dicts); objects are refused."""
    raw = data.encode()
    value, end = _php_value(raw, 0)
    if raw[end:].strip():
        raise PHPFormatError("trailing data")
    return value


def _php_value(raw: bytes, pos: int) -> tuple[Any, int]:
    kind = raw[pos : pos + 1]
    if kind == b"N":
        return None, pos + 2
    colon = raw.index(b":", pos) if kind in b"bidsa" and kind else -1
    if kind in (b"b", b"i", b"d"):
        end = raw.index(b";", colon)
        number = raw[colon + 1 : end].decode()
        if kind == b"b":
            return number == "1", end + 1
        return (int(number) if kind == b"i" else float(number)), end + 1
    if kind == b"s":
        second = raw.index(b":", colon + 1)
        length = int(raw[colon + 1 : second])
        start = second + 2
        text = raw[start : start + length].decode(errors="replace")
        return text, start + length + 2
    if kind == b"a":
        second = raw.index(b":", colon + 1)
        count = int(raw[colon + 1 : second])
        pos = second + 2
        out: dict[Any, Any] = {}
        for _ in range(count):
            key, pos = _php_value(raw, pos)
            out[key], pos = _php_value(raw, pos)
        return out, pos + 1
    raise PHPFormatError(f"unsupported PHP value {kind!r}")


def feedback_passages(post_html: str) -> list[dict[str, str]]:
    """The `[wpdiscuz-feedback]` shortcodes of a post, in order of appearance."""
    out = []
    for match in _SHORTCODE.finditer(post_html or ""):
        attrs = {
            m.group(1): m.group(2) or m.group(3) or m.group(4) or ""
            for m in _ATTR.finditer(match.group(1))
        }
        out.append(
            {
                "shortcode_id": attrs.get("id", ""),
                "question": attrs.get("question", ""),
                "passage": re.sub(r"<[^>]+>", "", match.group(2)).strip(),
            }
        )
    return out


@dataclass
class VoteMeta:
    net: int | None = None
    like: int | None = None
    dislike: int | None = None


def votes(meta: dict[str, str]) -> tuple[VoteMeta, str]:
    """Vote totals from comment meta, and a problem to report (or '')."""
    out = VoteMeta()
    problem = ""
    if "wpdiscuz_votes" in meta:
        try:
            out.net = int(float(meta["wpdiscuz_votes"].strip() or 0))
        except ValueError:
            problem = "unreadable wpdiscuz_votes: ignored"
    if "wpdiscuz_votes_seperate" in meta:
        try:
            split = php_unserialize(meta["wpdiscuz_votes_seperate"])
            out.like = int(split.get("like", 0))
            out.dislike = int(split.get("dislike", 0))
        except (PHPFormatError, ValueError, AttributeError, IndexError, TypeError):
            problem = "unreadable wpdiscuz_votes_seperate: net score used"
    return out, problem


def pair_feedback(form_ids: list[str], passages: list[dict[str, str]]) -> dict[str, dict]:
    """Form id → passage data (with `inferred` when the pairing is by order)."""
    ordered = sorted(set(form_ids), key=lambda v: (len(v), v))
    inferred = len(passages) > 1
    out: dict[str, dict] = {}
    for index, form_id in enumerate(ordered):
        if index < len(passages):
            out[form_id] = {**passages[index], "inferred": inferred}
    return out
