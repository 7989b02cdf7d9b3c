"""Re-anchoring: where a passage of the old article text sits in the new text.

Pure functions, no Django. A passage is stored as W3C Web Annotation selectors over the
article's plain text: a TextQuoteSelector (exact, prefix, suffix) and a TextPositionSelector
(start, end). When the text changes, `reanchor_many` finds each passage again:

1. Both texts are normalised (whitespace runs become one space, typographic quotes, dashes
   and no-break spaces fold to ASCII), so that re-wrapping a paragraph or "smartening" its
   quotes changes nothing.
2. One character alignment of old against new (rapidfuzz's Levenshtein opcodes, computed
   once for all passages) maps the old offsets into the new text. Text still identical
   there: the passage moved with the edit.
3. Otherwise every exact occurrence of the quote is scored by how well its surroundings
   match the stored prefix and suffix (then by distance to the mapped position); one whose
   context matches wins, which is how a passage duplicated elsewhere stays put.
4. Otherwise, if the mapped region still resembles the quote, the passage was edited in
   place: it is re-attached there and reported as changed.
5. Otherwise a long, distinctive quote found elsewhere is taken (the passage moved), and
   failing that a fuzzy search (rapidfuzz's partial-ratio alignment) near the mapped
   position, then across the whole text.
6. Nothing found: the passage is orphaned.

The state compares the passage found with the quote as it read when the anchor was made:
equal after normalisation is "attached", different is "changed".
"""

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property

from rapidfuzz import fuzz
from rapidfuzz.distance import Indel, Levenshtein

CONTEXT_CHARS = 32  # prefix and suffix length, as Hypothesis stores them
CONTEXT_OK = 0.5  # context similarity at which an exact quote elsewhere is trusted
CHANGED_MIN = 0.6  # similarity of an edited passage to its old quote to still count
DISTINCTIVE = 24  # a quote this long is taken wherever it is found, context or not
SEARCH_MIN = 12  # shorter quotes are never searched fuzzily: too many false finds
SEARCH_CUTOFF = 75.0  # partial-ratio score (0-100) a fuzzy find needs
MAX_OCCURRENCES = 500  # occurrences of a quote scored before giving up on the rest

_FOLD = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
    }
)


class State(StrEnum):
    ATTACHED = "attached"
    CHANGED = "changed"
    ORPHANED = "orphaned"


@dataclass(frozen=True)
class Selectors:
    """A passage over one text: its quote with context, and its offsets. `original` is the
    quote as it read when the anchor was made (defaults to `exact`)."""

    exact: str
    prefix: str = ""
    suffix: str = ""
    start: int = 0
    end: int = 0
    original: str | None = None

    @property
    def quote_at_making(self) -> str:
        return self.exact if self.original is None else self.original


@dataclass(frozen=True)
class Result:
    """Where the passage is in the new text. `selectors` is None when orphaned; `how` says
    which step found it ("position", "quote", "edited", "moved", "fuzzy", "none")."""

    state: State
    selectors: Selectors | None
    how: str
    score: float = 1.0


_FOLDED = re.compile("[" + "".join(chr(c) for c in _FOLD) + "]")
_SPACES = re.compile(r"\s+")
_TOKENS = re.compile(r"\w+|\S")


def _fold_chars(text: str) -> str:
    """Folds typographic punctuation one character for one: offsets are unchanged."""
    return text.translate(_FOLD) if _FOLDED.search(text) else text


def fold(text: str) -> str:
    """Normalised text for comparisons: folded punctuation, single spaces, trimmed."""
    return " ".join(_fold_chars(text).split())


@dataclass
class Normalised:
    """A text folded and with whitespace runs collapsed, with maps both ways: `to_orig[i]`
    is the original offset of normalised character i (plus an end sentinel), and
    `from_orig[j]` the normalised offset of original character j."""

    original: str
    text: str = field(init=False)
    to_orig: list[int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        folded = _fold_chars(self.original)
        self.text = _SPACES.sub(" ", folded)
        to_orig: list[int] = []
        at = 0
        for run in _SPACES.finditer(folded):
            to_orig.extend(range(at, run.start()))
            to_orig.append(run.start())
            at = run.end()
        to_orig.extend(range(at, len(folded)))
        to_orig.append(len(folded))
        self.to_orig = to_orig

    @cached_property
    def from_orig(self) -> list[int]:
        out: list[int] = []
        at = n = 0
        for run in _SPACES.finditer(self.original):
            out.extend(range(n, n + run.start() - at))
            n += run.start() - at
            out.extend([n] * (run.end() - run.start()))
            n += 1
            at = run.end()
        out.extend(range(n, n + len(self.original) - at))
        out.append(len(self.text))
        return out

    def span_to_orig(self, start: int, end: int) -> tuple[int, int]:
        """Original offsets of normalised [start, end), without a trailing collapsed run."""
        if end <= start:
            at = self.to_orig[start]
            return at, at
        return self.to_orig[start], self.to_orig[end - 1] + 1


class Alignment:
    """Old text against new, aligned word by word (words and punctuation marks are the
    tokens: an alignment of a few thousand tokens instead of tens of thousands of
    characters); maps offsets from the old text to the new."""

    def __init__(self, old: str, new: str) -> None:
        self.new_len = len(new)
        vocabulary: dict[str, int] = {}
        old_tokens = [(m.start(), m.end(), m.group()) for m in _TOKENS.finditer(old)]
        new_tokens = [(m.start(), m.end(), m.group()) for m in _TOKENS.finditer(new)]
        self._old_starts = [t[0] for t in old_tokens]
        self._old_ends = [t[1] for t in old_tokens]
        self._new_starts = [t[0] for t in new_tokens] + [len(new)]
        self._new_ends = [0] + [t[1] for t in new_tokens]  # shifted: _new_ends[j] ends token j-1
        ops = Levenshtein.opcodes(
            [vocabulary.setdefault(t[2], len(vocabulary)) for t in old_tokens],
            [vocabulary.setdefault(t[2], len(vocabulary)) for t in new_tokens],
        )
        self._ops = [
            (op.tag, op.src_start, op.src_end, op.dest_start, op.dest_end)
            for op in ops
            if op.tag != "insert"
        ]
        self._op_starts = [op[1] for op in self._ops]

    def _op(self, token: int) -> tuple[str, int, int, int, int]:
        return self._ops[bisect_right(self._op_starts, token) - 1]

    def start(self, offset: int) -> int:
        """A passage start: text inserted right before it stays outside the passage."""
        token = bisect_right(self._old_ends, offset)  # the first token ending after offset
        if token >= len(self._old_starts):
            return self.new_len
        tag, i1, _i2, j1, _j2 = self._op(token)
        if tag == "equal":
            inside = max(0, offset - self._old_starts[token])
            return self._new_starts[j1 + token - i1] + inside
        return self._new_starts[j1]

    def end(self, offset: int) -> int:
        """A passage end: text inserted right after it stays outside the passage."""
        token = bisect_left(self._old_starts, offset) - 1  # the last token starting before it
        if token < 0:
            return 0
        tag, i1, _i2, j1, j2 = self._op(token)
        if tag == "equal":
            inside = min(offset, self._old_ends[token]) - self._old_starts[token]
            return self._new_starts[j1 + token - i1] + inside
        return self._new_ends[j2] if tag == "replace" else self._new_ends[j1]


def similarity(a: str, b: str) -> float:
    """0..1: how much of two strings is common (Indel distance, normalised)."""
    return Indel.normalized_similarity(a, b)


def _context_score(text: str, start: int, end: int, prefix: str, suffix: str) -> float:
    """0..1: how well the text around [start, end) matches the stored context. Levenshtein
    rather than Indel: unrelated English scores about 0.25 instead of about 0.5, so one side
    intact (0.5 or more) stands out."""
    before = text[max(0, start - len(prefix)) : start]
    after = text[end : end + len(suffix)]
    scores = [
        Levenshtein.normalized_similarity(stored, found)
        for stored, found in ((prefix, before), (suffix, after))
        if stored or found
    ]
    return sum(scores) / len(scores) if scores else 1.0


def _occurrences(text: str, quote: str) -> list[int]:
    found: list[int] = []
    at = text.find(quote)
    while at != -1 and len(found) < MAX_OCCURRENCES:
        found.append(at)
        at = text.find(quote, at + 1)
    return found


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] == " ":
        start += 1
    while end > start and text[end - 1] == " ":
        end -= 1
    return start, end


def _word_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """Widens a fuzzy find to whole words and trims spaces at its edges."""
    while 0 < start < len(text) and text[start - 1].isalnum() and text[start].isalnum():
        start -= 1
    while 0 < end < len(text) and text[end - 1].isalnum() and text[end].isalnum():
        end += 1
    return _trim(text, start, end)


class Reanchorer:
    """Prepared once per (old text, new text) pair; `locate` is then cheap per passage."""

    def __init__(self, old_text: str, new_text: str) -> None:
        self.old = Normalised(old_text)
        self.new = Normalised(new_text)
        self.same = self.old.text == self.new.text
        self._alignment: Alignment | None = None

    @property
    def alignment(self) -> Alignment:
        if self._alignment is None:
            self._alignment = Alignment(self.old.text, self.new.text)
        return self._alignment

    def locate(self, anchor: Selectors) -> Result:
        quote = fold(anchor.exact)
        if not quote:
            return Result(State.ORPHANED, None, "none", 0.0)
        old, new = self.old, self.new
        valid = 0 <= anchor.start < anchor.end <= len(old.original)
        if valid:
            s, e = old.from_orig[anchor.start], old.from_orig[anchor.end]
            s, e = _trim(old.text, s, e)
            valid = old.text[s:e] == quote
        if valid and self.same:
            return self._found(anchor, s, e, "position")
        if valid:
            hint_s, hint_e = self.alignment.start(s), self.alignment.end(e)
        else:
            hint_s = hint_e = round(anchor.start * len(new.text) / max(1, len(old.text)))
        # Context keeps its edge spaces: they sit right against the quote.
        prefix = _SPACES.sub(" ", _fold_chars(anchor.prefix))
        suffix = _SPACES.sub(" ", _fold_chars(anchor.suffix))
        in_place = valid and new.text[hint_s:hint_e] == quote
        if in_place and _context_score(new.text, hint_s, hint_e, prefix, suffix) >= CONTEXT_OK:
            return self._found(anchor, hint_s, hint_e, "position")
        ranked = sorted(
            (
                (
                    _context_score(new.text, at, at + len(quote), prefix, suffix),
                    -abs(at - hint_s),
                    at,
                )
                for at in _occurrences(new.text, quote)
            ),
            reverse=True,
        )
        if ranked and ranked[0][0] >= CONTEXT_OK:
            at = ranked[0][2]
            return self._found(anchor, at, at + len(quote), "quote", ranked[0][0])
        if in_place:  # the surroundings were rewritten, the passage itself was not
            return self._found(anchor, hint_s, hint_e, "position")

        if valid and hint_e > hint_s:
            start, end = _word_bounds(new.text, hint_s, hint_e)
            score = similarity(quote, new.text[start:end])
            if score >= CHANGED_MIN:
                return self._found(anchor, start, end, "edited", score)

        if ranked and (len(quote) >= DISTINCTIVE or (len(ranked) == 1 and not valid)):
            at = ranked[0][2]
            return self._found(anchor, at, at + len(quote), "moved", ranked[0][0])

        # Exact occurrences were all turned down above; a fuzzy search would find them again.
        if not ranked and len(quote) >= SEARCH_MIN:
            found = self._search(quote, hint_s)
            if found is not None:
                return self._found(anchor, found[0], found[1], "fuzzy", found[2])
        return Result(State.ORPHANED, None, "none", 0.0)

    def _search(self, quote: str, hint: int) -> tuple[int, int, float] | None:
        text = self.new.text
        reach = max(2000, 4 * len(quote))
        windows = [(max(0, hint - reach), min(len(text), hint + len(quote) + reach))]
        if windows[0] != (0, len(text)):
            windows.append((0, len(text)))
        for lo, hi in windows:
            found = fuzz.partial_ratio_alignment(quote, text[lo:hi], score_cutoff=SEARCH_CUTOFF)
            if found is None or found.dest_end <= found.dest_start:
                continue
            start, end = _word_bounds(text, lo + found.dest_start, lo + found.dest_end)
            if end > start and similarity(quote, text[start:end]) >= CHANGED_MIN:
                return start, end, found.score / 100
        return None

    def _found(
        self, anchor: Selectors, start: int, end: int, how: str, score: float = 1.0
    ) -> Result:
        text = self.new.original
        o_start, o_end = self.new.span_to_orig(start, end)
        exact = text[o_start:o_end]
        state = State.ATTACHED if fold(exact) == fold(anchor.quote_at_making) else State.CHANGED
        selectors = Selectors(
            exact=exact,
            prefix=text[max(0, o_start - CONTEXT_CHARS) : o_start],
            suffix=text[o_end : o_end + CONTEXT_CHARS],
            start=o_start,
            end=o_end,
            original=anchor.quote_at_making,
        )
        return Result(state, selectors, how, score)


def reanchor_many(old_text: str, new_text: str, anchors: Sequence[Selectors]) -> list[Result]:
    """Re-anchors every passage made on `old_text` in `new_text`, aligning the texts once."""
    reanchorer = Reanchorer(old_text, new_text)
    return [reanchorer.locate(anchor) for anchor in anchors]


def reanchor(old_text: str, new_text: str, anchor: Selectors) -> Result:
    """Where one passage of `old_text` is in `new_text`; see the module docstring."""
    return reanchor_many(old_text, new_text, [anchor])[0]


def selectors_at(text: str, start: int, end: int, original: str | None = None) -> Selectors:
    """The selectors of text[start:end], with context taken from the text itself."""
    return Selectors(
        exact=text[start:end],
        prefix=text[max(0, start - CONTEXT_CHARS) : start],
        suffix=text[end : end + CONTEXT_CHARS],
        start=start,
        end=end,
        original=original,
    )
