"""The import report: every record read is accounted for exactly once.

    comments read == imported + tombstones + held + spam + skipped (each with a reason)

Warnings name each repaired record; for very large files the first examples of each kind
are kept with an exact count of the rest, so a million repairs cannot exhaust memory."""

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

EXAMPLES_PER_KIND = 20

OUTCOMES = ("imported", "tombstoned", "held", "spam")
OUTCOME_LABELS = {
    "imported": "imported (visible)",
    "tombstoned": "imported as tombstones",
    "held": "held for moderation",
    "spam": "hidden as spam",
}


@dataclass
class ImportReport:
    source: str = ""
    file_name: str = ""
    site: str = ""
    dry_run: bool = False
    threads_read: int = 0
    threads_with_comments: int = 0
    articles_matched: int = 0
    articles_created: int = 0
    threads_merged: int = 0
    discussions_closed: int = 0
    comments_read: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    users_created: int = 0
    identities_reused: int = 0
    votes_imported: int = 0
    questions_imported: int = 0
    anchors_imported: int = 0
    moderation_imported: int = 0
    moderation_known: int = 0
    warning_counts: Counter[str] = field(default_factory=Counter)
    warning_examples: dict[str, list[str]] = field(default_factory=dict)
    notes: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    # --- recording -------------------------------------------------------------------

    def read_thread(self) -> None:
        self.threads_read += 1

    def read_comment(self) -> None:
        self.comments_read += 1

    def outcome(self, kind: str, n: int = 1) -> None:
        self.outcomes[kind] += n

    def skip(self, reason: str, n: int = 1) -> None:
        self.skipped[reason] += n

    def warn(self, kind: str, ref: str = "") -> None:
        """A repaired record: `kind` says what was repaired and how, `ref` which record."""
        self.warning_counts[kind] += 1
        examples = self.warning_examples.setdefault(kind, [])
        if ref and len(examples) < EXAMPLES_PER_KIND:
            examples.append(ref)

    def note(self, text: str, n: int = 1) -> None:
        """Something inferred or kept aside for a later feature (not a repair)."""
        self.notes[text] += n

    def merge(self, other: "ImportReport") -> None:
        """Adds what another process read (the reader side of a split import)."""
        self.threads_read += other.threads_read
        self.comments_read += other.comments_read
        self.outcomes.update(other.outcomes)
        self.skipped.update(other.skipped)
        self.notes.update(other.notes)
        for kind, n in other.warning_counts.items():
            self.warning_counts[kind] += n
            mine = self.warning_examples.setdefault(kind, [])
            room = EXAMPLES_PER_KIND - len(mine)
            mine.extend(other.warning_examples.get(kind, [])[: max(room, 0)])

    # --- reading ---------------------------------------------------------------------

    @property
    def accounted(self) -> int:
        return sum(self.outcomes[k] for k in OUTCOMES) + sum(self.skipped.values())

    @property
    def balanced(self) -> bool:
        return self.accounted == self.comments_read

    @property
    def warnings(self) -> int:
        return sum(self.warning_counts.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "file": self.file_name,
            "site": self.site,
            "dry_run": self.dry_run,
            "threads": {
                "read": self.threads_read,
                "with_comments": self.threads_with_comments,
                "merged": self.threads_merged,
                "articles_matched": self.articles_matched,
                "articles_created": self.articles_created,
                "discussions_closed": self.discussions_closed,
            },
            "comments": {
                "read": self.comments_read,
                **{k: self.outcomes[k] for k in OUTCOMES},
                "skipped": dict(self.skipped),
            },
            "users_created": self.users_created,
            "identities_reused": self.identities_reused,
            "votes_imported": self.votes_imported,
            "inline": {"questions": self.questions_imported, "anchors": self.anchors_imported},
            "moderation_log": {
                "imported": self.moderation_imported,
                "already_imported": self.moderation_known,
            },
            "warnings": {
                k: {"count": n, "examples": self.warning_examples.get(k, [])}
                for k, n in self.warning_counts.items()
            },
            "notes": dict(self.notes),
            "seconds": round(self.seconds, 2),
        }

    def render(self) -> str:
        """The report as printed at the end of `parley import`."""
        mode = " (dry run: nothing was written)" if self.dry_run else ""
        out = [f"Import of {self.source} file {self.file_name} into site {self.site!r}{mode}"]
        out.append(
            f"Threads: {self.threads_read:,} read, {self.threads_with_comments:,} with comments"
            f" → {self.articles_matched + self.articles_created:,} articles"
            f" ({self.articles_matched:,} existing, {self.articles_created:,} created;"
            f" {self.threads_merged:,} threads merged into another's article;"
            f" {self.discussions_closed:,} discussions closed)"
        )
        out.append(f"Comments: {self.comments_read:,} read")
        for kind in OUTCOMES:
            out.append(f"  {OUTCOME_LABELS[kind]:<28}{self.outcomes[kind]:>10,}")
        out.append(f"  {'skipped':<28}{sum(self.skipped.values()):>10,}")
        for reason, n in sorted(self.skipped.items(), key=lambda kv: -kv[1]):
            out.append(f"    {reason:<42}{n:>10,}")
        check = "✓" if self.balanced else "✗ MISMATCH"
        parts = " + ".join(f"{self.outcomes[k]:,}" for k in OUTCOMES)
        out.append(
            f"  every record accounted for: {self.comments_read:,} = {parts}"
            f" + {sum(self.skipped.values()):,} {check}"
        )
        out.append(
            f"Authors: {self.users_created:,} users created (no password: they cannot sign in"
            f" until claimed), {self.identities_reused:,} already known"
        )
        if self.votes_imported:
            out.append(f"Votes: {self.votes_imported:,} per-user votes imported")
        if self.questions_imported or self.anchors_imported:
            out.append(
                f"Inline passages: {self.questions_imported:,} editors' questions,"
                f" {self.anchors_imported:,} anchored comments"
            )
        if self.moderation_imported or self.moderation_known:
            out.append(
                f"Moderation log: {self.moderation_imported:,} entries imported,"
                f" {self.moderation_known:,} already imported"
            )
        if self.notes:
            out.append("Notes:")
            out.extend(f"  {n:>8,} x {text}" for text, n in sorted(self.notes.items()))
        if self.warning_counts:
            out.append(f"Warnings: {self.warnings:,} repaired records")
            for kind, n in sorted(self.warning_counts.items(), key=lambda kv: -kv[1]):
                examples = self.warning_examples.get(kind, [])
                shown = ", ".join(examples[:5])
                more = f" (+{n - len(examples[:5]):,} more)" if n > len(examples[:5]) else ""
                out.append(f"  {n:>8,} x {kind}" + (f": {shown}{more}" if shown else ""))
        out.append(f"Done in {self.seconds:.1f} s.")
        return "\n".join(out)
