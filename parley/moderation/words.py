"""Word lists: matching that sees through evasions but respects word boundaries.

A text is cut into words; each word is normalised (compatibility forms folded with NFKD/
NFKC, accents and zero-width characters dropped, case folded, leetspeak mapped) and looked
up in a set. Whole words only, so "Scunthorpe", "assassin" and "Penistone" never match
"cunt", "ass" or "penis". Matching is linear in the length of the text: a bounded number of
set look-ups per word (its variants, phrases of up to MAX_PHRASE words, prefixes of the
lengths the list uses, runs of spaced-out single letters up to MAX_SPACED). List entries
are plain words, never regular expressions: "word*" matches words that start with "word",
and an entry of several words matches them in a row.
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Characters that join a word without showing: an evader puts them inside a word.
ZERO_WIDTH = frozenset("\u00ad\u180e\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\ufeff")
# Symbols and digits read as letters. Digits count only in a word that has a letter or a
# symbol ("455 pounds" is a price, "a55" is not).
LEET = {
    "0": "o",
    "1": "i",
    "3": "e",
    "4": "a",
    "5": "s",
    "7": "t",
    "8": "b",
    "9": "g",
    "@": "a",
    "$": "s",
    "!": "i",
    "|": "l",
    "+": "t",
    "€": "e",
}
LEET_SYMBOLS = frozenset(k for k in LEET if not k.isdigit())
MAX_PHRASE = 4
MAX_SPACED = 24
_RUNS = re.compile(r"(.)\1{2,}")


@lru_cache(maxsize=8192)
def fold_char(char: str) -> str:
    """One character as the matcher reads it: '' for joiners and combining marks."""
    if char in ZERO_WIDTH:
        return ""
    decomposed = unicodedata.normalize("NFKD", char)
    kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFKC", kept).casefold()


@dataclass(frozen=True)
class Word:
    start: int  # offsets in the original text
    end: int
    # (form, start, end): the first is the primary form, used in phrases; a form read
    # with the symbols at the word's edges ("a$$") spans them too.
    forms: tuple[tuple[str, int, int], ...]

    @property
    def primary(self) -> str:
        return self.forms[0][0]


def _variants(form: str) -> list[str]:
    out = [form]
    if _RUNS.search(form):  # "fuuuck", "shiiit": runs of 3+ read as one or two letters
        out += [_RUNS.sub(r"\1", form), _RUNS.sub(r"\1\1", form)]
    return out


def _leet(folded: list[str]) -> str:
    joined = "".join(folded)
    has_symbol = any(f in LEET_SYMBOLS for f in folded)
    letters = sum(f.isalpha() for f in folded)
    if not has_symbol and (letters == 0 or (letters == 1 and joined[1:].isdigit())):
        # "455" is a number and "A55" or "M25" a road or a model, not leetspeak.
        return joined
    return "".join(LEET.get(f, f) for f in folded)


def words(text: str) -> list[Word]:
    """The words of a text with their normalised forms, in order."""
    units = [(i, ch, fold_char(ch)) for i, ch in enumerate(text)]
    out: list[Word] = []
    run: list[tuple[int, str, str]] = []

    def close() -> None:
        if run:
            word = _word(run)
            if word is not None:
                out.append(word)
            run.clear()

    for unit in units:
        folded = unit[2]
        if folded == "" or folded.isalnum() or folded in LEET_SYMBOLS:
            run.append(unit)
        else:
            close()
    close()
    return out


def _word(run: list[tuple[int, str, str]]) -> Word | None:
    shown = [u for u in run if u[2]]
    if not shown:
        return None
    core = list(shown)
    while core and core[0][2] in LEET_SYMBOLS:
        core.pop(0)
    while core and core[-1][2] in LEET_SYMBOLS:
        core.pop()
    forms: list[tuple[str, int, int]] = []
    if core:
        start, end = core[0][0], core[-1][0] + 1
        forms += [(f, start, end) for f in _variants(_leet([u[2] for u in core]))]
    if len(core) != len(shown):
        # "a$$" or "@$$": the symbols at the edges may be letters too.
        if not core and len(shown) < 2:
            return None  # a lone "!" or "$"
        start, end = shown[0][0], shown[-1][0] + 1
        forms += [(f, start, end) for f in _variants(_leet([u[2] for u in shown]))]
    start, end = forms[0][1], forms[0][2]
    return Word(start, end, tuple(dict.fromkeys(forms)))


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    entry: str  # the list entry, as normalised


class WordList:
    """A compiled list. Build with `compile_list(text)` (cached per list text)."""

    def __init__(self, entries: list[str]) -> None:
        self.exact: set[str] = set()
        self.prefixes: set[str] = set()
        self.phrases: set[str] = set()
        self.phrase_sizes: set[int] = set()
        for raw in entries:
            prefix = raw.endswith("*")
            parts = [w.primary for w in words(raw.rstrip("*"))]
            if not parts:
                continue
            if len(parts) > 1:
                if len(parts) <= MAX_PHRASE:
                    self.phrases.add(" ".join(parts))
                    self.phrase_sizes.add(len(parts))
            elif prefix:
                self.prefixes.add(parts[0])
            else:
                self.exact.add(parts[0])
        self.prefix_sizes = sorted({len(p) for p in self.prefixes})

    def __bool__(self) -> bool:
        return bool(self.exact or self.prefixes or self.phrases)

    def _hit(self, form: str) -> str | None:
        if form in self.exact:
            return form
        for size in self.prefix_sizes:
            if size <= len(form) and form[:size] in self.prefixes:
                return form[:size] + "*"
        return None

    def find(self, text: str) -> list[Match]:
        """Every match in the text, by position; overlapping matches are all reported."""
        if not self or not text:
            return []
        found: list[Match] = []
        seq = words(text)
        for i, word in enumerate(seq):
            for form, start, end in word.forms:
                entry = self._hit(form)
                if entry:
                    found.append(Match(start, end, entry))
                    break
            for size in self.phrase_sizes:
                if i + size <= len(seq):
                    key = " ".join(w.primary for w in seq[i : i + size])
                    if key in self.phrases:
                        found.append(Match(word.start, seq[i + size - 1].end, key))
        found += self._spaced(seq)
        return sorted(found, key=lambda m: (m.start, m.end))

    def _spaced(self, seq: list[Word]) -> list[Match]:
        """'f u c k', 'f.u.c.k': runs of single letters read as one word."""
        found: list[Match] = []
        run: list[Word] = []
        for word in [*seq, None]:
            if word is not None and len(word.primary) == 1 and len(run) < MAX_SPACED:
                run.append(word)
                continue
            for a in range(len(run)):
                for b in range(a + 3, len(run) + 1):
                    form = "".join(w.primary for w in run[a:b])
                    entry = self._hit(form)
                    if entry:
                        found.append(Match(run[a].start, run[b - 1].end, entry))
            run = [word] if word is not None and len(word.primary) == 1 else []
        return found


def parse_entries(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip() and line[0] != "#"]


@lru_cache(maxsize=256)
def compile_list(text: str) -> WordList:
    return WordList(parse_entries(text))


# --- masking ------------------------------------------------------------------------------


def mask_span(text: str) -> str:
    """'piss' -> 'p***', 'f.u.c.k' -> 'f.*.*.*': the first letter kept, every other letter
    (or leetspeak symbol) a star, separators kept, zero-width characters dropped."""
    out: list[str] = []
    first = True
    for char in text:
        folded = fold_char(char)
        if char in ZERO_WIDTH:
            continue
        if folded.isalnum() or folded in LEET_SYMBOLS:
            out.append(char if first else "*")
            first = False
        else:
            out.append(char)
    return "".join(out)


def mask_text(text: str, wordlist: WordList) -> str:
    matches = wordlist.find(text)
    if not matches:
        return text
    out, pos = [], 0
    for m in matches:
        if m.start < pos:
            continue  # overlaps a span already masked
        out += [text[pos : m.start], mask_span(text[m.start : m.end])]
        pos = m.end
    out.append(text[pos:])
    return "".join(out)


# A tag in nh3's output: attribute values are always double-quoted.
_TAG = re.compile(r'(<(?:[^>"]|"[^"]*")*>)')
_ENTITY = re.compile(r"(&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);)")


def mask_html(html: str, wordlist: WordList) -> str:
    """Masks the listed words in the text of sanitised HTML, never inside tags or
    attributes (a link's address stays as it is). Entities are left alone."""
    if not wordlist or not html:
        return html
    parts = _TAG.split(html)
    for i in range(0, len(parts), 2):  # even parts are text, odd parts tags
        pieces = _ENTITY.split(parts[i])
        for j in range(0, len(pieces), 2):
            pieces[j] = mask_text(pieces[j], wordlist)
        parts[i] = "".join(pieces)
    return "".join(parts)
