"""Plain-text hygiene shared by every place that stores a name or a short label."""

import unicodedata

# Bidi embeddings/overrides/isolates and other format characters can reorder or hide text
# around a name; control characters can break layouts, logs and e-mail headers.
_DROP_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def clean_plain_text(value: str, *, max_length: int) -> str:
    """Returns `value` with control and format characters removed, whitespace folded,
    normalised to NFC and cut to `max_length` characters."""
    kept = "".join(
        " " if ch.isspace() else ch
        for ch in unicodedata.normalize("NFC", value)
        if ch.isspace() or unicodedata.category(ch) not in _DROP_CATEGORIES
    )
    return " ".join(kept.split())[:max_length]
