"""Re-anchoring, table-driven: a passage of the old text, the new text, and where the
passage must be found (or that it is orphaned). Pure: no database."""

import pytest

from parley.inline.reanchor import (
    Normalised,
    Selectors,
    State,
    fold,
    reanchor,
    reanchor_many,
    selectors_at,
)

P1 = (
    "Every city that has closed its centre to private cars has gone through the same three "
    "seasons. First comes the fury: shopkeepers predicting ruin, radio phone-ins full of "
    "pensioners who will never again see their dentist."
)
P2 = (
    "Footfall tends to rise, because people on foot linger and people in cars do not. A "
    "pedestrian spends less per visit than a driver but visits far more often."
)
PULL = "A pedestrian spends less per visit than a driver but visits far more often."
P3 = (
    "It begins with the bus, not the bollard. Cities that did this first found the closure "
    'almost an anticlimax. The driver\'s "right" to park is not a right at all.'
)
BASE = "\n\n".join([P1, P2, PULL, P3])
RSQUO, LDQUO, RDQUO, NDASH = "\u2019", "\u201c", "\u201d", "\u2013"
INTRO = "A new opening paragraph, written after the comments.\n\n"
PEDESTRIAN = "A pedestrian spends less per visit than a driver but visits far more often."


def passage(text: str, quote: str, nth: int = 0) -> Selectors:
    at = -1
    for _ in range(nth + 1):
        at = text.index(quote, at + 1)
    return selectors_at(text, at, at + len(quote))


def nth_index(text: str, quote: str, nth: int) -> int:
    at = -1
    for _ in range(nth + 1):
        at = text.index(quote, at + 1)
    return at


CASES = [
    # (old, new, quote, nth in old, state, passage expected in new, nth of it in new)
    pytest.param(BASE, BASE, "shopkeepers predicting ruin", 0, "attached", None, 0, id="unchanged"),
    pytest.param(
        BASE,
        INTRO + BASE,
        "with the bus, not the bollard",
        0,
        "attached",
        None,
        0,
        id="insertion-before-the-passage",
    ),
    pytest.param(
        BASE,
        BASE.replace("It begins with", "It begins, first of all, with"),
        "with the bus, not the bollard",
        0,
        "attached",
        None,
        0,
        id="insertion-right-before-stays-outside",
    ),
    pytest.param(
        BASE,
        BASE.replace("the bollard.", "the bollard, always."),
        "with the bus, not the bollard",
        0,
        "attached",
        None,
        0,
        id="insertion-right-after-stays-outside",
    ),
    pytest.param(
        BASE,
        BASE.replace("predicting ruin", "forecasting ruin"),
        "First comes the fury: shopkeepers predicting ruin",
        0,
        "changed",
        "First comes the fury: shopkeepers forecasting ruin",
        0,
        id="one-word-changed-inside",
    ),
    pytest.param(
        BASE,
        INTRO + BASE.replace("people on foot linger", "walkers stay longer"),
        "because people on foot linger and people in cars do not",
        0,
        "changed",
        "because walkers stay longer and people in cars do not",
        0,
        id="words-changed-inside-and-insertion-before",
    ),
    pytest.param(
        BASE,
        BASE.replace("not the bollard", "not the Bollard"),
        "It begins with the bus, not the bollard.",
        0,
        "changed",
        "It begins with the bus, not the Bollard.",
        0,
        id="case-changed-inside",
    ),
    pytest.param(
        BASE,
        BASE.replace("Cities that did this first found the closure almost an anticlimax. ", ""),
        "Cities that did this first found the closure almost an anticlimax.",
        0,
        "orphaned",
        None,
        0,
        id="passage-removed",
    ),
    pytest.param(
        BASE,
        BASE.replace(P1 + "\n\n", ""),
        "radio phone-ins",
        0,
        "orphaned",
        None,
        0,
        id="paragraph-removed",
    ),
    pytest.param(
        BASE,
        BASE.replace(
            "Cities that did this first found the closure almost an anticlimax.",
            "Nobody remembers the argument a year later.",
        ),
        "Cities that did this first found the closure almost an anticlimax.",
        0,
        "orphaned",
        None,
        0,
        id="passage-rewritten",
    ),
    pytest.param(
        BASE,
        INTRO + BASE,
        PEDESTRIAN,
        0,
        "attached",
        None,
        0,
        id="duplicated-in-pull-quote-paragraph-kept",
    ),
    pytest.param(
        BASE,
        INTRO + BASE,
        PEDESTRIAN,
        1,
        "attached",
        None,
        1,
        id="duplicated-in-pull-quote-pull-quote-kept",
    ),
    pytest.param(
        BASE,
        "\n\n".join([P1, PULL, P3, P2]),
        PEDESTRIAN,
        0,
        "attached",
        None,
        1,
        id="paragraph-moved-context-picks-the-duplicate",
    ),
    pytest.param(
        BASE,
        "As the saying goes: It begins with the bus, not the bollard.\n\n" + BASE,
        "It begins with the bus, not the bollard.",
        0,
        "attached",
        None,
        1,
        id="new-duplicate-inserted-before",
    ),
    pytest.param(
        BASE,
        BASE.replace("shopkeepers predicting", "shopkeepers\n\npredicting"),
        "First comes the fury: shopkeepers predicting ruin",
        0,
        "attached",
        "First comes the fury: shopkeepers\n\npredicting ruin",
        0,
        id="paragraph-split-inside-the-passage",
    ),
    pytest.param(
        BASE.replace("foot linger", "foot  linger"),
        BASE,
        "people on foot  linger",
        0,
        "attached",
        "people on foot linger",
        0,
        id="whitespace-collapsed",
    ),
    pytest.param(
        BASE,
        BASE.replace('driver\'s "right"', f"driver{RSQUO}s {LDQUO}right{RDQUO}"),
        'The driver\'s "right" to park',
        0,
        "attached",
        f"The driver{RSQUO}s {LDQUO}right{RDQUO} to park",
        0,
        id="typographic-quotes-inside",
    ),
    pytest.param(
        BASE,
        BASE.replace('driver\'s "right"', f"driver{RSQUO}s {LDQUO}right{RDQUO}"),
        "to park is not a right",
        0,
        "attached",
        None,
        0,
        id="typographic-quotes-in-context",
    ),
    pytest.param(
        BASE,
        BASE.replace("radio phone-ins", f"radio phone{NDASH}ins"),
        "radio phone-ins full",
        0,
        "attached",
        f"radio phone{NDASH}ins full",
        0,
        id="dash-typography",
    ),
    pytest.param(
        BASE,
        BASE.replace(
            " Cities that did this first found the closure almost an anticlimax.", ""
        ).replace(
            "do not.", "do not. Cities that did this first found the closure almost an anticlimax."
        ),
        "Cities that did this first found the closure almost an anticlimax.",
        0,
        "attached",
        None,
        0,
        id="sentence-moved-to-another-paragraph",
    ),
    pytest.param(
        BASE,
        INTRO + BASE,
        "Every city",
        0,
        "attached",
        None,
        0,
        id="passage-at-the-start",
    ),
    pytest.param(
        BASE,
        BASE + "\n\nA closing paragraph.",
        "not a right at all.",
        0,
        "attached",
        None,
        0,
        id="passage-at-the-end",
    ),
    pytest.param(BASE, "", "shopkeepers predicting ruin", 0, "orphaned", None, 0, id="all-gone"),
]


@pytest.mark.parametrize(("old", "new", "quote", "nth", "state", "expected", "nth_new"), CASES)
def test_reanchor(old, new, quote, nth, state, expected, nth_new):
    result = reanchor(old, new, passage(old, quote, nth))
    assert result.state == state, result
    if state == "orphaned":
        assert result.selectors is None
        return
    found = result.selectors
    assert found is not None
    expected = expected or quote
    assert found.exact == expected
    assert new[found.start : found.end] == expected
    assert found.start == nth_index(new, expected, nth_new)
    assert found.prefix == new[max(0, found.start - 32) : found.start]
    assert found.suffix == new[found.end : found.end + 32]
    assert found.original == quote


SHORT = "The council met on Monday. It voted for the plan. The mayor said the plan was bold."


@pytest.mark.parametrize(
    ("new", "state", "nth_new"),
    [
        pytest.param("Late news. " + SHORT, "attached", 0, id="short-quote-moves-with-position"),
        pytest.param(
            SHORT.replace("It voted for the plan. ", ""),
            "orphaned",
            0,
            id="short-quote-removed-not-taken-elsewhere",
        ),
    ],
)
def test_short_quotes_follow_position_not_luck(new, state, nth_new):
    result = reanchor(SHORT, new, passage(SHORT, "the plan", 0))
    assert result.state == state
    if state == "attached":
        assert result.selectors is not None
        assert result.selectors.start == nth_index(new, "the plan", nth_new)


def test_a_changed_passage_edited_back_is_attached_again():
    edited = BASE.replace("predicting ruin", "forecasting ruin")
    first = reanchor(BASE, edited, passage(BASE, "shopkeepers predicting ruin"))
    assert first.state == State.CHANGED and first.selectors is not None
    back = reanchor(edited, BASE, first.selectors)
    assert back.state == State.ATTACHED
    assert back.selectors is not None and back.selectors.exact == "shopkeepers predicting ruin"


def test_quote_only_anchor_is_found_by_its_context():
    """An imported passage may have a quote and context but no offsets."""
    anchor = Selectors(exact=PEDESTRIAN, prefix="linger and people in cars do not. ", suffix="")
    result = reanchor("", BASE, anchor)
    assert result.state == State.ATTACHED and result.selectors is not None
    assert result.selectors.start == BASE.index(PEDESTRIAN)


def test_many_passages_share_one_alignment():
    quotes = ["Every city", "shopkeepers predicting ruin", PEDESTRIAN, "not the bollard"]
    anchors = [passage(BASE, q) for q in quotes]
    results = reanchor_many(BASE, INTRO + BASE, anchors)
    assert [r.state for r in results] == [State.ATTACHED] * 4
    assert [r.selectors.start for r in results if r.selectors] == [
        a.start + len(INTRO) for a in anchors
    ]


def test_normalised_text_maps_back_to_the_original():
    text = "A  “quoted”\n\n  word — here"
    normalised = Normalised(text)
    assert normalised.text == 'A "quoted" word - here'
    start = normalised.text.index("word")
    assert normalised.span_to_orig(start, start + 4) == (text.index("word"), text.index("word") + 4)
    assert normalised.from_orig[text.index("word")] == start
    assert fold("  a\n\nb  ") == "a b"
