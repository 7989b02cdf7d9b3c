"""Files that must be refused whole: a clear error, and nothing written."""

import gzip

import pytest

from parley.accounts.models import User
from parley.articles.models import Article, Site
from parley.discussion.models import Comment
from parley.importers.models import ImportedComment, ImportRun
from parley.importers.sources import ForbiddenXML, UnreadableFile

POST = (
    '<post dsq:id="{n}"><message><![CDATA[<p>Comment {n}</p>]]></message>'
    "<createdAt>2015-01-01T00:00:00Z</createdAt><isDeleted>false</isDeleted>"
    "<isSpam>false</isSpam><author><name>A</name><isAnonymous>true</isAnonymous></author>"
    '<thread dsq:id="1"/></post>\n'
)
HEAD = (
    '<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">\n'
    '<thread dsq:id="1"><link>https://site.example/a/</link><title>A</title></thread>\n'
)


def disqus(posts: int = 3, prolog: str = '<?xml version="1.0"?>\n', tail: str = "</disqus>\n"):
    return prolog + HEAD + "".join(POST.format(n=n) for n in range(posts)) + tail


def nothing_written():
    return (
        Comment.objects.count(),
        Article.objects.count(),
        ImportedComment.objects.count(),
        ImportRun.objects.count(),
        User.objects.count(),
        Site.objects.count(),
    ) == (0,) * 6


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
"""
EXTERNAL = '<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
EXTERNAL_DTD = '<?xml version="1.0"?>\n<!DOCTYPE disqus SYSTEM "http://127.0.0.1:9/x.dtd">\n'


@pytest.mark.parametrize(
    "prolog",
    [BILLION_LAUGHS, EXTERNAL, EXTERNAL_DTD, "junk\n" + EXTERNAL],
    ids=["billion-laughs", "external-entity", "external-dtd", "dtd-after-junk"],
)
def test_a_dtd_is_refused_before_anything_is_parsed(prolog, tmp_path, do_import):
    path = tmp_path / "hostile.xml"
    path.write_text(disqus(prolog=prolog).replace("<p>Comment 1</p>", "&lol4;&xxe;"))
    with pytest.raises(ForbiddenXML, match="DTD"):
        do_import("disqus", path)
    assert nothing_written()


def test_an_entity_without_a_dtd_is_never_expanded(tmp_path, do_import):
    path = tmp_path / "entity.xml"
    path.write_text(disqus().replace("<![CDATA[<p>Comment 1</p>]]>", "&xxe;"))
    report = do_import("disqus", path)
    assert report.balanced
    assert not Comment.objects.filter(body__contains="root:").exists()


@pytest.mark.parametrize("cut", [0.5, 0.9, 0.999])
def test_a_truncated_file_changes_nothing(cut, tmp_path, do_import):
    whole = disqus(posts=200)
    path = tmp_path / "cut.xml"
    path.write_text(whole[: int(len(whole) * cut)])
    with pytest.raises(UnreadableFile, match="truncated"):
        do_import("disqus", path)
    assert nothing_written()


def test_a_file_cut_right_after_a_record_is_truncated_too(tmp_path, do_import):
    path = tmp_path / "cut.xml"
    path.write_text(disqus(posts=5, tail=""))
    with pytest.raises(UnreadableFile, match="truncated"):
        do_import("disqus", path)
    assert nothing_written()


def test_a_truncated_gzip_changes_nothing(tmp_path, do_import):
    data = gzip.compress(disqus(posts=2000).encode())
    path = tmp_path / "cut.xml.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(UnreadableFile):
        do_import("disqus", path)
    assert nothing_written()


def test_gzip_is_read(tmp_path, do_import):
    path = tmp_path / "whole.xml.gz"
    path.write_bytes(gzip.compress(disqus(posts=10).encode()))
    report = do_import("disqus", path)
    assert report.outcomes["imported"] == 10


@pytest.mark.parametrize(
    ("source", "content"),
    [
        ("disqus", "this is not XML at all"),
        ("disqus", ""),
        ("parley", '{"type": "parley", "format": "parley-export", "version": 1}\n'),
        ("parley", '{"type": "parley", "format": "parley-export", "version": 1}\n{"type": "si'),
        ("remark42", '{"version":1,"users":[],"posts":[]}\n{"id": "a", "text": "cut'),
        ("commento", '{"version": 1, "comments": ['),
        ("isso", "[{"),
    ],
)
def test_unreadable_files_change_nothing(source, content, tmp_path, do_import):
    path = tmp_path / "bad"
    path.write_text(content)
    with pytest.raises(UnreadableFile):
        do_import(source, path)
    assert nothing_written()


def test_a_missing_file_is_a_clear_error(tmp_path, do_import):
    with pytest.raises(UnreadableFile, match="no such file"):
        do_import("disqus", tmp_path / "nope.xml")


def test_a_bad_line_in_the_middle_is_skipped_and_reported(tmp_path, do_import):
    path = tmp_path / "r.jsonl"
    good = '{"id": "%s", "pid": "", "text": "hi", "user": {"id": "u", "name": "U"}, "locator": {"url": "https://s.example/p"}, "time": "2020-01-01T00:00:00Z"}\n'  # noqa: E501
    path.write_text(good % "a" + "{broken\n" + good % "b")
    report = do_import("remark42", path)
    assert report.comments_read == 3 and report.outcomes["imported"] == 2
    assert report.skipped["unreadable record"] == 1 and report.balanced
