"""Streaming, hardened, lenient XML reading for the Disqus and WordPress importers.

Safety: a DTD can only stand in the prolog, before the root element, so the prolog goes
through defusedxml with `forbid_dtd=True` (and entities and external references
forbidden) before any other parsing; a file with a DOCTYPE is refused whole. The records
are then parsed by lxml's `iterparse` with entity resolution, DTD loading and network
access all off, and the DOCTYPE check repeated on the tree lxml built. Nothing in the
file is ever fetched.

Speed and memory: lxml's iterparse yields each record element (a Disqus `post`, a
WordPress `item`) once complete, and the element is cleared right after, so memory stays
flat whatever the file size (~8 µs per Disqus post in the strict pass, which asks lxml
for the record elements only; a third of what the stdlib parser takes).

Leniency, each repair reported: junk or whitespace before `<?xml` is dropped; a document
that is not well-formed is read again from the start by lxml's recovering parser (with
unquoted attribute values quoted first), skipping the records the strict pass already
yielded; namespaces are matched by local name, so the `https://` WordPress namespace
and undeclared `wp:` prefixes read like the usual ones. A file that ends before its
root element is closed is refused as truncated (checked on the raw tail, since the
recovering parser would silently close it).
"""

import re
from collections.abc import Callable, Iterator
from typing import IO

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser, ParseError
from lxml import etree
from lxml.etree import _Element as Element

from parley.importers.report import ImportReport
from parley.importers.sources import ForbiddenXML, Input, UnreadableFile, read_chunk

_PROLOG_LIMIT = 1 << 20
_JUNK_WINDOW = 1 << 16
_ROOT_START = re.compile(rb"<[A-Za-z_]")
_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_UNQUOTED = re.compile(rb"""(\s[\w:.-]+\s*=\s*)((?:[^\s"'<>/=]|/(?!>))+)""")
_LAST_TAG = re.compile(rb"</\s*([\w:.-]+)\s*>\s*$")


class _RootSeen(Exception):
    pass


class _PrologTarget:
    def start(self, tag: str, attrib: dict[str, str]) -> None:
        raise _RootSeen(tag)

    def end(self, tag: str) -> None:
        pass

    def data(self, data: str) -> None:
        pass

    def close(self) -> None:
        pass


class _Feed:
    """A file-like object over the repaired byte stream, remembering its tail."""

    def __init__(self, head: bytes, stream: IO[bytes], repair: bool) -> None:
        self.pending = b""
        self.stream = stream
        self.repair = repair
        self.carry = b""
        self.tail = b""
        self.done = False
        self._take(head)

    def read(self, size: int = -1) -> bytes:
        while not self.done and len(self.pending) < max(size, 1):
            chunk = read_chunk(self.stream)
            if not chunk:
                self.done = True
            self._take(chunk)
        if size < 0:
            size = len(self.pending)
        out, self.pending = self.pending[:size], self.pending[size:]
        return out

    def _take(self, chunk: bytes) -> None:
        if self.repair:
            chunk, self.carry = _quote_attributes(self.carry + chunk, final=self.done)
        self.pending += chunk
        if chunk:
            self.tail = (self.tail + chunk)[-512:]


def _quote_attributes(data: bytes, *, final: bool) -> tuple[bytes, bytes]:
    """Quotes unquoted attribute values in start tags, leaving CDATA sections, comments
    and processing instructions alone. Returns (repaired, unfinished tail to carry)."""
    out: list[bytes] = []
    pos = 0
    n = len(data)
    while pos < n:
        lt = data.find(b"<", pos)
        if lt < 0:
            out.append(data[pos:])
            return b"".join(out), b""
        out.append(data[pos:lt])
        if n - lt < 9 and not final:
            return b"".join(out), data[lt:]
        for opener, closer in ((b"<![CDATA[", b"]]>"), (b"<!--", b"-->"), (b"<?", b"?>")):
            if data.startswith(opener, lt):
                end = data.find(closer, lt + len(opener))
                if end < 0:
                    if final:
                        out.append(data[lt:])
                        return b"".join(out), b""
                    return b"".join(out), data[lt:]
                out.append(data[lt : end + len(closer)])
                pos = end + len(closer)
                break
        else:
            end = data.find(b">", lt + 1)
            if end < 0:
                if final:
                    out.append(data[lt:])
                    return b"".join(out), b""
                return b"".join(out), data[lt:]
            tag = data[lt : end + 1]
            if b"=" in tag and not tag.startswith((b"</", b"<!")):
                tag = _UNQUOTED.sub(rb'\1"\2"', tag)
            out.append(tag)
            pos = end + 1
    return b"".join(out), b""


class _Names(dict[str, str]):
    def __init__(self, compute: Callable[[str], str]) -> None:
        super().__init__()
        self.compute = compute

    def __missing__(self, tag: str) -> str:
        name = self[tag] = self.compute(tag)
        return name


class XMLRecords:
    """Yields `(local name, element)` for each element named in `records` whose parent
    is named in `containers` (matched by local name), in document order."""

    def __init__(
        self,
        inp: Input,
        report: ImportReport,
        *,
        records: set[str],
        containers: set[str],
        roots: set[str],
    ) -> None:
        self.inp = inp
        self.report = report
        self.records = records
        self.containers = containers
        self.roots = roots
        self._names = _Names(self._local_name)
        self._warned: set[str] = set()

    def _warn_once(self, kind: str) -> None:
        if kind not in self._warned:
            self._warned.add(kind)
            self.report.warn(kind)

    def local(self, tag: object) -> str:
        """The local name of a tag, `{ns}name` or `prefix:name` alike (cached)."""
        return self._names[tag] if isinstance(tag, str) else ""

    def _local_name(self, tag: str) -> str:
        if tag.startswith("{"):
            namespace, _, name = tag[1:].partition("}")
            if namespace.startswith("https://wordpress.org/export"):
                self._warn_once("WordPress namespace spelled https://: read as the usual one")
            return name
        if ":" in tag:
            prefix, _, name = tag.partition(":")
            self._warn_once(f"undeclared namespace prefix {prefix}: matched by local name")
            return name
        return tag

    def __iter__(self) -> Iterator[tuple[str, Element]]:
        yielded = 0
        try:
            for item in self._parse(recover=False, skip=0):
                yielded += 1
                yield item
            return
        except etree.XMLSyntaxError as error:
            line = error.position[0] if error.position else "?"
            self.report.warn(
                "file is not well-formed XML: the rest was read by the recovering parser",
                f"line {line}: {error.msg}",
            )
        yield from self._parse(recover=True, skip=yielded)

    # --- one pass ----------------------------------------------------------------------

    def _parse(self, *, recover: bool, skip: int) -> Iterator[tuple[str, Element]]:
        with self.inp.open_binary() as stream:
            head = self._prolog(stream, quiet=recover)
            feed = _Feed(head, stream, repair=recover)
            # The strict pass asks lxml for the record elements only (any namespace),
            # so the other elements never cost a Python round trip; the recovering pass
            # sees them all, since a tag there may still carry an undeclared prefix.
            tags = None if recover else [f"{{*}}{name}" for name in sorted(self.records)]
            events = etree.iterparse(
                feed,
                events=("end",),
                tag=tags,
                recover=recover,
                resolve_entities=False,
                load_dtd=False,
                no_network=True,
                huge_tree=False,
                remove_comments=True,
                remove_pis=True,
            )
            seen = 0
            names = self._names
            checked = False
            root_name = ""
            for _event, el in events:
                if not checked:
                    docinfo = el.getroottree().docinfo
                    if docinfo.doctype or docinfo.internalDTD is not None:
                        raise ForbiddenXML("the file declares a DTD; refused")
                    checked = True
                parent = el.getparent()
                if parent is None:
                    root_name = names[el.tag]
                    continue
                if names[parent.tag] not in self.containers:
                    continue
                name = names[el.tag]
                if name in self.records:
                    seen += 1
                    if seen > skip:
                        yield name, el
                el.clear()
                while el.getprevious() is not None:
                    del parent[0]
            root = events.root
            if root is not None:
                if not checked:
                    docinfo = root.getroottree().docinfo
                    if docinfo.doctype or docinfo.internalDTD is not None:
                        raise ForbiddenXML("the file declares a DTD; refused")
                root_name = root_name or names[root.tag]
            self._check_tail(feed.tail, root_name)

    def _prolog(self, stream: IO[bytes], *, quiet: bool) -> bytes:
        """Reads up to the root element, drops junk before it, refuses any DTD."""
        head = read_chunk(stream)
        if not head:
            raise UnreadableFile("the file is empty")
        head = head.removeprefix(b"\xef\xbb\xbf")
        stripped = head.lstrip()
        if stripped.startswith(b"<?xml") or _ROOT_START.match(stripped):
            if len(stripped) != len(head) and not quiet:
                self.report.warn("whitespace before the XML declaration removed")
            head = stripped
        else:
            at = head.find(b"<?xml", 0, _JUNK_WINDOW)
            if at < 0:
                found = _ROOT_START.search(head, 0, _JUNK_WINDOW)
                at = found.start() if found else -1
            if at < 0:
                raise UnreadableFile("no XML found at the start of the file")
            if not quiet:
                self.report.warn(f"junk before <?xml removed ({at} bytes)", repr(head[:20]))
            head = head[at:]
        parser = DefusedXMLParser(
            target=_PrologTarget(), forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
        fed = 0
        while True:
            try:
                parser.feed(head[fed:])
            except _RootSeen:
                return head
            except DefusedXmlException as error:
                raise ForbiddenXML(
                    f"the file declares a DTD or entities ({error}); refused"
                ) from None
            except ParseError:
                # Not well-formed before the root: the recovering pass will cope, but a DTD
                # must still be refused.
                root = _ROOT_START.search(head)
                if _DOCTYPE.search(head, 0, root.start() if root else len(head)):
                    raise ForbiddenXML("the file declares a DTD; refused") from None
                return head
            fed = len(head)
            more = read_chunk(stream)
            if not more or len(head) > _PROLOG_LIMIT:
                raise UnreadableFile("no root element found: empty or truncated file")
            head += more

    def _check_tail(self, tail: bytes, root_name: str) -> None:
        match = _LAST_TAG.search(tail)
        closing = match.group(1).decode(errors="replace").rpartition(":")[2] if match else ""
        if not closing or closing not in self.roots | {root_name}:
            raise UnreadableFile(
                "the file ends before its root element is closed: it looks truncated"
            )


def text(el: Element | None) -> str:
    """An element's text with surrounding whitespace removed (CDATA included)."""
    if el is None or el.text is None:
        return ""
    return el.text.strip()


def children(xml: XMLRecords, el: Element) -> dict[str, Element]:
    """The element's children by local name (the first of each name)."""
    out: dict[str, Element] = {}
    names = xml._names
    for child in el:
        name = names[child.tag]
        if name not in out:
            out[name] = child
    return out


def attr(xml: XMLRecords, el: Element | None, name: str) -> str:
    """An attribute by local name (`dsq:id`, `{…}id` and, after recovery, `id`)."""
    if el is None:
        return ""
    for key, value in el.attrib.items():
        if xml.local(key) == name:
            return str(value).strip()
    return ""
