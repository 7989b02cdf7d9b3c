"""Erasing an account: each site's policy for the comments, threads that stay whole, vote
totals that do not move, nothing left that names the person, and a confirmation that a
wrong answer, a GET, a guest or a forged form cannot get past."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from parley import factories
from parley.accounts import actions as account_actions
from parley.accounts.models import SiteRole, Subscription, User
from parley.api.models import ApiToken
from parley.articles.models import Article
from parley.discussion import actions, events
from parley.discussion.models import Comment, CommentStatus, Vote
from parley.moderation.actions import audit
from parley.moderation.models import AuditEntry
from parley.notifications.actions import follow_discussion, update_preferences
from parley.notifications.models import Follow, Notification, Preferences
from parley.paywall.models import MeterRead
from parley.sso.models import SsoIdentity, SsoSession

pytestmark = pytest.mark.django_db

EMAIL = "lena@example.com"
NAME = "Lena Leaver"


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def leaver(site):
    return factories.make_subscriber(site, "lena", email=EMAIL, display_name=NAME)


@pytest.fixture
def replier(site):
    return factories.make_subscriber(site, "rory", display_name="Rory Replier")


@pytest.fixture
def thread(article, leaver, replier):
    """Lena's comment with Rory's reply under it, a comment of hers without replies, and
    her reply to Rory; Rory voted on her comment and she on his."""
    top = factories.make_comment(article, leaver, "An opening thought.")
    reply = factories.make_comment(article, replier, "Rory answers.", parent=top)
    lone = factories.make_comment(article, leaver, "A lone remark.")
    roots = factories.make_comment(article, replier, "Rory starts a thread.")
    answer = factories.make_comment(article, leaver, "An answer to Rory.", parent=roots)
    actions.do_vote(user=replier, comment=top, value=1)
    actions.do_vote(user=leaver, comment=roots, value=1)
    actions.do_vote(user=leaver, comment=reply, value=-1)
    return {"top": top, "reply": reply, "lone": lone, "roots": roots, "answer": answer}


def _erase(client: Client, user: User, confirmation: str | None = None):
    client.force_login(user)
    return client.post(
        reverse("account_delete"), {"confirmation": confirmation or user.get_username()}
    )


def _page(article: Article) -> str:
    return Client().get(reverse("article", kwargs={"slug": article.slug})).content.decode()


def _counts(*comments: Comment) -> list[tuple[int, int, int]]:
    rows = Comment.objects.filter(pk__in=[c.pk for c in comments]).order_by("pk")
    return [(c.upvotes, c.downvotes, c.score) for c in rows]


def _assert_forgotten(user: User, html: str) -> None:
    user.refresh_from_db()
    assert user.username.startswith("erased-")
    assert (user.email, user.display_name, user.first_name, user.last_name) == ("", "", "", "")
    assert not user.is_active
    assert not user.has_usable_password()
    for personal in (EMAIL, NAME, "lena"):
        assert personal not in html


def test_anonymise_keeps_the_comments_as_by_a_former_reader(client, article, leaver, thread):
    count_before = Article.objects.get(pk=article.pk).comment_count
    votes_before = _counts(*thread.values())

    response = _erase(client, leaver)

    assert response.status_code == 302
    assert response["Location"] == reverse("account_deleted")
    html = _page(article)
    for key in ("top", "reply", "lone", "roots", "answer"):
        assert f'id="c-{thread[key].pk}"' in html
    assert "An opening thought." in html
    assert html.count('<span class="author">Former reader</span>') == 3
    assert "Reply to <b>Former reader</b>" in html
    assert Comment.objects.get(pk=thread["reply"].pk).parent_id == thread["top"].pk
    assert not Comment.objects.filter(author=leaver).exists()
    assert Article.objects.get(pk=article.pk).comment_count == count_before
    assert _counts(*thread.values()) == votes_before
    assert Vote.objects.filter(user=leaver).count() == 2  # anonymous now, totals unchanged
    _assert_forgotten(leaver, html)


def test_tombstone_policy_removes_the_text_and_keeps_the_replies(
    client, site, article, leaver, thread
):
    site.erasure_policy = "tombstone"
    site.save()
    count_before = Article.objects.get(pk=article.pk).comment_count
    reply_votes = _counts(thread["reply"], thread["roots"])

    assert _erase(client, leaver).status_code == 302

    html = _page(article)
    top = Comment.objects.get(pk=thread["top"].pk)
    assert (top.status, top.body, top.body_html, top.author_id) == ("deleted", "", "", None)
    assert f'id="c-{top.pk}"' in html and "This comment was deleted." in html
    reply = Comment.objects.get(pk=thread["reply"].pk)
    assert reply.parent_id == top.pk and f'id="c-{reply.pk}"' in html
    assert "Rory answers." in html
    # Without replies, her comments disappear (the delete action's rule).
    assert not Comment.objects.filter(pk__in=[thread["lone"].pk, thread["answer"].pk]).exists()
    assert Comment.objects.get(pk=thread["roots"].pk).thread_replies == 0
    assert Article.objects.get(pk=article.pk).comment_count == count_before - 3
    assert _counts(thread["reply"], thread["roots"]) == reply_votes
    for text in ("opening thought", "lone remark", "answer to Rory"):
        assert text not in html
    _assert_forgotten(leaver, html)


def test_tombstone_policy_takes_down_a_chain_of_her_own_replies(site, article, leaver, replier):
    site.erasure_policy = "tombstone"
    site.save()
    mine = factories.make_comment(article, leaver, "Top.")
    my_reply = factories.make_comment(article, leaver, "Mine under mine.", parent=mine)
    kept = factories.make_comment(article, leaver, "Another top.")
    under = factories.make_comment(article, leaver, "Mine again.", parent=kept)
    theirs = factories.make_comment(article, replier, "Rory, deep.", parent=under)

    account_actions.do_erase_account(user=leaver)

    assert not Comment.objects.filter(pk__in=[mine.pk, my_reply.pk]).exists()
    assert list(
        Comment.objects.filter(pk__in=[kept.pk, under.pk]).values_list("status", flat=True)
    ) == ["deleted", "deleted"]
    assert Comment.objects.get(pk=theirs.pk).parent_id == under.pk
    assert Comment.objects.get(pk=kept.pk).thread_replies == 2
    assert Article.objects.get(pk=article.pk).comment_count == 1


def test_each_site_follows_its_own_policy(leaver):
    keeps = factories.make_article(factories.make_site(erasure_policy="anonymise"))
    drops = factories.make_article(factories.make_site(erasure_policy="tombstone"))
    kept = factories.make_comment(keeps, leaver, "Stays.")
    dropped = factories.make_comment(drops, leaver, "Goes.")

    result = account_actions.do_erase_account(user=leaver)

    assert (result.anonymised, result.deleted) == (1, 1)
    assert Comment.objects.get(pk=kept.pk).body == "Stays."
    assert not Comment.objects.filter(pk=dropped.pk).exists()


def test_anonymise_takes_down_what_the_public_never_saw(article, leaver, replier):
    held = factories.make_comment(article, leaver, "Held.", status=CommentStatus.PENDING)
    shown = factories.make_comment(article, leaver, "Shown.")
    factories.make_comment(article, replier, "Reply.", parent=shown)

    account_actions.do_erase_account(user=leaver)

    assert not Comment.objects.filter(pk=held.pk).exists()
    assert Comment.objects.get(pk=shown.pk).body == "Shown."


def test_the_account_can_no_longer_sign_in_anywhere(article, leaver, thread):
    elsewhere = Client()
    elsewhere.force_login(leaver)
    client = Client()

    _erase(client, leaver)

    assert not get_user(client).is_authenticated  # this browser is signed out
    assert client.get(reverse("account"))["Location"].startswith(reverse("login"))
    # Another browser's session ends too (unusable password, inactive account).
    assert elsewhere.get(reverse("account"))["Location"].startswith(reverse("login"))
    assert not Client().login(username="lena", password="pw-for-tests")
    leaver.refresh_from_db()
    assert not Client().login(username=leaver.username, password="pw-for-tests")


def test_personal_rows_go_and_moderation_records_stay(site, article, leaver, moderator):
    identity = SsoIdentity.objects.create(site=site, external_id="ext-1", user=leaver, email=EMAIL)
    SsoSession.objects.create(
        key_hash="x" * 64, identity=identity, expires_at=timezone.now() + timedelta(hours=1)
    )
    SiteRole.objects.create(user=leaver, site=site, role=SiteRole.Role.EDITOR)
    follow_discussion(user=leaver, article=article)
    update_preferences(user=leaver, default_notify="all", in_page=True, email_mode="off")
    MeterRead.objects.create(user=leaver, site=site, article=article, month=timezone.now().date())
    token = ApiToken.objects.create(site=site, name="CMS", key_hash="y" * 64, created_by=leaver)
    entry = audit(site_id=site.pk, actor=moderator, action="suspend", target_user_id=leaver.pk)
    mine = factories.make_comment(article, leaver, "Hello @rory.")
    factories.make_comment(article, moderator, "A reply that notifies her.", parent=mine)
    assert Notification.objects.filter(recipient=leaver).exists()

    account_actions.do_erase_account(user=leaver)

    assert not SsoIdentity.objects.filter(user=leaver).exists()
    assert not SsoSession.objects.exists()
    assert not SiteRole.objects.filter(user=leaver).exists()
    assert not Subscription.objects.filter(user=leaver).exists()
    assert not Follow.objects.filter(user=leaver).exists()
    assert not Preferences.objects.filter(user=leaver).exists()
    assert not Notification.objects.filter(recipient=leaver).exists()
    assert not MeterRead.objects.filter(user=leaver).exists()
    token.refresh_from_db()
    assert token.created_by_id is None and token.revoked_at is None
    assert AuditEntry.objects.get(pk=entry.pk).target_user_id == leaver.pk


def test_changes_are_announced_after_commit(
    article, leaver, thread, django_capture_on_commit_callbacks
):
    heard: list[tuple[int, str]] = []

    def receiver(sender, *, comment, kind, **_):
        heard.append((comment.pk, kind))

    events.comment_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            account_actions.do_erase_account(user=leaver)
            assert heard == []  # nothing before the commit
        for callback in callbacks:
            callback()
    finally:
        events.comment_changed.disconnect(receiver)
    assert sorted(heard) == sorted((thread[k].pk, "anonymised") for k in ("top", "lone", "answer"))


def test_a_failure_leaves_the_account_as_it_was(monkeypatch, article, leaver, thread):
    def broken(user):
        raise RuntimeError("disk full")

    monkeypatch.setattr(account_actions, "_forget_the_person", broken)
    with pytest.raises(RuntimeError):
        account_actions.do_erase_account(user=leaver)
    assert Comment.objects.filter(author=leaver).count() == 3
    leaver.refresh_from_db()
    assert leaver.is_active and leaver.email == EMAIL


def _unchanged(leaver: User, article: Article) -> None:
    leaver.refresh_from_db()
    assert leaver.is_active and leaver.username == "lena" and leaver.email == EMAIL
    assert Comment.objects.filter(author=leaver).count() == 3
    assert NAME in _page(article)


def test_wrong_confirmation_changes_nothing(client, article, leaver, thread):
    response = _erase(client, leaver, confirmation="Lena")
    assert response.status_code == 400
    assert "Type your username exactly as shown to confirm." in response.content.decode()
    assert get_user(client).is_authenticated
    _unchanged(leaver, article)


def test_get_shows_the_form_and_erases_nothing(client, article, leaver, thread):
    client.force_login(leaver)
    response = client.get(reverse("account_delete"), {"confirmation": "lena"})
    assert response.status_code == 200
    assert 'name="confirmation"' in response.content.decode()
    _unchanged(leaver, article)


def test_a_guest_cannot_erase(client, article, leaver, thread):
    response = client.post(reverse("account_delete"), {"confirmation": "lena"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    _unchanged(leaver, article)


def test_a_forged_form_without_csrf_token_is_refused(article, leaver, thread):
    client = Client(enforce_csrf_checks=True)
    client.force_login(leaver)
    response = client.post(reverse("account_delete"), {"confirmation": "lena"})
    assert response.status_code == 403
    _unchanged(leaver, article)


def test_deleted_page_is_open_to_anyone(client):
    response = client.get(reverse("account_deleted"))
    assert response.status_code == 200
    assert "Your account is deleted" in response.content.decode()


def test_editors_see_and_set_the_policy_in_the_site_admin(client, site):
    editor = User.objects.create_superuser("chief", "chief@example.com", "pw-for-tests")
    client.force_login(editor)
    change = reverse("admin:articles_site_change", args=[site.pk])
    html = client.get(change).content.decode()
    assert 'name="erasure_policy"' in html
    assert '<option value="anonymise" selected>' in html
    assert (
        "column-erasure_policy"
        in client.get(reverse("admin:articles_site_changelist")).content.decode()
    )
    form = {
        "key": site.key, "name": site.name, "tagline": "", "domain": "",
        "edit_window_minutes": 15, "comments_page_size": 10,
        "created_at_0": "2026-01-01", "created_at_1": "00:00:00",
        "read_rule": "everyone", "post_rule": "subscribers", "vote_rule": "subscribers",
        "meter_free_articles": 0, "erasure_policy": "tombstone",
    }  # fmt: skip
    response = client.post(change, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    site.refresh_from_db()
    assert site.erasure_policy == "tombstone"
