"""Anchors as W3C Web Annotation JSON-LD (https://www.w3.org/TR/annotation-model/).

`annotation_collection` is the one place that writes the format: the export endpoint uses
it, and importers/exporters can reuse it (and `annotation` for one comment). Each comment
becomes an Annotation with motivation "commenting" (or "replying" when it answers an
editor's question, which is itself an Annotation with motivation "questioning"); its
target is the article with a TextQuoteSelector and a TextPositionSelector, plus a
TimeState naming the revision the selectors are valid against.
"""

from collections.abc import Iterable
from typing import Any

from parley.articles.models import Article
from parley.inline.access import quote_visible
from parley.inline.models import Anchor, Passage, PassageQuestion

CONTEXT = "http://www.w3.org/ns/anno.jsonld"
PARLEY_TERMS = "https://parley.invalid/ns/anchors#"  # our one extension: the anchor's state


def _target(passage: Passage, *, source: str, limit: int | None) -> dict[str, Any]:
    target: dict[str, Any] = {
        "type": "SpecificResource",
        "source": source,
        "state": {
            "type": "TimeState",
            "sourceDate": passage.revision.created_at.isoformat(),
        },
        "parley:anchorState": passage.state,
    }
    if quote_visible(passage.end, limit):
        target["selector"] = [
            {
                "type": "TextQuoteSelector",
                "exact": passage.exact,
                "prefix": passage.prefix,
                "suffix": passage.suffix,
            },
            {"type": "TextPositionSelector", "start": passage.start, "end": passage.end},
        ]
    return target


def annotation(anchor: Anchor, *, source: str, base_url: str, limit: int | None = None) -> dict:
    """One anchored comment as an Annotation. `base_url` prefixes the comment's id."""
    comment = anchor.comment
    body: dict[str, Any] = {
        "type": "TextualBody",
        "value": comment.body,
        "format": "text/markdown",
        "purpose": "commenting",
    }
    item: dict[str, Any] = {
        "id": f"{base_url}#comment-{comment.pk}",
        "type": "Annotation",
        "motivation": "replying" if anchor.question_id else "commenting",
        "created": comment.created_at.isoformat(),
        "creator": {"type": "Person", "name": comment.shown_name},
        "body": body,
        "target": _target(anchor, source=source, limit=limit),
    }
    if comment.edited_at:
        item["modified"] = comment.edited_at.isoformat()
    if anchor.question_id:
        item["parley:answers"] = f"{base_url}#question-{anchor.question_id}"
    return item


def question_annotation(
    question: PassageQuestion, *, source: str, base_url: str, limit: int | None = None
) -> dict:
    return {
        "id": f"{base_url}#question-{question.pk}",
        "type": "Annotation",
        "motivation": "questioning",
        "created": question.created_at.isoformat(),
        "creator": {"type": "Organization", "name": "Editors"},
        "body": {"type": "TextualBody", "value": question.question, "format": "text/plain"},
        "target": _target(question, source=source, limit=limit),
    }


def annotation_collection(
    *,
    article: Article,
    anchors: Iterable[Anchor],
    questions: Iterable[PassageQuestion],
    source: str,
    collection_id: str,
    limit: int | None = None,
) -> dict[str, Any]:
    """Every passage of an article as one AnnotationCollection with a single page.
    `source` is the article's public URL; `limit` hides selectors beyond what the
    reader may see (see access.visible_text_end)."""
    items = [
        question_annotation(q, source=source, base_url=collection_id, limit=limit)
        for q in questions
    ]
    items += [annotation(a, source=source, base_url=collection_id, limit=limit) for a in anchors]
    return {
        "@context": [CONTEXT, {"parley": PARLEY_TERMS}],
        "id": collection_id,
        "type": "AnnotationCollection",
        "label": f"Inline feedback on “{article.title}”",
        "total": len(items),
        "first": {
            "id": f"{collection_id}?page=1",
            "type": "AnnotationPage",
            "startIndex": 0,
            "items": items,
        },
    }
