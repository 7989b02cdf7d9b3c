"""Each rule and mode, through the page's posting endpoint where readers meet them."""

import hashlib
import hmac
import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.urls import reverse
from django.utils import timezone

from parley import factories
from parley.articles.models import Article
from parley.discussion import access as discussion_access
from parley.discussion.models import Comment, CommentStatus
from parley.moderation import civility, phases
from parley.moderation.models import (
    ArticlePolicy,
    AuditEntry,
    Hold,
    HoldRule,
    LinkMode,
    Mode,
    Sanction,
    SanctionKind,
    UserFlag,
)
from parley.moderation.tests.conftest import post

pytestmark = pytest.mark.django_db


def latest() -> Comment:
    return Comment.objects.latest("id")


def held_by(rule: str) -> Comment:
    comment = latest()
    assert comment.status == CommentStatus.PENDING
    assert Hold.objects.get(comment=comment).rule == rule
    return comment


def test_default_policy_posts_visible(client, article, subscriber):
    client.force_login(subscriber)
    assert post(client, article, "A civil remark.").status_code == 201
    assert latest().status == CommentStatus.VISIBLE
    assert not Hold.objects.exists()


def test_banned_word_is_refused_with_the_reason(client, article, subscriber, policy):
    policy.banned_words = "cunt\n"
    policy.save()
    client.force_login(subscriber)
    response = post(client, article, "You c\u200bunt.")
    assert response.status_code == 422
    assert response.json()["code"] == "banned_word"
    assert "c\u200bunt" in response.json()["message"]
    assert "does not allow" in response.json()["message"]
    assert not Comment.objects.exists()
    # Scunthorpe is a place, not a word on the list.
    assert post(client, article, "Greetings from Scunthorpe.").status_code == 201


def test_suspect_word_holds_and_records_the_rule(client, article, subscriber, policy):
    policy.suspect_words = "delusional"
    policy.save()
    client.force_login(subscriber)
    response = post(client, article, "You're DELUSI0NAL.")
    assert response.status_code == 201
    comment = held_by(HoldRule.SUSPECT_WORD)
    assert "delusional" in Hold.objects.get(comment=comment).reason
    article.refresh_from_db()
    assert article.comment_count == 0  # held comments are not counted
    entry = AuditEntry.objects.get(comment=comment)
    assert entry.actor is None and entry.action == "hold"


def test_masked_words_are_masked_in_html_and_kept_in_the_body(client, article, subscriber, policy):
    policy.masked_words = "piss"
    policy.save()
    client.force_login(subscriber)
    post(client, article, "What a p1ss poor argument, said the man from Scunthorpe.")
    comment = latest()
    assert comment.status == CommentStatus.VISIBLE
    assert "p*** poor" in comment.body_html
    assert "p1ss poor" in comment.body


def test_remask_follows_the_list(article, subscriber, policy):
    from parley.moderation.actions import remask_site

    comment = factories.make_comment(article, subscriber, "Piss and vinegar.")
    policy.masked_words = "piss"
    policy.save()
    assert remask_site(article.site_id) == 1
    comment.refresh_from_db()
    assert "P*** and vinegar" in comment.body_html
    policy.masked_words = ""
    policy.save()
    remask_site(article.site_id)
    comment.refresh_from_db()
    assert "Piss and vinegar" in comment.body_html


LINK = "Read https://blog.example.net/post please."


@pytest.mark.parametrize(
    ("mode", "approved", "status", "linked"),
    [
        (LinkMode.ALLOW, 0, CommentStatus.VISIBLE, True),
        (LinkMode.HOLD, 0, CommentStatus.PENDING, True),
        (LinkMode.HOLD, 2, CommentStatus.VISIBLE, True),
        (LinkMode.STRIP, 0, CommentStatus.VISIBLE, False),
    ],
)
def test_links(client, article, subscriber, policy, mode, approved, status, linked):
    policy.links = mode
    policy.links_min_approved = 2
    policy.save()
    for i in range(approved):
        factories.make_comment(article, subscriber, f"Earlier comment {i}")
    client.force_login(subscriber)
    post(client, article, LINK)
    comment = latest()
    assert comment.status == status
    assert ('href="https://blog.example.net/post"' in comment.body_html) is linked
    assert "blog.example.net/post" in comment.body_html  # stripped links keep their text
    if status == CommentStatus.PENDING:
        assert Hold.objects.get(comment=comment).rule == HoldRule.LINK


def test_always_allowed_domains_pass(client, article, subscriber, policy):
    policy.links = LinkMode.HOLD
    policy.allowed_domains = "example.net"
    policy.save()
    client.force_login(subscriber)
    post(client, article, LINK)
    assert latest().status == CommentStatus.VISIBLE


def test_repeat_post_is_held(client, article, subscriber):
    client.force_login(subscriber)
    post(client, article, "Same thing again.")
    post(client, article, "  same   THING again. ")
    held_by(HoldRule.REPEAT)


def test_pre_moderation(client, article, subscriber, policy):
    policy.mode = Mode.PRE
    policy.save()
    client.force_login(subscriber)
    post(client, article, "Hello.")
    held_by(HoldRule.PREMODERATION)


def test_article_override_of_the_mode(client, article, subscriber, policy):
    ArticlePolicy.objects.create(article=article, mode=Mode.PRE)
    other = factories.make_article(article.site)
    client.force_login(subscriber)
    post(client, article, "Here it waits.")
    held_by(HoldRule.PREMODERATION)
    post(client, other, "Here it shows.")
    assert latest().status == CommentStatus.VISIBLE


def test_first_comments_held_until_n_are_approved(client, article, subscriber, policy):
    policy.mode = Mode.FIRST
    policy.first_held_count = 2
    policy.save()
    client.force_login(subscriber)
    post(client, article, "My first.")
    held_by(HoldRule.FIRST_COMMENTS)
    factories.make_comment(article, subscriber, "Approved one.")
    factories.make_comment(article, subscriber, "Approved two.")
    post(client, article, "Now I am known.")
    assert latest().status == CommentStatus.VISIBLE


def test_user_always_premoderated(client, article, subscriber, site):
    UserFlag.objects.create(user=subscriber, site=site, always_premoderate=True)
    client.force_login(subscriber)
    post(client, article, "Hello.")
    held_by(HoldRule.USER_PREMODERATION)


def test_staff_are_never_held(client, article, moderator, policy):
    policy.mode = Mode.PRE
    policy.save()
    client.force_login(moderator)
    post(client, article, "A note from the moderators.")
    assert latest().status == CommentStatus.VISIBLE


def test_civility_nudge_then_post_anyway_is_held(client, article, subscriber):
    client.force_login(subscriber)
    nudged = post(client, article, "Grrr you fool.", nudge_ack=False)
    assert nudged.status_code == 422
    assert nudged.json()["code"] == "civility_nudge"
    assert "post anyway" in nudged.json()["message"]
    assert not Comment.objects.exists()
    assert post(client, article, "Grrr you fool.", nudge_ack=True).status_code == 201
    held_by(HoldRule.CIVILITY)


def test_civility_nudge_without_script_offers_post_anyway(client, article, subscriber):
    client.force_login(subscriber)
    page = post(client, article, "Grrr you fool.", nudge_ack=False, fragment=False)
    assert page.status_code == 422
    html = page.content.decode()
    assert 'name="nudge_ack" value="1"' in html and "Post anyway" in html


def test_clients_that_cannot_be_nudged_get_a_hold(article, subscriber):
    comment = discussion_access.check_post_comment(
        user=subscriber, article=article, body="Grrr you fool.", parent_id=None
    )
    assert comment.status == CommentStatus.PENDING


def test_the_real_model_scores(settings):
    settings.PARLEY_CIVILITY_SCORER = "parley.moderation.civility.ProfanityCheckScorer"
    scorer = civility.scorer()
    assert scorer.score("you are a stupid moron") > 0.9
    assert scorer.score("Thank you for a thoughtful article about buses.") < 0.3


@pytest.mark.parametrize(
    "text",
    [
        "you are a stupid moron",
        "Thank you for a thoughtful article about buses.",
        "Bus lanes? Nonsense. " * 80,
        "ça va, l'argument tient — 日本語も",
        "?!",
        "the the the",
    ],
)
def test_the_direct_evaluation_gives_the_models_own_scores(settings, text):
    from profanity_check import predict_prob

    settings.PARLEY_CIVILITY_SCORER = "parley.moderation.civility.ProfanityCheckScorer"
    assert civility.scorer().score(text) == pytest.approx(predict_prob([text])[0], abs=1e-12)


def test_the_direct_tf_idf_row_is_the_vectorisers_own():
    """Bit for bit, on texts of every kind: stop words, repeats, capitals, accents,
    scripts the token pattern splits, words the vocabulary lacks, punctuation only."""
    import random

    import numpy as np
    from profanity_check import profanity_check as loaded

    vectorizer = loaded.vectorizer
    row = civility._tfidf_row(vectorizer, np)
    rng = random.Random(3)
    words = [
        *sorted(vectorizer.vocabulary_)[::7],
        "the",
        "AND",
        "Über",
        "naïve",
        "日本語",
        "x",
        "?!",
    ]
    texts = ["", "?!", "the the the", "Straße ΣΊΣΥΦΟΣ École", "you are a stupid moron"]
    texts += [" ".join(rng.choices(words, k=rng.randint(1, 80))) for _ in range(500)]
    for text in texts:
        expected = vectorizer.transform([text])
        indices, data = row(text)
        assert np.array_equal(indices, expected.indices), text
        assert np.array_equal(data, expected.data), text


def test_edit_that_trips_a_rule_holds_a_visible_comment(client, article, subscriber, policy):
    policy.suspect_words = "delusional"
    policy.save()
    reply_to = factories.make_comment(article, body="Top.")
    comment = factories.make_comment(article, subscriber, "Fine words.", parent=reply_to)
    article.refresh_from_db()
    assert article.comment_count == 2
    client.force_login(subscriber)
    response = client.post(
        reverse("edit_comment", args=[comment.pk]),
        {"body": "You are delusional."},
        headers={"X-Parley-Fragment": "1"},
    )
    assert response.status_code == 200
    comment.refresh_from_db()
    reply_to.refresh_from_db()
    article.refresh_from_db()
    assert comment.status == CommentStatus.PENDING
    assert article.comment_count == 1
    assert reply_to.thread_replies == 0


def test_automatic_closing(client, article, subscriber, policy):
    policy.auto_close_days = 3
    policy.save()
    Article.objects.filter(pk=article.pk).update(published_at=timezone.now() - timedelta(days=4))
    target = factories.make_comment(article, body="Old.")
    client.force_login(subscriber)
    response = post(client, article, "Too late?")
    assert response.status_code == 403 and response.json()["code"] == "thread_closed"
    vote = client.post(
        reverse("vote", args=[target.pk]), {"value": "up"}, headers={"X-Parley-Fragment": "1"}
    )
    assert vote.status_code == 403
    page = client.get(reverse("article", kwargs={"slug": article.slug})).content.decode()
    assert "This discussion is closed to new comments." in page  # still shows, with a notice
    assert "Old." in page
    article.refresh_from_db()
    assert article.discussion_closed


def test_article_override_keeps_a_discussion_open(client, article, subscriber, policy):
    policy.auto_close_days = 3
    policy.save()
    ArticlePolicy.objects.create(article=article, auto_close_days=0)
    Article.objects.filter(pk=article.pk).update(published_at=timezone.now() - timedelta(days=40))
    client.force_login(subscriber)
    assert post(client, article, "Still open.").status_code == 201


@pytest.mark.parametrize("kind", [SanctionKind.SUSPEND, SanctionKind.BAN])
def test_sanctioned_users_cannot_post_or_vote_and_see_why(client, article, subscriber, kind):
    ends = timezone.now() + timedelta(days=3) if kind == SanctionKind.SUSPEND else None
    Sanction.objects.create(
        user=subscriber, site=article.site, kind=kind, ends_at=ends, message="Be kind."
    )
    target = factories.make_comment(article, body="Target.")
    client.force_login(subscriber)
    response = post(client, article, "Let me in.")
    assert response.status_code == 403
    assert response.json()["code"] == ("banned" if kind == SanctionKind.BAN else "suspended")
    assert "Be kind." in response.json()["message"]
    vote = client.post(
        reverse("vote", args=[target.pk]), {"value": "up"}, headers={"X-Parley-Fragment": "1"}
    )
    assert vote.status_code == 403
    page = client.get(reverse("article", kwargs={"slug": article.slug})).content.decode()
    assert "data-moderation-notice" in page and "Be kind." in page


def test_an_expired_suspension_no_longer_applies(client, article, subscriber):
    Sanction.objects.create(
        user=subscriber,
        site=article.site,
        kind=SanctionKind.SUSPEND,
        starts_at=timezone.now() - timedelta(days=5),
        ends_at=timezone.now() - timedelta(days=1),
    )
    client.force_login(subscriber)
    assert post(client, article, "Back again.").status_code == 201


@pytest.mark.parametrize(
    "sanctions",
    [
        [],
        [{"kind": SanctionKind.BAN}],
        [{"kind": SanctionKind.SUSPEND, "ends_at": 3}],
        [{"kind": SanctionKind.SUSPEND, "ends_at": -1}],  # served
        [{"kind": SanctionKind.BAN, "lifted": True}],
        [{"kind": SanctionKind.BAN, "elsewhere": True}],
        [{"kind": SanctionKind.BAN}, {"kind": SanctionKind.SUSPEND, "ends_at": 2}],
        [{"kind": SanctionKind.SUSPEND, "ends_at": 2}, {"kind": SanctionKind.BAN, "lifted": True}],
    ],
)
def test_the_sanction_in_force_is_the_latest_unlifted_unexpired_one(
    article, subscriber, other_site, sanctions
):
    now = timezone.now()
    for spec in sanctions:
        Sanction.objects.create(
            user=subscriber,
            site=other_site if spec.get("elsewhere") else article.site,
            kind=spec["kind"],
            ends_at=now + timedelta(days=spec["ends_at"]) if "ends_at" in spec else None,
            lifted_at=now if spec.get("lifted") else None,
        )
    expected = (
        Sanction.objects.active().filter(user=subscriber, site=article.site).order_by("-id").first()
    )
    assert phases.active_sanction(user=subscriber, site_id=article.site_id) == expected


# --- the external phase -------------------------------------------------------------------


class ExternalModerator(BaseHTTPRequestHandler):
    secret = "s3cret"
    seen: list[dict] = []
    delay = 0.0

    def do_POST(self):  # the http.server API names it so
        body = self.rfile.read(int(self.headers["Content-Length"]))
        timestamp = self.headers["X-Parley-Timestamp"]
        expected = hmac.new(self.secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
        valid = hmac.compare_digest(
            self.headers["X-Parley-Signature"], "sha256=" + expected.hexdigest()
        )
        data = json.loads(body)
        type(self).seen.append({"valid": valid, "data": data})
        time.sleep(type(self).delay)
        text = data["comment"]["body"]
        action = "refuse" if "spam" in text else "hold" if "hmm" in text else "allow"
        answer = json.dumps({"action": action, "reason": f"external said {action}"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@pytest.fixture
def external(policy):
    ExternalModerator.seen = []
    ExternalModerator.delay = 0.0
    server = HTTPServer(("127.0.0.1", 0), ExternalModerator)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    policy.external_url = f"http://127.0.0.1:{server.server_port}/moderate"
    policy.external_secret = ExternalModerator.secret
    policy.external_timeout_ms = 500
    policy.save()
    yield policy
    server.shutdown()
    server.server_close()


def test_external_phase_is_signed_and_obeyed(client, article, subscriber, external):
    client.force_login(subscriber)
    assert post(client, article, "A fine comment.").status_code == 201
    assert latest().status == CommentStatus.VISIBLE
    refused = post(client, article, "Buy spam now.")
    assert refused.status_code == 422 and refused.json()["message"] == "external said refuse"
    post(client, article, "hmm, not sure.")
    held_by(HoldRule.EXTERNAL)
    assert all(s["valid"] for s in ExternalModerator.seen)
    assert ExternalModerator.seen[0]["data"]["author"]["id"] == subscriber.pk


@pytest.mark.parametrize(("fail_hold", "status"), [(False, "visible"), (True, "pending")])
def test_external_phase_timeout(client, article, subscriber, external, fail_hold, status):
    ExternalModerator.delay = 1.0
    external.external_timeout_ms = 200
    external.external_fail_hold = fail_hold
    external.save()
    client.force_login(subscriber)
    started = time.monotonic()
    assert post(client, article, "A slow day.").status_code == 201
    assert time.monotonic() - started < 1.0
    assert latest().status == status
