"""The metered paywall of Parley's own article pages: N free articles per calendar month
(Site.meter_free_articles, 0 = no meter) for guests and free readers; subscribers and
staff read without limit. Past the meter the body is cut after PREVIEW_BLOCKS blocks.

Guests' reads live in a signed cookie (django.core.signing: they can delete it, not forge
it); signed-in readers' in MeterRead rows. An article counts once a month and stays
readable that month. `meter_article` decides and records (the article page calls it);
`visible_text_end` only reads (inline feedback asks it which quotes a reader may see).
"""

import contextvars
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.core import signing
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone

from parley.accounts.entitlements import Entitlement, Standing, entitlement_for
from parley.articles.models import Article
from parley.paywall.models import MeterRead

PREVIEW_BLOCKS = 2  # the opening paragraphs every reader gets
COOKIE = "parley_meter"
SALT = "parley.paywall.meter"
COOKIE_MAX_AGE = 40 * 24 * 3600  # past the end of any month
MAX_READS_KEPT = 200  # per site in the cookie: more than any meter needs

# The guest meter of the request being served (set by MeterMiddleware), so that
# visible_text_end, which is given a viewer but no request, can read a guest's cookie.
_current: contextvars.ContextVar["GuestMeter | None"] = contextvars.ContextVar(
    "parley_guest_meter", default=None
)


def month_of(now: datetime) -> date:
    return now.date().replace(day=1)


@dataclass
class GuestMeter:
    """A guest's reads this month, per site id."""

    month: str
    reads: dict[str, list[int]] = field(default_factory=dict)
    changed: bool = False

    @classmethod
    def from_cookie(cls, value: str | None, *, now: datetime) -> "GuestMeter":
        month = month_of(now).isoformat()
        try:
            data = signing.loads(value or "", salt=SALT)
        except signing.BadSignature:
            return cls(month=month)
        if not isinstance(data, dict) or data.get("m") != month:
            return cls(month=month)  # a new month starts afresh
        reads = data.get("r")
        if not isinstance(reads, dict):
            return cls(month=month)
        clean = {
            str(site): [i for i in ids if isinstance(i, int)][:MAX_READS_KEPT]
            for site, ids in reads.items()
            if isinstance(ids, list)
        }
        return cls(month=month, reads=clean)

    def dumps(self) -> str:
        return signing.dumps({"m": self.month, "r": self.reads}, salt=SALT, compress=True)

    def of_site(self, site_id: int) -> list[int]:
        return self.reads.get(str(site_id), [])

    def add(self, site_id: int, article_id: int) -> None:
        self.reads.setdefault(str(site_id), []).append(article_id)
        self.changed = True


def current_guest_meter() -> "GuestMeter | None":
    return _current.get()


@dataclass(frozen=True)
class Decision:
    """What the article page shows. `metered`: the site has a meter, so the page marks
    its paywalled part for search engines; `cut`: this reader is past it."""

    metered: bool = False
    cut: bool = False
    limit: int = 0
    used: int = 0
    preview_blocks: int = PREVIEW_BLOCKS

    @property
    def first_paywalled(self) -> int:
        """The 1-based block where the paywalled part starts; 0: none."""
        return self.preview_blocks + 1 if self.metered else 0


FREE = Decision()


def unlimited(entitlement: Entitlement) -> bool:
    return entitlement.standing in (Standing.SUBSCRIBER, Standing.STAFF)


def _reader_reads(user: Any, site_id: int, month: date) -> list[int]:
    return list(
        MeterRead.objects.filter(user=user, site_id=site_id, month=month).values_list(
            "article_id", flat=True
        )
    )


def meter_article(
    request: HttpRequest, article: Article, entitlement: Entitlement, *, now: datetime | None = None
) -> Decision:
    """Counts this article against the reader's meter if it is new to them this month
    and they have articles left; says whether the page is cut. Needs `article.site`."""
    limit = article.site.meter_free_articles
    if not limit:
        return FREE
    if unlimited(entitlement):
        return Decision(metered=True, limit=limit)
    now = now or timezone.now()
    user = request.user if request.user.is_authenticated else None
    guest = getattr(request, "parley_meter", None) if user is None else None
    if user is None and guest is None:  # no MeterMiddleware: nothing to count with
        return Decision(metered=True, limit=limit)
    reads = (
        guest.of_site(article.site_id)
        if guest
        else _reader_reads(user, article.site_id, month_of(now))
    )
    if article.pk in reads:
        return Decision(metered=True, limit=limit, used=len(reads))
    if len(reads) >= limit:
        return Decision(metered=True, cut=True, limit=limit, used=len(reads))
    if guest is not None:
        guest.add(article.site_id, article.pk)
    elif user is not None:
        try:
            with transaction.atomic():
                MeterRead.objects.create(
                    user=user,
                    site_id=article.site_id,
                    article=article,
                    month=month_of(now),
                    read_at=now,
                )
        except IntegrityError:
            pass  # the same reader's other tab counted it a moment ago
    return Decision(metered=True, limit=limit, used=len(reads) + 1)


def preview_end(article: Article) -> int:
    """The offset in the article's plain text where the free preview ends."""
    texts = [block.text for block in article.blocks[:PREVIEW_BLOCKS]]
    return sum(len(text) for text in texts) + 2 * max(len(texts) - 1, 0)


def visible_text_end(article: Article, viewer: Any) -> int | None:
    """The end of what this viewer may read of the article (None: all of it), without
    counting anything: a reader past the meter who has not read this article this month
    sees the preview only. Guests are judged by the request's cookie."""
    limit = article.site.meter_free_articles
    if not limit:
        return None
    if viewer is None or not viewer.is_authenticated:
        guest = current_guest_meter()
        reads = guest.of_site(article.site_id) if guest is not None else []
    else:
        if unlimited(entitlement_for(viewer, article.site_id)):
            return None
        reads = _reader_reads(viewer, article.site_id, month_of(timezone.now()))
    if article.pk in reads or len(reads) < limit:
        return None
    return preview_end(article)


def write_cookie(request: HttpRequest, response: HttpResponseBase, meter: GuestMeter) -> None:
    response.set_cookie(
        COOKIE,
        meter.dumps(),
        max_age=COOKIE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )
