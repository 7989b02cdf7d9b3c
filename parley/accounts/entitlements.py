"""Who is entitled to what on a site. Every permission check in Parley starts here."""

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from django.utils import timezone

from parley import rawsql
from parley.accounts.models import SiteRole, Subscription, User
from parley.accounts.policy import DEFAULT_RULES, Rules, allows, rules_for

if TYPE_CHECKING:
    from parley.articles.models import Article


class Standing(StrEnum):
    GUEST = "guest"
    READER = "reader"  # signed in, never subscribed
    LAPSED = "lapsed"  # had a subscription that has ended
    SUBSCRIBER = "subscriber"
    STAFF = "staff"  # moderator or editor of this site


@dataclass(frozen=True)
class Entitlement:
    standing: Standing
    is_moderator: bool = False
    # The discussion's rules (parley/accounts/policy.py): the defaults unless the
    # entitlement was made for an article (entitlement_on), as every endpoint does.
    rules: Rules = DEFAULT_RULES

    @property
    def may_post(self) -> bool:
        return allows(self.rules.post, standing=self.standing)

    @property
    def may_vote(self) -> bool:
        return allows(self.rules.vote, standing=self.standing)

    @property
    def may_read(self) -> bool:
        """May read the discussion (the article itself is the paywall's business)."""
        return allows(self.rules.read, standing=self.standing)

    @property
    def posts_as_guest(self) -> bool:
        """Posting without an account, under a name (the "guests" post rule)."""
        return self.standing == Standing.GUEST and self.may_post


GUEST = Entitlement(Standing.GUEST)


def entitlement_for(user: User | None, site_id: int) -> Entitlement:
    """The user's standing on a site, in one query (roles and subscriptions)."""
    if user is None or not user.is_authenticated:
        return GUEST
    moderator, staff, subscribed, lapsed = _standing_row(user.pk, site_id)
    is_moderator = moderator or user.is_superuser
    if staff or user.is_superuser:
        return Entitlement(Standing.STAFF, is_moderator=is_moderator)
    if subscribed:
        return Entitlement(Standing.SUBSCRIBER)
    if lapsed:
        return Entitlement(Standing.LAPSED)
    return Entitlement(Standing.READER)


def _standing_row(user_id: int, site_id: int) -> tuple[bool, bool, bool, bool]:
    """(moderator, any role, a subscription running now, one started before now); SQL
    because every request of a signed-in reader asks it (parley/rawsql.py)."""
    now = rawsql.when(timezone.now())
    roles = rawsql.table(SiteRole)
    subscriptions = rawsql.table(Subscription)
    mine = "user_id = %s AND site_id = %s"
    row = rawsql.fetch_one(
        f"SELECT EXISTS (SELECT 1 FROM {roles} WHERE {mine} AND role = %s),"  # noqa: S608
        f" EXISTS (SELECT 1 FROM {roles} WHERE {mine}),"
        f" EXISTS (SELECT 1 FROM {subscriptions} WHERE {mine} AND starts_at <= %s"
        "  AND (ends_at IS NULL OR ends_at > %s)),"
        f" EXISTS (SELECT 1 FROM {subscriptions} WHERE {mine} AND starts_at <= %s)",
        [
            *(user_id, site_id, SiteRole.Role.MODERATOR.value),
            *(user_id, site_id),
            *(user_id, site_id, now, now),
            *(user_id, site_id, now),
        ],
    )
    assert row is not None
    return (bool(row[0]), bool(row[1]), bool(row[2]), bool(row[3]))


def entitlement_on(user: User | None, article: "Article") -> Entitlement:
    """The user's standing on the article's site under the article's rules: what the
    page, the API and the live stream ask. Needs `article.site` loaded (no extra query)."""
    return replace(entitlement_for(user, article.site_id), rules=rules_for(article))


def signed_in_user(request: HttpRequest) -> Any:
    """The request's user when signed in, else None (what entitlement checks expect)."""
    return request.user if request.user.is_authenticated else None
