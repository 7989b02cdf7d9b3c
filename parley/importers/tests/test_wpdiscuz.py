"""wpDiscuz's data in a WordPress export: votes, closing, sticky, private, feedback."""

from typing import Any

import pytest

from parley import factories
from parley.articles.body import plain_text
from parley.articles.models import Article
from parley.discussion.models import Comment
from parley.importers.models import ImportedComment
from parley.importers.parsers import wpdiscuz
from parley.inline.models import Anchor, PassageQuestion

WXR = """<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Blog</title><link>https://blog.example</link>
<wp:base_site_url>https://blog.example</wp:base_site_url>
<item><title>Inline feedback</title><link>https://blog.example/feedback/</link>
<content:encoded><![CDATA[<p>Intro.</p>
[wpdiscuz-feedback id="k3j2h1" question="Agree?" opened="0"]Trains beat planes.[/wpdiscuz-feedback]
<p>More.</p>
[wpdiscuz-feedback id="p9q8r7" question="Really?" opened="1"]Night is best.[/wpdiscuz-feedback]
]]></content:encoded>
<wp:post_id>7</wp:post_id><wp:post_name>feedback</wp:post_name>
<wp:comment_status>closed</wp:comment_status><wp:status>publish</wp:status>
%s
</item></channel></rss>
"""


def comment(cid, *, parent=0, kind="", meta=(), approved="1", user=0):
    metas = "".join(
        f"<wp:commentmeta><wp:meta_key>{k}</wp:meta_key>"
        f"<wp:meta_value><![CDATA[{v}]]></wp:meta_value></wp:commentmeta>"
        for k, v in meta
    )
    return (
        f"<wp:comment><wp:comment_id>{cid}</wp:comment_id>"
        f"<wp:comment_author>Reader {cid}</wp:comment_author>"
        f"<wp:comment_author_email>r{cid}@mail.example</wp:comment_author_email>"
        f"<wp:comment_date_gmt>2021-05-0{cid} 10:00:00</wp:comment_date_gmt>"
        f"<wp:comment_content>Comment {cid}</wp:comment_content>"
        f"<wp:comment_approved>{approved}</wp:comment_approved>"
        f"<wp:comment_type>{kind}</wp:comment_type><wp:comment_parent>{parent}</wp:comment_parent>"
        f"<wp:comment_user_id>{user}</wp:comment_user_id>{metas}</wp:comment>"
    )


@pytest.fixture
def wxr(tmp_path):
    comments = [
        comment(
            1,
            meta=[
                ("wpdiscuz_votes", "3"),
                ("wpdiscuz_votes_seperate", 'a:2:{s:4:"like";i:5;s:7:"dislike";i:2;}'),
            ],
        ),
        comment(2, parent=1, meta=[("wpdiscuz_votes", "-2"), ("wpdiscuz_closed", "1")]),
        comment(3, kind="wpdiscuz_sticky", user=4),
        comment(4, kind="private"),
        comment(5, meta=[("wpdiscuz_feedback_form_id", "12")]),
        comment(6, meta=[("wpdiscuz_feedback_form_id", "13")]),
    ]
    path = tmp_path / "wpdiscuz.xml"
    path.write_text(WXR % "\n".join(comments))
    return path


def test_wpdiscuz_data_is_kept(wxr, do_import):
    report = do_import("wordpress", wxr)

    assert report.balanced
    assert report.skipped == {"wpDiscuz private comment (not public)": 1}
    assert Article.objects.get(slug="feedback").discussion_closed
    first = Comment.objects.get(body="Comment 1")
    assert (first.upvotes, first.downvotes, first.score) == (5, 2, 3)
    second = Comment.objects.get(body="Comment 2")
    assert (second.upvotes, second.downvotes, second.score) == (0, 2, -2)
    assert second.parent == first

    extra: dict[str, Any] = dict(
        ImportedComment.objects.filter(extra__isnull=False).values_list("comment__body", "extra")
    )
    assert extra["Comment 2"] == {"closed": True}
    assert extra["Comment 3"] == {"sticky": True}
    # Two forms, two passages: paired in order, and said to be inferred.
    assert extra["Comment 5"]["passage"] == "Trains beat planes."
    assert extra["Comment 5"]["shortcode_id"] == "k3j2h1"
    assert extra["Comment 6"]["passage"] == "Night is best."
    assert extra["Comment 6"]["inferred"] is True
    assert any("inferred" in note for note in report.notes)
    assert any("sticky" in note for note in report.notes)
    assert "discussions closed" in report.render()


def test_php_unserialize():
    assert wpdiscuz.php_unserialize('a:2:{s:4:"like";i:5;s:7:"dislike";i:2;}') == {
        "like": 5,
        "dislike": 2,
    }
    assert wpdiscuz.php_unserialize('a:1:{s:3:"key";s:13:"¯\\_(ツ)_/¯";}') == {"key": "¯\\_(ツ)_/¯"}
    assert wpdiscuz.php_unserialize("b:1;") is True
    assert wpdiscuz.php_unserialize("N;") is None
    with pytest.raises(wpdiscuz.PHPFormatError):
        wpdiscuz.php_unserialize('O:8:"stdClass":0:{}')


def test_one_passage_pairs_without_inference():
    passages = wpdiscuz.feedback_passages(
        '[wpdiscuz-feedback id="a1" question="Q"]Text[/wpdiscuz-feedback]'
    )
    assert wpdiscuz.pair_feedback(["9"], passages)["9"]["inferred"] is False


def test_inline_feedback_comments_become_anchored_answers(wxr, do_import):
    site = factories.make_site(key="blog", name="Blog")
    body = "Intro.\n\nTrains beat planes.\n\nMore.\n\nNight is best."
    factories.make_article(site, slug="feedback", title="Inline feedback", body=body)

    report = do_import("wordpress", wxr)

    assert report.balanced and report.anchors_imported == 2
    assert report.questions_imported == 2
    text = plain_text(body)
    for comment, passage, question in (
        ("Comment 5", "Trains beat planes.", "Agree?"),
        ("Comment 6", "Night is best.", "Really?"),
    ):
        anchor = Anchor.objects.select_related("question").get(comment__body=comment)
        assert anchor.state == "attached" and anchor.exact == passage
        assert text[anchor.start : anchor.end] == passage
        assert anchor.question is not None and anchor.question.question == question
        assert anchor.question.exact == passage
    # A second import adds no question and no anchor.
    again = do_import("wordpress", wxr)
    assert (again.questions_imported, again.anchors_imported) == (0, 0)
    assert PassageQuestion.objects.count() == 2 and Anchor.objects.count() == 2


def test_inline_feedback_on_an_article_without_its_text_waits_orphaned(wxr, do_import):
    report = do_import("wordpress", wxr)

    assert report.anchors_imported == 2
    assert report.warning_counts["passage not in the article's text: kept orphaned"] == 4
    anchor = Anchor.objects.get(comment__body="Comment 5")
    assert anchor.state == "orphaned" and anchor.original_exact == "Trains beat planes."
    # When the article's text comes, the passage is found in it.
    article = Article.objects.get(slug="feedback")
    article.body = "Intro.\n\nTrains beat planes. And night trains beat both.\n\nMore."
    article.save()
    anchor.refresh_from_db()
    assert anchor.state == "attached" and anchor.exact == "Trains beat planes."
