"""A user's standing on a site, from roles and subscriptions: every case the page, the
API and the live stream decide on."""

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from parley.accounts.entitlements import Standing, entitlement_for
from parley.accounts.models import SiteRole, Subscription
from parley.factories import make_moderator, make_site, make_user

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


def subscribe(user, site, *, starts, ends=None):
    now = timezone.now()
    Subscription.objects.create(
        user=user, site=site, starts_at=now + starts, ends_at=None if ends is None else now + ends
    )


@pytest.mark.parametrize(
    ("subscriptions", "standing"),
    [
        ([], Standing.READER),
        ([(-DAY, None)], Standing.SUBSCRIBER),  # open-ended
        ([(-DAY, DAY)], Standing.SUBSCRIBER),  # running, with an end
        ([(-10 * DAY, -DAY)], Standing.LAPSED),
        ([(DAY, 10 * DAY)], Standing.READER),  # bought, not started yet
        ([(-10 * DAY, -DAY), (-DAY, None)], Standing.SUBSCRIBER),  # renewed
        ([(-10 * DAY, -DAY), (DAY, None)], Standing.LAPSED),  # a gap before the next one
    ],
)
def test_subscriptions_decide_a_readers_standing(subscriptions, standing):
    site = make_site()
    user = make_user()
    for starts, ends in subscriptions:
        subscribe(user, site, starts=starts, ends=ends)
    got = entitlement_for(user, site.pk)
    assert got.standing == standing
    assert not got.is_moderator


def test_a_subscription_counts_on_its_own_site_only():
    site, other = make_site(), make_site()
    user = make_user()
    subscribe(user, other, starts=-DAY)
    assert entitlement_for(user, site.pk).standing == Standing.READER
    assert entitlement_for(user, other.pk).standing == Standing.SUBSCRIBER


def test_roles_make_staff_and_only_moderators_moderate():
    site, other = make_site(), make_site()
    moderator = make_moderator(site)
    editor = make_user()
    SiteRole.objects.create(user=editor, site=site, role=SiteRole.Role.EDITOR)
    assert entitlement_for(moderator, site.pk).standing == Standing.STAFF
    assert entitlement_for(moderator, site.pk).is_moderator
    assert entitlement_for(editor, site.pk).standing == Standing.STAFF
    assert not entitlement_for(editor, site.pk).is_moderator
    assert entitlement_for(moderator, other.pk).standing == Standing.READER


def test_superusers_moderate_everywhere_and_guests_are_guests():
    site = make_site()
    root = make_user(is_superuser=True)
    assert entitlement_for(root, site.pk).standing == Standing.STAFF
    assert entitlement_for(root, site.pk).is_moderator
    assert entitlement_for(None, site.pk).standing == Standing.GUEST
    anonymous: Any = AnonymousUser()  # what request.user is for a guest
    assert entitlement_for(anonymous, site.pk).standing == Standing.GUEST


def test_one_query_for_a_signed_in_user(django_assert_num_queries):
    site = make_site()
    user = make_user()
    subscribe(user, site, starts=-DAY)
    with django_assert_num_queries(1):
        entitlement_for(user, site.pk)
