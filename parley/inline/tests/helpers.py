"""Builders of the inline tests."""

from parley.articles.body import plain_text

BODY = """
Every city that has closed its centre to private cars has gone through the same three
seasons. First comes the fury: shopkeepers predicting ruin.

Footfall tends to rise, because people on foot linger and people in cars do not. A
pedestrian spends less per visit than a driver but visits far more often.

> A pedestrian spends less per visit than a driver but visits far more often.

## The bargain

It begins with the bus, not the bollard. Cities that did this first found the closure
almost an anticlimax.
"""


def anchor_fields(text: str, quote: str, nth: int = 0) -> dict[str, str]:
    """The anchor fields inline.js sends for the nth occurrence of `quote` in `text`."""
    at = -1
    for _ in range(nth + 1):
        at = text.index(quote, at + 1)
    end = at + len(quote)
    return {
        "anchor_exact": quote,
        "anchor_prefix": text[max(0, at - 32) : at],
        "anchor_suffix": text[end : end + 32],
        "anchor_start": str(at),
        "anchor_end": str(end),
    }


def fields_for(article, quote: str, nth: int = 0) -> dict[str, str]:
    return anchor_fields(plain_text(article.body), quote, nth)
