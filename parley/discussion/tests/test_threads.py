"""Sorting and threading: the order readers see, depth, indentation, "Reply to" labels and
tombstones, checked through the selector and through the article page."""

import re

import pytest
from django.urls import reverse

from parley import factories
from parley.accounts.models import User
from parley.articles.models import Article
from parley.discussion import access, actions, selectors
from parley.discussion.models import Comment, CommentStatus
from parley.errors import InvalidInput

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def people(n: int, prefix: str = "voter") -> list[User]:
    """Accounts that only vote (do_vote trusts its caller), made without password hashing."""
    return User.objects.bulk_create(
        [User(username=f"{prefix}{i}", display_name=f"{prefix.title()} {i}") for i in range(n)]
    )


def post(
    article: Article, user: User, parent: Comment | None = None, body: str = "Words."
) -> Comment:
    return factories.make_comment(article, user=user, parent=parent, body=body)


def vote_to(comment: Comment, score: int, voters: list[User]) -> None:
    """Gives the comment a net score with one vote per voter."""
    value = 1 if score > 0 else -1
    for voter in voters[: abs(score)]:
        actions.do_vote(user=voter, comment=comment, value=value)


def page_html(client, article: Article, **params) -> str:
    response = client.get(reverse("article", kwargs={"slug": article.slug}), params)
    assert response.status_code == 200
    return response.content.decode()


def thread_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<article class="thread" id="t-(\d+)"', html)]


def comment_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'\bid="c-(\d+)"', html)]


def indents(html: str) -> dict[int, int]:
    pairs = re.findall(r'class="comment indent-(\d+)[^"]*" id="c-(\d+)"', html)
    return {int(cid): int(indent) for indent, cid in pairs}


def reload(comment: Comment) -> Comment:
    return Comment.objects.get(pk=comment.pk)


# Sorting ----------------------------------------------------------------------------------


@pytest.fixture
def scored(article, author):
    """Six top-level comments, oldest first, with net scores 2, 5, 2, -1, 0, 5."""
    voters = people(5)
    comments = [post(article, author, body=f"Comment {i}") for i in range(6)]
    for comment, score in zip(comments, [2, 5, 2, -1, 0, 5], strict=True):
        vote_to(comment, score, voters)
    # One voter changes sides on comment 1: +1 becomes -1, so its net score is 3 now.
    actions.do_vote(user=voters[0], comment=comments[1], value=-1)
    return comments


def test_most_voted_is_net_score_descending_ties_oldest_first(client, article, scored):
    c0, c1, c2, c3, c4, c5 = scored
    assert [reload(c).score for c in scored] == [2, 3, 2, -1, 0, 5]
    expected = [c5.pk, c1.pk, c0.pk, c2.pk, c4.pk, c3.pk]
    page = selectors.comment_page(article=article, sort="top")
    assert [t.pk for t in page.threads] == expected
    assert thread_ids(page_html(client, article, sort="top")) == expected
    # Most Voted is the default sort.
    assert thread_ids(page_html(client, article)) == expected


def test_newest_and_oldest_order_by_posting_time(client, article, scored):
    ids = [c.pk for c in scored]
    assert [t.pk for t in selectors.comment_page(article=article, sort="new").threads] == ids[::-1]
    assert [t.pk for t in selectors.comment_page(article=article, sort="old").threads] == ids
    assert thread_ids(page_html(client, article, sort="new")) == ids[::-1]
    assert thread_ids(page_html(client, article, sort="old")) == ids


@pytest.mark.parametrize("value", ["evil", "", "TOP", "score desc", "new'--", "-id"])
def test_sort_parameter_is_an_allow_list(client, article, scored, value):
    assert selectors.parse_sort(value) == "top"
    html = page_html(client, article, sort=value)
    assert thread_ids(html) == thread_ids(page_html(client, article, sort="top"))
    current = re.findall(r'data-parley-sort="(\w+)" aria-current="true"', html)
    assert current == ["top"]


# Threading --------------------------------------------------------------------------------


def test_replies_are_oldest_first_in_depth_first_order(client, article, author, subscriber):
    root = post(article, author)
    a = post(article, subscriber, root)
    b = post(article, author, root)
    a1 = post(article, author, a)  # a reply to an early reply, posted after its later sibling
    c = post(article, subscriber, root)
    a2 = post(article, subscriber, a)
    a1x = post(article, subscriber, a1)
    expected = [a.pk, a1.pk, a1x.pk, a2.pk, b.pk, c.pk]

    page = selectors.comment_page(article=article, sort="top")
    assert [r.pk for r in page.replies[root.pk]] == expected
    assert [r.pk for r in selectors.thread_slice(root=root)] == expected
    assert comment_ids(page_html(client, article)) == [root.pk, *expected]
    assert reload(root).thread_replies == 6


def test_thread_order_holds_across_base36_digit_boundaries(article, author):
    """Paths are fixed-width base-36 ids, so replies either side of a digit boundary (9/a,
    z/10) still sort in posting order; unpadded ids would not."""
    root = post(article, author)
    replies = [post(article, author, root) for _ in range(45)]
    assert any(c.path[-1].isalpha() for c in replies)
    assert [r.pk for r in selectors.thread_slice(root=root, limit=100)] == [r.pk for r in replies]


def test_depth_and_path_are_recorded(article, author):
    chain = [post(article, author)]
    for _ in range(10):
        chain.append(post(article, author, chain[-1]))
    for depth, comment in enumerate(chain):
        row = reload(comment)
        assert row.depth == depth
        assert len(row.path) == 8 * (depth + 1)
        assert row.root_id == (None if depth == 0 else chain[0].pk)
        assert row.parent_id == (None if depth == 0 else chain[depth - 1].pk)
    assert reload(chain[-1]).path.startswith(reload(chain[5]).path)
    assert reload(chain[0]).thread_replies == 10


def test_deep_replies_are_shown_on_the_page_and_permalinked(client, article, author):
    chain = [post(article, author)]
    for _ in range(10):
        chain.append(post(article, author, chain[-1]))
    deepest = chain[-1]
    html = page_html(client, article)
    assert comment_ids(html) == [c.pk for c in chain]
    assert f'id="c-{deepest.pk}" data-comment="{deepest.pk}" data-depth="10"' in html

    url = reverse("permalink", kwargs={"slug": article.slug, "comment_id": deepest.pk})
    linked = client.get(url).content.decode()
    assert comment_ids(linked) == [c.pk for c in chain]
    assert re.search(rf'class="comment indent-4 focused" id="c-{deepest.pk}"', linked)
    assert f'href="{url}#c-{deepest.pk}"' in html


def test_indentation_is_capped_at_four(client, article, author):
    chain = [post(article, author)]
    for _ in range(7):
        chain.append(post(article, author, chain[-1]))
    shown = indents(page_html(client, article))
    assert [shown[c.pk] for c in chain] == [0, 1, 2, 3, 4, 4, 4, 4]


def test_replies_are_labelled_with_the_parent_name(client, article, site):
    ada = factories.make_subscriber(site, "ada", display_name="Ada Lovelace")
    bob = factories.make_subscriber(site, "bob", display_name="Bob <Builder>")
    root = post(article, ada)
    reply = post(article, bob, root)
    post(article, ada, reply)
    html = page_html(client, article)
    labels = re.findall(r'<span class="reply-to">Reply to <b>(.*?)</b></span>', html)
    assert labels == ["Ada Lovelace", "Bob &lt;Builder&gt;"]
    # The top-level comment is a reply to nobody.
    head = html.split(f'id="c-{root.pk}"', 1)[1].split("</header>", 1)[0]
    assert "reply-to" not in head


# Tombstones -------------------------------------------------------------------------------


def test_deleting_a_comment_with_replies_leaves_a_tombstone(client, article, author, subscriber):
    root = post(article, subscriber)
    middle = post(article, author, root, body="Soon to go")
    kept = [post(article, subscriber, middle), post(article, subscriber, middle)]
    assert reload(root).thread_replies == 3
    assert Article.objects.get(pk=article.pk).comment_count == 4

    client.force_login(author)
    response = client.post(
        reverse("delete_comment", kwargs={"comment_id": middle.pk}), HTTP_X_PARLEY_FRAGMENT="1"
    )
    assert response.status_code == 200
    assert response.json() == {"id": middle.pk, "tombstone": True, "count": 3}

    tombstone = reload(middle)
    assert tombstone.status == CommentStatus.DELETED
    assert tombstone.body == "" and tombstone.body_html == ""
    assert reload(root).thread_replies == 3  # the tombstone still takes its place
    assert Article.objects.get(pk=article.pk).comment_count == 3

    html = page_html(client, article)
    assert comment_ids(html) == [root.pk, middle.pk, *[k.pk for k in kept]]
    assert "This comment was deleted." in html
    assert "Soon to go" not in html
    classes = re.search(rf'class="([^"]*)" id="c-{middle.pk}"', html)
    assert classes is not None and "tombstone" in classes.group(1).split()


def test_deleting_the_last_reply_under_a_tombstone_removes_both(article, author, subscriber):
    root = post(article, subscriber)
    middle = post(article, author, root)
    sibling = post(article, subscriber, root)
    first = post(article, subscriber, middle)
    second = post(article, subscriber, middle)
    assert access.check_delete_comment(user=author, comment_id=middle.pk) is not None

    # One reply left under the tombstone: it stays.
    assert access.check_delete_comment(user=subscriber, comment_id=first.pk) is None
    assert reload(middle).status == CommentStatus.DELETED
    assert reload(root).thread_replies == 3  # middle (tombstone), sibling, second
    assert Article.objects.get(pk=article.pk).comment_count == 3

    # The last reply goes, and the empty tombstone goes with it.
    assert access.check_delete_comment(user=subscriber, comment_id=second.pk) is None
    assert not Comment.objects.filter(pk__in=[middle.pk, first.pk, second.pk]).exists()
    assert reload(root).thread_replies == 1
    assert [r.pk for r in selectors.thread_slice(root=root)] == [sibling.pk]
    assert Article.objects.get(pk=article.pk).comment_count == 2


def test_a_chain_of_tombstones_unwinds_up_to_the_thread(client, article, author, subscriber):
    root = post(article, author)
    middle = post(article, author, root)
    leaf = post(article, subscriber, middle)
    other = post(article, subscriber)
    access.check_delete_comment(user=author, comment_id=middle.pk)
    access.check_delete_comment(user=author, comment_id=root.pk)
    assert reload(root).status == CommentStatus.DELETED
    assert reload(root).thread_replies == 2
    assert Article.objects.get(pk=article.pk).comment_count == 2
    html = page_html(client, article)
    assert thread_ids(html) == [root.pk, other.pk]
    assert html.count("This comment was deleted.") == 2

    access.check_delete_comment(user=subscriber, comment_id=leaf.pk)
    assert list(Comment.objects.values_list("pk", flat=True)) == [other.pk]
    assert Article.objects.get(pk=article.pk).comment_count == 1
    assert thread_ids(page_html(client, article)) == [other.pk]


def test_a_visible_parent_stays_when_its_only_reply_is_deleted(article, author, subscriber):
    root = post(article, author)
    reply = post(article, subscriber, root)
    access.check_delete_comment(user=subscriber, comment_id=reply.pk)
    assert reload(root).status == CommentStatus.VISIBLE
    assert reload(root).thread_replies == 0
    assert Article.objects.get(pk=article.pk).comment_count == 1


def test_tombstones_cannot_be_replied_to(article, author, subscriber):
    root = post(article, author)
    post(article, subscriber, root)
    access.check_delete_comment(user=author, comment_id=root.pk)
    with pytest.raises(InvalidInput) as raised:
        access.check_post_comment(user=subscriber, article=article, body="hi", parent_id=root.pk)
    assert raised.value.code == "not_replyable"


def test_replies_under_a_tombstone_do_not_name_its_author(client, article, site, subscriber):
    """The tombstone hides who wrote the deleted comment; its replies' labels must too."""
    ada = factories.make_subscriber(site, "ada", display_name="Ada Lovelace")
    root = post(article, subscriber)
    gone = post(article, ada, root)
    reply = post(article, subscriber, gone)
    access.check_delete_comment(user=ada, comment_id=gone.pk)
    for html in (
        page_html(client, article),
        client.get(
            reverse("permalink", kwargs={"slug": article.slug, "comment_id": reply.pk})
        ).content.decode(),
    ):
        assert f'id="c-{reply.pk}"' in html
        assert "Ada Lovelace" not in html
