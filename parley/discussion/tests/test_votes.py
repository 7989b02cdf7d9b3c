"""Voting: the rules (who, on what, which values), exact counters, one row per reader and
comment, and exact totals when many readers vote at once (PostgreSQL)."""

import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.urls import reverse

from parley import factories
from parley.accounts.models import User
from parley.discussion import access, actions
from parley.discussion.models import Comment, CommentStatus, ScoreChange, Vote
from parley.errors import ParleyError

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def comment(article, author):
    return factories.make_comment(article, user=author, body="Vote on me")


def people(n: int, prefix: str = "voter") -> list[User]:
    return User.objects.bulk_create([User(username=f"{prefix}{i}") for i in range(n)])


def counts(comment: Comment) -> tuple[int, int, int]:
    row = Comment.objects.get(pk=comment.pk)
    return row.upvotes, row.downvotes, row.score


def counts_from_rows(comment: Comment) -> tuple[int, int, int]:
    up = Vote.objects.filter(comment=comment, value=1).count()
    down = Vote.objects.filter(comment=comment, value=-1).count()
    return up, down, up - down


def ledger_total(comment: Comment) -> int:
    return ScoreChange.objects.filter(comment=comment).aggregate(t=Sum("delta"))["t"] or 0


def assert_consistent(comment: Comment) -> None:
    """Counters equal the vote rows, and the ledger adds up to the score."""
    assert counts(comment) == counts_from_rows(comment)
    assert ledger_total(comment) == counts(comment)[2]


# The rules -------------------------------------------------------------------------------


def test_up_then_down_then_withdraw(comment, subscriber):
    result = access.check_vote(user=subscriber, comment_id=comment.pk, value="up")
    assert (result.upvotes, result.downvotes, result.score) == (1, 0, 1)
    assert counts(comment) == (1, 0, 1)
    assert list(Vote.objects.values_list("user_id", "value")) == [(subscriber.pk, 1)]

    result = access.check_vote(user=subscriber, comment_id=comment.pk, value="down")
    assert (result.upvotes, result.downvotes, result.score) == (0, 1, -1)
    assert counts(comment) == (0, 1, -1)
    assert list(Vote.objects.values_list("user_id", "value")) == [(subscriber.pk, -1)]

    result = access.check_vote(user=subscriber, comment_id=comment.pk, value="none")
    assert (result.upvotes, result.downvotes, result.score) == (0, 0, 0)
    assert not Vote.objects.exists()
    assert list(ScoreChange.objects.order_by("id").values_list("delta", flat=True)) == [1, -2, 1]
    assert_consistent(comment)


def test_voting_the_same_way_twice_changes_nothing(comment, subscriber):
    access.check_vote(user=subscriber, comment_id=comment.pk, value="up")
    access.check_vote(user=subscriber, comment_id=comment.pk, value="1")
    assert Vote.objects.count() == 1
    assert counts(comment) == (1, 0, 1)
    assert ScoreChange.objects.count() == 1
    access.check_vote(user=subscriber, comment_id=comment.pk, value="none")
    access.check_vote(user=subscriber, comment_id=comment.pk, value="0")
    assert counts(comment) == (0, 0, 0)
    assert ScoreChange.objects.count() == 2


def test_counters_add_up_over_many_voters(comment):
    voters = people(9)
    plan = [1, 1, 1, -1, 1, -1, 1, 1, -1]
    for voter, value in zip(voters, plan, strict=True):
        actions.do_vote(user=voter, comment=comment, value=value)
    actions.do_vote(user=voters[0], comment=comment, value=-1)  # changes sides
    actions.do_vote(user=voters[3], comment=comment, value=0)  # withdraws
    actions.do_vote(user=voters[5], comment=comment, value=1)  # changes sides
    assert counts(comment) == (6, 2, 4)
    assert_consistent(comment)


@pytest.mark.parametrize(
    ("value", "stored"),
    [("up", 1), ("UP ", 1), ("1", 1), (1, 1), ("down", -1), ("-1", -1), (-1, -1)],
)
def test_accepted_vote_values(comment, subscriber, value, stored):
    access.check_vote(user=subscriber, comment_id=comment.pk, value=value)
    assert Vote.objects.get().value == stored


@pytest.mark.parametrize("value", ["sideways", "2", "", "+1", "up!", 5])
def test_other_vote_values_are_refused(comment, subscriber, value):
    with pytest.raises(ParleyError) as refused:
        access.check_vote(user=subscriber, comment_id=comment.pk, value=value)
    assert refused.value.code == "bad_vote"
    assert not Vote.objects.exists()


# Who may vote: guest, free reader, lapsed subscriber, subscriber, the comment's author,
# moderator. Each case is asserted through the access layer and through HTTP.
MATRIX = [
    ("guest", 403, "not_signed_in"),
    ("reader", 403, "not_subscriber"),
    ("lapsed", 403, "subscription_ended"),
    ("subscriber", 200, None),
    ("author", 403, "own_comment"),
    ("moderator", 200, None),
]


@pytest.mark.parametrize(("role", "status", "code"), MATRIX)
def test_who_may_vote(request, client, comment, role, status, code):
    user = None if role == "guest" else request.getfixturevalue(role)
    if code is None:
        access.check_vote(user=user, comment_id=comment.pk, value="up")
        assert counts(comment) == (1, 0, 1)
        access.check_vote(user=user, comment_id=comment.pk, value="none")
    else:
        with pytest.raises(ParleyError) as refused:
            access.check_vote(user=user, comment_id=comment.pk, value="up")
        assert refused.value.code == code

    if user is not None:
        client.force_login(user)
    response = client.post(
        reverse("vote", kwargs={"comment_id": comment.pk}),
        {"value": "up"},
        HTTP_X_PARLEY_FRAGMENT="1",
    )
    assert response.status_code == status
    if code is None:
        assert response.json() == {
            "id": comment.pk,
            "upvotes": 1,
            "downvotes": 0,
            "score": 1,
            "my_vote": 1,
        }
    else:
        assert response.json()["code"] == code
        assert not Vote.objects.exists()
    assert_consistent(comment)


def test_a_plain_form_vote_redirects_to_the_comment(client, comment, subscriber):
    client.force_login(subscriber)
    response = client.post(reverse("vote", kwargs={"comment_id": comment.pk}), {"value": "down"})
    assert response.status_code == 302
    assert response.url.endswith(f"/comments/{comment.pk}/#c-{comment.pk}")
    assert counts(comment) == (0, 1, -1)


@pytest.mark.parametrize("status", [CommentStatus.DELETED, CommentStatus.REMOVED])
def test_tombstones_cannot_be_voted_on(comment, subscriber, status):
    Comment.objects.filter(pk=comment.pk).update(status=status)
    with pytest.raises(ParleyError) as refused:
        access.check_vote(user=subscriber, comment_id=comment.pk, value="up")
    assert refused.value.code == "not_votable"


@pytest.mark.parametrize("status", [CommentStatus.PENDING, CommentStatus.SPAM])
def test_hidden_comments_are_not_found(comment, subscriber, status):
    Comment.objects.filter(pk=comment.pk).update(status=status)
    with pytest.raises(ParleyError) as refused:
        access.check_vote(user=subscriber, comment_id=comment.pk, value="up")
    assert refused.value.code == "not_found"


def test_missing_comment_is_not_found(db, subscriber):
    for missing in (987654, "abc", "-1"):
        with pytest.raises(ParleyError) as refused:
            access.check_vote(user=subscriber, comment_id=missing, value="up")
        assert refused.value.code == "not_found"


def test_no_votes_in_a_closed_discussion(article, comment, subscriber):
    article.discussion_closed = True
    article.save()
    with pytest.raises(ParleyError) as refused:
        access.check_vote(user=subscriber, comment_id=comment.pk, value="up")
    assert refused.value.code == "thread_closed"


# The database keeps one vote per reader and comment ---------------------------------------


def test_a_second_vote_row_for_the_same_reader_is_refused(comment, subscriber):
    Vote.objects.create(user=subscriber, comment=comment, value=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(user=subscriber, comment=comment, value=-1)
    assert Vote.objects.count() == 1


@pytest.mark.parametrize("value", [0, 2, -2])
def test_a_vote_is_up_or_down(comment, subscriber, value):
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(user=subscriber, comment=comment, value=value)


# Concurrency (PostgreSQL: real row locks and a real unique index) --------------------------


def run_at_once(jobs: list) -> list[BaseException]:
    """Runs each job in its own thread (and so its own connection), all released together."""
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job) -> None:
        try:
            barrier.wait(timeout=30)
            job()
        except BaseException as error:  # reported by the test, whatever it is
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a voter hung"
    return errors


def voting(user: User, comment_id: int, values: list[int]):
    def job() -> None:
        comment = Comment.objects.get(pk=comment_id)
        for value in values:
            actions.do_vote(user=user, comment=comment, value=value)

    return job


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_voters_leave_exact_totals(comment):
    voters = people(50)
    plans = []
    for i in range(50):
        first = 1 if i % 3 else -1
        plan = [first]
        if i % 5 == 0:
            plan.append(-first)  # changes sides
        if i % 7 == 0:
            plan.append(0)  # withdraws
        plans.append(plan)
    errors = run_at_once(
        [voting(voter, comment.pk, plan) for voter, plan in zip(voters, plans, strict=True)]
    )
    assert not errors

    finals = [plan[-1] for plan in plans]
    expected = (finals.count(1), finals.count(-1), finals.count(1) - finals.count(-1))
    assert counts(comment) == expected
    assert counts_from_rows(comment) == expected
    assert Vote.objects.filter(comment=comment).count() == 50 - finals.count(0)
    assert ledger_total(comment) == expected[2]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_reader_firing_ten_identical_votes_at_once_counts_once(comment, subscriber):
    errors = run_at_once([voting(subscriber, comment.pk, [1]) for _ in range(10)])
    assert not errors
    assert Vote.objects.filter(comment=comment, user=subscriber).count() == 1
    assert counts(comment) == (1, 0, 1)
    assert ScoreChange.objects.filter(comment=comment).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_reader_changing_their_mind_at_once_stays_consistent(comment, subscriber):
    values = [1, -1, 0, 1, -1, 1, 0, -1, 1, -1, 0, 1]
    errors = run_at_once([voting(subscriber, comment.pk, [value]) for value in values])
    assert not errors
    assert Vote.objects.filter(comment=comment, user=subscriber).count() <= 1
    assert_consistent(comment)
