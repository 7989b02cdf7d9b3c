"""Sites and their moderation policies kept in the process (parley/cache/local.py): a
change made here is seen at once, one made by another process (which sends no signal
here) within PARLEY_LOCAL_CACHE_SECONDS or as soon as its generation bump is heard, and
no request can change what the next one gets."""

import time

import pytest
from django.test import RequestFactory
from django.urls import reverse

from parley import factories
from parley.articles.models import Site
from parley.articles.sites import current_site
from parley.cache import front, local
from parley.cache.tests.conftest import listening
from parley.discussion.models import Comment, CommentStatus
from parley.moderation.models import SitePolicy

pytestmark = pytest.mark.django_db


def site_name() -> str:
    """The name of the site a request for this host is served by."""
    return current_site(RequestFactory().get("/")).name


def test_a_site_saved_here_is_seen_by_the_next_request(site, django_assert_num_queries):
    assert site_name() == site.name
    with django_assert_num_queries(0):
        assert site_name() == site.name
    site.name = "The Renamed Review"
    site.save()
    assert site_name() == "The Renamed Review"


def test_a_change_from_another_process_is_seen_when_the_entry_expires(site, settings):
    settings.PARLEY_LOCAL_CACHE_SECONDS = 0.3
    site_name()
    # Another process's save: the row changes, no signal reaches this one.
    Site.objects.filter(pk=site.pk).update(name="Changed Elsewhere")
    assert site_name() == site.name  # kept, for now
    time.sleep(0.35)
    assert site_name() == "Changed Elsewhere"


def test_zero_seconds_keeps_nothing(site, settings):
    settings.PARLEY_LOCAL_CACHE_SECONDS = 0
    site_name()
    Site.objects.filter(pk=site.pk).update(name="Changed Elsewhere")
    assert site_name() == "Changed Elsewhere"


def test_a_policy_saved_here_applies_to_the_next_post(client, article, subscriber):
    client.force_login(subscriber)
    url = reverse("post_comment", kwargs={"slug": article.slug})
    client.post(url, {"body": "Before the editor acts."})
    assert Comment.objects.get(body="Before the editor acts.").status == CommentStatus.VISIBLE
    SitePolicy.objects.update_or_create(site=article.site, defaults={"mode": "pre"})
    client.post(url, {"body": "After the editor acts."})
    assert Comment.objects.get(body="After the editor acts.").status == CommentStatus.PENDING


def test_each_caller_gets_its_own_copy(site):
    loads = []

    def load() -> Site:
        loads.append(1)
        return Site.objects.get(pk=site.pk)

    first = local.sites.get("key", load)
    first.name = "Changed by one request"
    second = local.sites.get("key", load)
    assert second.name == site.name and second is not first
    assert len(loads) == 1


def test_a_load_that_overlaps_a_clear_is_not_kept(site):
    def load_across_a_clear() -> Site:
        local.clear()  # a save committing while this request reads the old row
        return Site.objects.get(pk=site.pk)

    local.sites.get("key", load_across_a_clear)
    reloaded: list[Site] = []

    def reload() -> Site:
        reloaded.append(site)
        return site

    local.sites.get("key", reload)
    assert reloaded == [site]


def test_a_generation_bump_heard_from_another_process_clears_it(site, two_processes):
    here, there = two_processes
    listening(there)
    local.sites.get("key", lambda: site)  # kept after subscribing
    here.publish(front.GENERATION)
    reloaded: list[Site] = []

    def reload() -> Site:
        reloaded.append(site)
        return site

    deadline = time.monotonic() + 10
    while not reloaded and time.monotonic() < deadline:
        local.sites.get("key", reload)
        time.sleep(0.02)
    assert reloaded == [site]


def test_hosts_are_bounded(site):
    for n in range(local.MAX_ENTRIES + 5):
        local.sites.get(f"host-{n}", lambda: site)
    assert len(local.sites._entries) <= local.MAX_ENTRIES


def test_no_site_is_never_kept(client, db):
    assert client.get("/articles/anything/").status_code == 404
    made = factories.make_site()
    article = factories.make_article(made)
    assert client.get(reverse("article", kwargs={"slug": article.slug})).status_code == 200
