"""The JSON formats (Isso's generic export, Commento's) are read in constant memory, and a
damaged document is still refused whole."""

import gzip
import json
import tracemalloc

import pytest

from parley.importers import bodies
from parley.importers.parsers import commento, isso
from parley.importers.records import CommentRecord, ThreadRecord
from parley.importers.report import ImportReport
from parley.importers.sources import Input, UnreadableFile
from parley.importers.tests.test_hostile import nothing_written

LARGE = 50_000


def isso_document(comments: int, threads: int = 500) -> str:
    """Isso's generic export with each thread's keys sorted, as Isso writes them: the
    comments come before the thread's id and title."""
    per = comments // threads
    out = []
    for t in range(threads):
        out.append(
            {
                "comments": [
                    {
                        "author": f"Reader {n % 900}",
                        "created": f"2019-05-0{1 + n % 9} 10:00:00",
                        "email": f"r{n % 900}@mail.example",
                        "id": n,
                        "parent": n - 1 if n % 3 else None,
                        "remote_addr": "127.0.0.1",
                        "text": f"Comment {n} of thread {t}, with a few more words to read.",
                        "website": "",
                    }
                    for n in range(per)
                ],
                "id": f"/posts/{t:04d}/",
                "title": f"Post+{t}",
            }
        )
    return json.dumps(out)


def commento_document(comments: int, people: int = 5000) -> str:
    rows = [
        {
            "commentHex": f"{n:064x}",
            "domain": "blog.example",
            "url": f"/post/{n % 400}",
            "commenterHex": f"{n % people:064x}" if n % 10 else "anonymous",
            "markdown": "",
            "html": f"<p>Comment {n}, with <a href='https://x.example/{n}'>a link</a>.</p>",
            "parentHex": f"{n - 1:064x}" if n % 4 else "root",
            "score": n % 5,
            "state": "approved",
            "creationDate": "2021-03-12T11:21:56Z",
            "direction": 0,
            "deleted": False,
        }
        for n in range(comments)
    ]
    commenters = [
        {
            "commenterHex": f"{p:064x}",
            "email": f"p{p}@mail.example",
            "name": f"Person {p}",
            "link": "undefined",
            "photo": "undefined",
            "provider": "commento",
            "joinDate": "2021-03-12T11:21:56Z",
        }
        for p in range(people)
    ]
    return json.dumps({"version": 1, "comments": rows, "commenters": commenters}, indent=1)


@pytest.fixture
def plain_bodies(monkeypatch):
    """Bodies pass through untouched: these tests measure the reading, not the renderer
    (which keeps nothing from one comment to the next)."""
    monkeypatch.setattr(bodies, "from_text", lambda text: (text, text, ""))
    monkeypatch.setattr(bodies, "from_html", lambda html: (html, html, ""))


@pytest.mark.parametrize(
    ("parse", "make"), [(isso.parse, isso_document), (commento.parse, commento_document)]
)
def test_a_large_document_is_read_in_constant_memory(parse, make, tmp_path, plain_bodies):
    text = make(LARGE)
    path = tmp_path / "export.json"
    path.write_text(text)
    report = ImportReport()
    tracemalloc.start()
    try:
        comments = sum(1 for item in parse(Input(path), report) if isinstance(item, CommentRecord))
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert comments == report.comments_read == LARGE
    assert peak < len(text) / 4, f"peak {peak:,} bytes for a {len(text):,}-character document"


def test_isso_comments_before_their_thread_id_go_to_that_thread(tmp_path):
    path = tmp_path / "isso.json"
    path.write_text(isso_document(6, threads=2))
    items = list(isso.parse(Input(path), ImportReport()))
    threads = [i.key for i in items if isinstance(i, ThreadRecord)]
    comments = [(i.thread, i.key, i.parent) for i in items if isinstance(i, CommentRecord)]
    assert threads == ["/posts/0000/", "/posts/0001/"]
    assert comments[:3] == [
        ("/posts/0000/", "/posts/0000/#0", None),
        ("/posts/0000/", "/posts/0000/#1", "/posts/0000/#0"),
        ("/posts/0000/", "/posts/0000/#2", "/posts/0000/#1"),
    ]
    assert comments[3][0] == "/posts/0001/"


def test_elements_that_are_not_objects_are_reported(tmp_path):
    path = tmp_path / "isso.json"
    thread = {"id": "/a/", "title": "A", "comments": [7, {"id": 1, "text": "hi", "author": "B"}]}
    path.write_text(json.dumps(["stray", thread]))
    report = ImportReport()
    items = list(isso.parse(Input(path), report))
    assert sum(isinstance(i, CommentRecord) for i in items) == 1
    assert report.comments_read == 2 and report.skipped["unreadable record"] == 1
    assert report.warning_counts["list element that is not a thread: ignored"] == 1


def test_a_byte_order_mark_and_bad_bytes_are_tolerated(tmp_path):
    path = tmp_path / "commento.json"
    data = commento_document(3, people=2).encode().replace(b"Person 1", b"Person \xff1")
    path.write_bytes(b"\xef\xbb\xbf" + data)
    items = list(commento.parse(Input(path), ImportReport()))
    names = {i.author_name for i in items if isinstance(i, CommentRecord)}
    assert names == {"Anonymous", "Person 0", "Person \ufffd1"}


def test_commenters_after_the_comments_give_the_names(tmp_path):
    path = tmp_path / "commento.json.gz"
    path.write_bytes(gzip.compress(commento_document(20, people=3).encode()))
    items = list(commento.parse(Input(path), ImportReport()))
    names = {i.author_name for i in items if isinstance(i, CommentRecord)}
    assert names == {"Anonymous", "Person 0", "Person 1", "Person 2"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("source", "make"), [("isso", isso_document), ("commento", commento_document)]
)
@pytest.mark.parametrize("cut", [0.3, 0.999])
def test_a_cut_document_is_refused_and_changes_nothing(source, make, cut, tmp_path, do_import):
    text = make(3000)
    path = tmp_path / "cut.json"
    path.write_text(text[: int(len(text) * cut)])
    with pytest.raises(UnreadableFile, match="truncated"):
        do_import(source, path)
    assert nothing_written()


@pytest.mark.django_db
@pytest.mark.parametrize("source", ["isso", "commento"])
def test_a_damaged_gzip_is_refused_and_changes_nothing(source, tmp_path, do_import):
    make = isso_document if source == "isso" else commento_document
    data = gzip.compress(make(3000).encode())
    path = tmp_path / "cut.json.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(UnreadableFile):
        do_import(source, path)
    assert nothing_written()


@pytest.mark.django_db
def test_a_streamed_document_imports_every_comment(tmp_path, do_import):
    path = tmp_path / "commento.json"
    path.write_text(commento_document(300, people=20))
    report = do_import("commento", path)
    assert report.balanced and report.outcomes["imported"] == 300
    assert report.threads_read == 300
    assert report.users_created == 18  # people 0 and 10 only write as every tenth: anonymous
