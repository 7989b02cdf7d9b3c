"""The desk's pages: each queue lists what it should, pages by keyset at a fixed number of
queries whatever the queue's length; the readers' side (report box, Editor's picks)."""

import re

import pytest
from django.urls import reverse

from parley import factories
from parley.accounts.models import User
from parley.discussion.models import Comment, CommentStatus, path_segment
from parley.moderation import access, actions
from parley.moderation.models import Hold, HoldRule

pytestmark = pytest.mark.django_db


def bulk_pending(article, count: int, users: list[User]) -> list[Comment]:
    """Pending top-level comments written in bulk, each with a Hold, as the rules would."""
    rows = Comment.objects.bulk_create(
        [
            Comment(
                article=article,
                author=users[i % len(users)],
                body=f"Held {i}",
                body_html=f"<p>Held {i}</p>",
                status=CommentStatus.PENDING,
            )
            for i in range(count)
        ]
    )
    for row in rows:
        row.path = path_segment(row.pk)
    Comment.objects.bulk_update(rows, ["path"])
    rule = [HoldRule.FIRST_COMMENTS, HoldRule.SUSPECT_WORD]
    Hold.objects.bulk_create(
        [Hold(comment=r, site=article.site, rule=rule[i % 2]) for i, r in enumerate(rows)]
    )
    return rows


def row_ids(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'data-mod-row="(\d+)"', html)]


def test_queues_list_their_items(client, article, site, moderator, author):
    held = factories.make_comment(article, author, "Held.", status=CommentStatus.PENDING)
    actions.do_hold(comment=held, rule=HoldRule.SUSPECT_WORD, reason="“x”")
    first = factories.make_comment(article, author, "First.", status=CommentStatus.PENDING)
    actions.do_hold(comment=first, rule=HoldRule.FIRST_COMMENTS, reason="0 of 3")
    reported = factories.make_comment(article, author, "Reported.")
    access.check_report(user=factories.make_subscriber(site), comment_id=reported.pk, reason="spam")
    removed = factories.make_comment(article, author, "Removed.")
    access.check_remove(user=moderator, comment_id=removed.pk, reason="abuse")
    access.check_appeal(user=author, comment_id=removed.pk, text="Please")
    picked = factories.make_comment(article, author, "Picked.")
    access.check_feature(user=moderator, comment_id=picked.pk)
    client.force_login(moderator)

    def queue(name: str) -> str:
        response = client.get(reverse("moderation:queue", args=[name]))
        assert response.status_code == 200
        return response.content.decode()

    assert row_ids(queue("pending")) == [held.pk, first.pk]
    rules = queue("rules")
    assert row_ids(rules) == [held.pk]  # the mode hold is not a rule
    assert "Held: <b>Suspect word</b>" in rules
    assert row_ids(queue("reported")) == [reported.pk]
    assert row_ids(queue("removed")) == [removed.pk]
    assert row_ids(queue("featured")) == [picked.pk]
    appeals = queue("appeals")
    assert row_ids(appeals) == [removed.pk]
    assert "Grant appeal" in appeals
    # Context: the commenter's standing and history are on the row.
    pending = queue("pending")
    assert "Standing: <b>subscriber</b>" in pending
    assert "profile &amp; log" in pending


def test_keyset_paging_and_fixed_queries(
    client, article, moderator, settings, django_assert_max_num_queries
):
    settings.PARLEY_MODERATION_PAGE_SIZE = 10
    users = [factories.make_subscriber(article.site) for _ in range(4)]
    rows = bulk_pending(article, 25, users)
    client.force_login(moderator)
    url = reverse("moderation:queue", args=["pending"])
    client.get(url)  # session and roles warm up
    seen: list[int] = []
    after = ""
    figures = []
    for _ in range(3):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            html = client.get(url, {"after": after} if after else {}).content.decode()
        figures.append(len(captured))
        seen += row_ids(html)
        found = re.search(r'data-next href="\?after=(\d+)"', html)
        after = found.group(1) if found else ""
    assert seen == [r.pk for r in rows]
    assert not after
    # Same cost for a page of ten rows from four commenters as for the last five rows.
    assert len(set(figures)) == 1, figures
    bulk_pending(article, 200, [*users, factories.make_subscriber(article.site)])
    with django_assert_max_num_queries(figures[0]):
        client.get(url)


def test_bulk_actions(client, article, moderator, author):
    held = [
        factories.make_comment(article, author, f"Held {i}.", status=CommentStatus.PENDING)
        for i in range(3)
    ]
    client.force_login(moderator)
    response = client.post(
        reverse("moderation:bulk"),
        {"ids": [c.pk for c in held[:2]], "action": "remove", "reason": "spam"},
    )
    assert response.status_code == 302
    statuses = [Comment.objects.get(pk=c.pk).status for c in held]
    assert statuses == ["removed", "removed", "pending"]


def test_comment_and_user_logs(client, article, moderator, author):
    comment = factories.make_comment(article, author, "Logged.")
    access.check_remove(user=moderator, comment_id=comment.pk, reason="abuse")
    access.check_restore(user=moderator, comment_id=comment.pk)
    client.force_login(moderator)
    log = client.get(reverse("moderation:comment", args=[comment.pk])).content.decode()
    assert "Removed</b> by" in log and "Restored</b> by" in log
    profile = client.get(
        reverse("moderation:user", args=[author.pk]), {"site": article.site_id}
    ).content.decode()
    assert "Removed</b> by" in profile


def test_report_box_shows_for_participants_only(client, article, subscriber, author, reader):
    comment = factories.make_comment(article, author, "Reportable.")
    url = reverse("article", kwargs={"slug": article.slug})
    client.force_login(subscriber)
    assert reverse("moderation:report", args=[comment.pk]) in client.get(url).content.decode()
    client.force_login(author)
    assert reverse("moderation:report", args=[comment.pk]) not in client.get(url).content.decode()
    client.force_login(reader)
    assert reverse("moderation:report", args=[comment.pk]) not in client.get(url).content.decode()


def test_report_without_script(client, article, subscriber, author):
    comment = factories.make_comment(article, author, "Reportable.")
    client.force_login(subscriber)
    response = client.post(reverse("moderation:report", args=[comment.pk]), {"reason": "off_topic"})
    assert response.status_code == 200
    assert "A moderator will look at this comment." in response.content.decode()


def test_editors_picks_tab(client, article, author, editor):
    plain = factories.make_comment(article, author, "Plain comment.")
    picked = factories.make_comment(article, author, "A very good comment.")
    access.check_feature(user=editor, comment_id=picked.pk)
    page = client.get(reverse("article", kwargs={"slug": article.slug})).content.decode()
    assert "Editor&#x27;s picks" in page or "Editor's picks" in page
    picks = client.get(reverse("moderation:picks", args=[article.slug]))
    html = picks.content.decode()
    assert f'id="c-{picked.pk}"' in html and f'id="c-{plain.pk}"' not in html
    assert 'aria-current="true" class="current">Editor' in html
    fragment = client.get(
        reverse("moderation:picks", args=[article.slug]), headers={"X-Parley-Fragment": "1"}
    )
    assert f'id="c-{picked.pk}"' in fragment.json()["html"]
