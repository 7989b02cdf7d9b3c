"""The article body format: plain-text blocks separated by blank lines.

Editors write in a plain textarea; a block that starts with `> ` is a pull quote, one that
starts with `## ` a subheading, anything else a paragraph. Nothing in the body is HTML:
templates escape every block.
"""

import math
import re
from dataclasses import dataclass
from typing import Literal

WORDS_PER_MINUTE = 230

BlockKind = Literal["paragraph", "pullquote", "heading"]


@dataclass(frozen=True)
class Block:
    kind: BlockKind
    text: str


_BLANK_LINES = re.compile(r"\n\s*\n")


def parse(body: str) -> list[Block]:
    blocks: list[Block] = []
    for raw in _BLANK_LINES.split(body.replace("\r\n", "\n").strip()):
        text = " ".join(raw.split())
        if not text:
            continue
        if text.startswith("> "):
            blocks.append(Block("pullquote", text[2:].strip()))
        elif text.startswith("## "):
            blocks.append(Block("heading", text[3:].strip()))
        else:
            blocks.append(Block("paragraph", text))
    return blocks


def plain_text(body: str) -> str:
    """The article as readers see it, one block per paragraph."""
    return "\n\n".join(block.text for block in parse(body))


def reading_minutes(body: str) -> int:
    """Minutes to read the body at an adult's average silent reading speed; never zero.
    Pull quotes repeat the body, so they do not count."""
    words = sum(len(b.text.split()) for b in parse(body) if b.kind != "pullquote")
    return max(1, math.ceil(words / WORDS_PER_MINUTE))
