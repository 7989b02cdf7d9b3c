"""The account page: signed-in only, the public name under the sign-up rules, and the
ways to the notification settings, the data download and erasure."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from parley import factories
from parley.accounts.models import Subscription
from parley.discussion.models import Comment

pytestmark = pytest.mark.django_db


def test_guest_is_sent_to_sign_in(client):
    response = client.get("/accounts/")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/accounts/"


def test_django_sign_in_pages_share_the_prefix(client):
    assert client.get(reverse("login")).status_code == 200
    assert reverse("account") == "/accounts/"


def test_page_shows_profile_subscriptions_and_the_ways_out(client, site):
    user = factories.make_subscriber(site, "sam", email="sam@example.com", display_name="Sam Q")
    other = factories.make_site(name="The Other Review")
    now = timezone.now()
    Subscription.objects.create(
        user=user, site=other, starts_at=now - timedelta(days=90), ends_at=now - timedelta(days=3)
    )
    client.force_login(user)
    response = client.get("/accounts/")
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    html = response.content.decode()
    assert 'value="Sam Q"' in html
    assert "sam@example.com" in html
    assert f"<b>{site.name}</b> · standard ·\n      current" in html
    assert "<b>The Other Review</b> · standard ·\n      ended" in html
    assert reverse("notifications:preferences") in html
    assert f'href="{reverse("account_data")}"' in html
    assert f'action="{reverse("account_delete")}"' in html


def test_header_links_the_signed_in_name_to_the_account_page(client, subscriber, article):
    client.force_login(subscriber)
    html = client.get(reverse("article", kwargs={"slug": article.slug})).content.decode()
    link = f'<a class="who" href="/accounts/" title="Your account">{subscriber.public_name}</a>'
    assert link in html


def test_display_name_is_cleaned_like_at_sign_up(client, reader, article):
    client.force_login(reader)
    response = client.post("/accounts/", {"display_name": "  Ada\u202e   Lovelace\u0007 "})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/?saved=1"
    reader.refresh_from_db()
    assert reader.display_name == "Ada Lovelace"
    assert "Saved." in client.get(response["Location"]).content.decode()


def test_new_name_shows_on_the_users_comments(client, subscriber, article):
    factories.make_comment(article, subscriber, "Renamed soon.")
    client.force_login(subscriber)
    client.post("/accounts/", {"display_name": "Brand New Name"})
    client.logout()
    html = client.get(reverse("article", kwargs={"slug": article.slug})).content.decode()
    assert "Brand New Name" in html


def test_blank_display_name_is_refused_and_nothing_changes(client, reader):
    client.force_login(reader)
    before = reader.display_name
    response = client.post("/accounts/", {"display_name": "\u200b\u202e "})
    assert response.status_code == 400
    assert "Choose a name to show with your comments." in response.content.decode()
    reader.refresh_from_db()
    assert reader.display_name == before


def test_name_form_needs_csrf(reader):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(reader)
    assert client.post("/accounts/", {"display_name": "Sneaky"}).status_code == 403


def test_delete_page_explains_each_sites_policy(client, subscriber, article):
    factories.make_comment(article, subscriber)
    tombstones = factories.make_site(name="Tombstone Times", erasure_policy="tombstone")
    Subscription.objects.create(user=subscriber, site=tombstones)
    factories.make_comment(factories.make_article(tombstones), subscriber)
    client.force_login(subscriber)
    html = client.get(reverse("account_delete")).content.decode()
    assert "<b>Tombstone Times</b>: their text is removed" in html
    assert f"<b>{article.site.name}</b>: they stay, shown as by a “Former reader”" in html
    assert Comment.objects.filter(author=subscriber).count() == 2  # GET changes nothing


def test_page_costs_a_fixed_number_of_queries(client, site, article, django_assert_num_queries):
    user = factories.make_subscriber(site)
    for _ in range(5):
        factories.make_comment(factories.make_article(factories.make_site()), user)
        Subscription.objects.create(user=user, site=factories.make_site())
    client.force_login(user)
    # session, user, subscriptions (with sites), site roles, sites commented on (erasure
    # policies), and the header's notification bell
    with django_assert_num_queries(6):
        assert client.get("/accounts/").status_code == 200
