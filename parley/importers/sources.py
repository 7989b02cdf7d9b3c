"""Opening an export file: plain or gzip, with progress, never anything but the file.

A file that cannot be read at all raises `UnreadableFile` (or `ForbiddenXML`); the import
runs in one transaction, so that leaves the database as it was."""

import codecs
import gzip
import io
import json
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import ijson

GZIP_MAGIC = b"\x1f\x8b"
CHUNK = 1 << 16


class UnreadableFile(Exception):
    """The file as a whole cannot be imported; nothing is written."""


class ForbiddenXML(UnreadableFile):
    """The XML declares a DTD or entities: refused before anything is parsed."""


class _Counting(io.RawIOBase):
    """Reports bytes read from the file on disk (compressed bytes for gzip) to a
    progress callback."""

    def __init__(self, raw: IO[bytes], on_read: Callable[[int], None]) -> None:
        self.raw = raw
        self.on_read = on_read

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self.raw.readinto(buffer)  # type: ignore[attr-defined]
        if n:
            self.on_read(n)
        return n or 0

    def close(self) -> None:
        self.raw.close()
        super().close()


class Input:
    """An export file. `open_binary` may be called again to read it from the start (the
    XML reader does so when it has to switch to the recovering parser)."""

    def __init__(self, path: str | Path, on_read: Callable[[int], None] | None = None) -> None:
        self.path = Path(path)
        self.on_read = on_read or (lambda n: None)
        if not self.path.is_file():
            raise UnreadableFile(f"{self.path}: no such file")
        self.size = self.path.stat().st_size
        with self.path.open("rb") as fh:
            self.gzipped = fh.read(2) == GZIP_MAGIC

    @property
    def name(self) -> str:
        return self.path.name

    def open_binary(self) -> IO[bytes]:
        raw = io.BufferedReader(_Counting(self.path.open("rb"), self.on_read), CHUNK)
        if self.gzipped:
            return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
        return raw


def read_chunk(stream: IO[bytes], size: int = CHUNK) -> bytes:
    """`stream.read` that turns a damaged gzip member into UnreadableFile."""
    try:
        return stream.read(size)
    except (EOFError, zlib.error, gzip.BadGzipFile) as error:
        raise UnreadableFile(f"the compressed file is damaged or truncated ({error})") from None


def json_lines(inp: Input) -> Iterator[tuple[int, Any | None, str]]:
    """(line number, parsed value or None, error) for each non-blank line of a JSON Lines
    file. A last line that is cut off (no newline, not valid JSON) means the file was
    truncated: that raises instead of being skipped like a bad line in the middle."""
    with inp.open_binary() as stream:
        text = io.TextIOWrapper(
            io.BufferedReader(_SafeReader(stream)), encoding="utf-8", errors="replace"
        )
        number = 0
        for line in text:
            number += 1
            stripped = line.strip()
            if not stripped:
                continue
            try:
                yield number, json.loads(stripped), ""
            except json.JSONDecodeError as error:
                if not line.endswith("\n"):
                    raise UnreadableFile(
                        f"line {number} is cut off ({error.msg}): the file looks truncated"
                    ) from None
                yield number, None, error.msg


def json_events(inp: Input) -> Iterator[tuple[str, str, Any]]:
    """ijson's `(prefix, event, value)` events of a whole JSON document, streamed: memory
    stays flat whatever its size. A document that is cut off or not JSON raises
    UnreadableFile when the reading reaches the damage."""
    with inp.open_binary() as stream, _json_errors():
        yield from ijson.parse(_clean_utf8(stream), use_float=True)


def json_items(inp: Input, prefix: str) -> Iterator[Any]:
    """The values at `prefix` of a JSON document (`"item"`: each element of a top-level
    list; `"comments.item"`: each element of the list under "comments"), one at a time."""
    with inp.open_binary() as stream, _json_errors():
        yield from ijson.items(_clean_utf8(stream), prefix, use_float=True)


@contextmanager
def _json_errors() -> Iterator[None]:
    try:
        yield
    except ijson.JSONError as error:
        message = str(error).strip().splitlines()[0] if str(error).strip() else "unreadable"
        hint = ": the file looks truncated" if "premature EOF" in message else ""
        raise UnreadableFile(f"not valid JSON ({message}){hint}") from None


def _clean_utf8(stream: IO[bytes]) -> IO[bytes]:
    """The stream as UTF-8 that ijson accepts: a byte-order mark dropped and undecodable
    bytes replaced (U+FFFD), as a lenient reading of a whole document would do."""
    return io.BufferedReader(_Utf8Reader(stream), CHUNK)


class _Utf8Reader(io.RawIOBase):
    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
        self.pending = b""
        self.done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self.pending and not self.done:
            data = read_chunk(self.stream)
            self.done = not data
            self.pending = self.decoder.decode(data, final=self.done).encode()
        n = min(len(buffer), len(self.pending))
        buffer[:n] = self.pending[:n]
        self.pending = self.pending[n:]
        return n


class _SafeReader(io.RawIOBase):
    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = read_chunk(self.stream, len(buffer))
        buffer[: len(data)] = data
        return len(data)
