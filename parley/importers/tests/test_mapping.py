"""URL mapping, identities, bodies, dates, dry runs, the command."""

import io
from datetime import UTC, datetime

import pytest
from django.core.management import CommandError, call_command

from parley import factories
from parley.accounts.models import User
from parley.articles.models import Article
from parley.discussion.models import Comment
from parley.importers.identities import IdentityMapper
from parley.importers.models import ImportedIdentity, ImportRun
from parley.importers.records import parse_date
from parley.importers.report import ImportReport
from parley.importers.urlmap import UrlMapper, parse_rules, url_key
from parley.text import clean_plain_text

POST = (
    '<post dsq:id="{n}"><message><![CDATA[{body}]]></message>'
    "<createdAt>2015-01-0{day}T00:00:00Z</createdAt><isDeleted>false</isDeleted>"
    "<isSpam>false</isSpam><author><email>{email}</email><name>{name}</name>"
    "<isAnonymous>{anon}</isAnonymous><username>{user}</username></author>"
    '<thread dsq:id="{thread}"/>{parent}</post>\n'
)


def disqus(tmp_path, threads, posts):
    xml = [
        '<?xml version="1.0"?>\n<disqus xmlns="http://disqus.com" '
        'xmlns:dsq="http://disqus.com/disqus-internals">\n'
    ]
    for key, link, title in threads:
        xml.append(
            f'<thread dsq:id="{key}"><id/><link>{link}</link><title>{title}</title>'
            "<createdAt>2014-12-31T00:00:00Z</createdAt></thread>\n"
        )
    for n, post in enumerate(posts, start=1):
        fields = {
            "body": "<p>Hello</p>",
            "email": "",
            "name": "Guest",
            "anon": "true",
            "user": "",
            "thread": threads[0][0],
            "parent": "",
            "day": 1 + n % 9,
            "n": n,
            **post,
        }
        if isinstance(fields["parent"], int):
            fields["parent"] = f'<parent dsq:id="{fields["parent"]}"/>'
        xml.append(POST.format(**fields))
    xml.append("</disqus>\n")
    path = tmp_path / "export.xml"
    path.write_text("".join(xml))
    return path


def test_url_map_rules_and_proxies():
    report = ImportReport()
    mapper = UrlMapper(
        parse_rules(
            "http://localhost:4000=>https://site.example, "
            "https://old.example/blog/*/=>https://site.example/"
        ),
        report,
    )
    assert mapper.map("http://localhost:4000/a/b/") == "https://site.example/a/b/"
    assert mapper.map("https://old.example/blog/2019/post/") == "https://site.example/post/"
    assert mapper.map("https://web.archive.org/web/20150101000000/http://site.example/x/") == (
        "http://site.example/x/"
    )
    assert mapper.map("https://www-site-example.translate.goog/x/") == "https://www.site.example/x/"
    assert report.notes
    assert url_key("https://www.Site.example/a/index.html") == url_key("http://site.example/a")
    # Encoded twice, and all CJK: an ASCII slug from a hash, and a repair reported.
    assert mapper.slug("http://x/%25e6%25b8%25ac%25e8%25a9%25a6/").startswith("page-")
    assert report.warning_counts["URL percent-encoded more than once: decoded"] == 1


def test_slugs_are_ascii_and_keep_pages_apart():
    mapper = UrlMapper([], ImportReport())
    a = mapper.slug("http://x/ios-%e5%88%a9%e7%94%a8json/")
    b = mapper.slug("http://x/ios-%e6%b8%ac%e8%a9%a6json/")
    assert a != b and a.startswith("ios-json-") and a.isascii()
    assert mapper.slug("http://x/blog/2013/02/12/redacted/index.html") == "blog-2013-02-12-redacted"
    assert mapper.slug("http://x/?p=4") == "p-4"
    assert mapper.slug("http://x/", title="Hello, World!") == "hello-world"


def test_dates():
    assert parse_date("2011-08-31T15:16:29Z").value == datetime(2011, 8, 31, 15, 16, 29, tzinfo=UTC)
    assert parse_date("2017-12-20T15:18:22-06:00").value == datetime(
        2017, 12, 20, 21, 18, 22, tzinfo=UTC
    )
    assert parse_date("2014-01-14 17:31:03").value == datetime(2014, 1, 14, 17, 31, 3, tzinfo=UTC)
    assert parse_date("1778318940").value == datetime.fromtimestamp(1778318940, tz=UTC)
    assert parse_date("2011-x09-30T22:48:43Z").problem.startswith("unreadable")
    assert parse_date("0000-00-00 00:00:00").value is None
    assert parse_date("2999-01-01").problem.startswith("impossible")
    assert parse_date("").problem == "missing date"


@pytest.mark.django_db
def test_url_map_merges_threads_onto_existing_articles(tmp_path, do_import):
    site = factories.make_site(key="mag", domain="site.example")
    existing = factories.make_article(
        site, slug="night-trains", canonical_url="https://site.example/night-trains/"
    )
    path = disqus(
        tmp_path,
        [
            ("1", "http://localhost:4000/night-trains/", "Night trains"),
            ("2", "https://site.example/night-trains", "Night trains"),
            ("3", "http://old.example/new-page/", "A new page"),
        ],
        [{"thread": "1"}, {"thread": "2"}, {"thread": "3"}],
    )
    report = do_import("disqus", path, url_map="http://localhost:4000=>https://site.example")
    assert report.articles_matched == 1 and report.threads_merged == 1
    assert report.articles_created == 1
    existing.refresh_from_db()
    assert existing.comment_count == 2
    new = Article.objects.get(slug="new-page")
    assert new.title == "A new page" and new.canonical_url == "http://old.example/new-page/"
    assert new.published_at == datetime(2014, 12, 31, tzinfo=UTC)


@pytest.mark.django_db
def test_imported_authors_cannot_sign_in_and_are_not_matched_by_email(tmp_path, do_import):
    factories.make_site()
    real = factories.make_user("ana", email="ana@mail.example")
    path = disqus(
        tmp_path,
        [("1", "https://s.example/p/", "P")],
        [
            {"name": "Ana", "email": "ana@mail.example", "anon": "false", "user": "ana-disqus"},
            {"name": "Ana", "email": "ana@mail.example", "anon": "false", "user": "ana-disqus"},
            {"name": "Guest", "email": "g@mail.example"},
            {"name": "Guest", "email": "g@mail.example"},
            {"name": "", "email": ""},
        ],
    )
    report = do_import("disqus", path)
    assert report.users_created == 2
    imported = User.objects.exclude(pk=real.pk)
    assert imported.count() == 2
    assert not any(u.has_usable_password() for u in imported)
    assert not imported.filter(email="ana@mail.example").exists()
    assert ImportedIdentity.objects.get(source_id="user:ana-disqus").email == "ana@mail.example"
    assert Comment.objects.filter(author=real).count() == 0
    assert Comment.objects.filter(author=None).get().shown_name == "Former reader"


@pytest.mark.django_db
def test_imported_html_is_never_trusted(tmp_path, do_import):
    factories.make_site()
    body = (
        '<p onclick="x()">Hi <script>alert(1)</script><a href="javascript:alert(1)">bad</a> '
        '<a href="//evil.example/">rel</a> <a href="https://ok.example/">ok</a>'
        "<img src=x onerror=alert(1)></p>"
    )
    path = disqus(tmp_path, [("1", "https://s.example/p/", "P")], [{"body": body}])
    do_import("disqus", path)
    html = Comment.objects.get().body_html
    for bad in ("script", "javascript", "onclick", "onerror", "img", "evil.example"):
        assert bad not in html
    assert 'href="https://ok.example/"' in html and "nofollow ugc noopener" in html


@pytest.mark.django_db
def test_replies_wait_for_parents_and_orphans_become_top_level(tmp_path, do_import):
    factories.make_site()
    path = disqus(
        tmp_path,
        [("1", "https://s.example/p/", "P")],
        [
            {"parent": 2, "body": "child before its parent"},
            {"body": "parent"},
            {"parent": 99, "body": "orphan"},
        ],
    )
    report = do_import("disqus", path)
    child = Comment.objects.get(body="child before its parent")
    assert child.parent == Comment.objects.get(body="parent") and child.depth == 1
    assert Comment.objects.get(body="orphan").parent is None
    assert report.warning_counts["parent not in the file: kept as a top-level comment"] == 1


@pytest.mark.django_db
def test_dry_run_writes_nothing_and_reports_the_same(tmp_path, do_import):
    factories.make_site()
    path = disqus(tmp_path, [("1", "https://s.example/p/", "P")], [{}, {"parent": 1}])
    dry = do_import("disqus", path, dry_run=True)
    assert not Comment.objects.exists() and not ImportRun.objects.exists()
    real = do_import("disqus", path)
    assert dry.as_dict() | {"dry_run": None, "seconds": None} == (
        real.as_dict() | {"dry_run": None, "seconds": None}
    )
    assert "dry run" in dry.render()


@pytest.mark.django_db
def test_the_command_prints_the_report(tmp_path, fixture_path):
    factories.make_site(key="blog")
    out = io.StringIO()
    call_command(
        "import",
        "disqus",
        str(fixture_path("disqus/isso-tests-disqus.xml")),
        "--site",
        "blog",
        stdout=out,
    )
    text = out.getvalue()
    assert "6 read" in text and "every record accounted for" in text and "✓" in text
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import", "disqus", str(tmp_path / "missing.xml"), stdout=out)
    with pytest.raises(CommandError, match="no site with key"):
        call_command(
            "import",
            "disqus",
            str(fixture_path("disqus/isso-tests-disqus.xml")),
            "--site",
            "nope",
            stdout=out,
        )


@pytest.mark.django_db
def test_several_sites_need_a_choice(fixture_path):
    factories.make_site()
    factories.make_site()
    with pytest.raises(CommandError, match="--site"):
        call_command("import", "isso", str(fixture_path("isso/isso-tests-generic.json")))


@pytest.mark.django_db
def test_parents_forgotten_by_the_cache_are_fetched_again(tmp_path, do_import, monkeypatch):
    from parley.importers import writer

    monkeypatch.setattr(writer, "CACHE_MAX", 6)
    monkeypatch.setattr(writer, "BATCH", 4)
    factories.make_site()
    posts: list[dict] = [{"body": f"top {n}"} for n in range(1, 11)]
    posts += [{"parent": n, "body": f"reply to {n}"} for n in range(1, 11)]
    path = disqus(tmp_path, [("1", "https://s.example/p/", "P")], posts)
    report = do_import("disqus", path)
    assert report.warnings == 0
    for n in range(1, 11):
        reply = Comment.objects.get(body=f"reply to {n}")
        assert reply.parent == Comment.objects.get(body=f"top {n}")


@pytest.mark.parametrize(
    "name",
    [
        "Reader 12",
        "  padded  name ",
        "two  spaces",
        "tab\there",
        "x" * 80,
        "Zoë",
        "e\u0301",  # NFC joins the accent
        "bidi\u202eevil",
        "ctrl\x07bell",
        "",
        "new\nline",
    ],
)
@pytest.mark.django_db
def test_names_are_cleaned_as_parley_cleans_them(name):
    identities = IdentityMapper("disqus", ImportReport())
    assert identities.display(name) == clean_plain_text(name, max_length=60)
