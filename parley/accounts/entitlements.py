"""Who is entitled to what on a site. Every permission check in Parley starts here."""

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from django.utils import timezone

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
    """The user's standing on a site, in at most two queries (roles, then subscriptions)."""
    if user is None or not user.is_authenticated:
        return GUEST
    roles = set(SiteRole.objects.filter(user=user, site_id=site_id).values_list("role", flat=True))
    is_moderator = SiteRole.Role.MODERATOR in roles or user.is_superuser
    if roles or user.is_superuser:
        return Entitlement(Standing.STAFF, is_moderator=is_moderator)
    now = timezone.now()
    ends = list(
        Subscription.objects.filter(user=user, site_id=site_id, starts_at__lte=now).values_list(
            "ends_at", flat=True
        )
    )
    if any(end is None or end > now for end in ends):
        return Entitlement(Standing.SUBSCRIBER)
    if ends:
        return Entitlement(Standing.LAPSED)
    return Entitlement(Standing.READER)


def entitlement_on(user: User | None, article: "Article") -> Entitlement:
    """The user's standing on the article's site under the article's rules: what the
    page, the API and the live stream ask. Needs `article.site` loaded (no extra query)."""
    return replace(entitlement_for(user, article.site_id), rules=rules_for(article))


def signed_in_user(request: HttpRequest) -> Any:
    """The request's user when signed in, else None (what entitlement checks expect)."""
    return request.user if request.user.is_authenticated else None
