"""Who is entitled to what on a site. Every permission check in Parley starts here."""

from dataclasses import dataclass
from enum import StrEnum

from django.utils import timezone

from parley.accounts.models import SiteRole, Subscription, User


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

    @property
    def may_post(self) -> bool:
        return self.standing in (Standing.SUBSCRIBER, Standing.STAFF)


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
