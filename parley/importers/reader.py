"""Reading an export, here or in a second process.

With `parallel`, a reader process (started with `spawn`: a fresh interpreter, no copy of
this one's threads or database connection) reads and parses the file, cleaning bodies on
the second core, and sends the records in batches while this process writes them. The
reader never touches the database and needs no Django setup: parsers only use the
records, report, sources and rendering modules. What it read and repaired comes back as
its own report and is merged into this one; an unreadable file comes back as the error.
"""

import multiprocessing as mp
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from parley.importers.parsers import PARSERS
from parley.importers.report import ImportReport
from parley.importers.sources import Input, UnreadableFile

PARALLEL_FROM = 20_000_000
SEND = 500


def records(
    source: str,
    inp: Input,
    report: ImportReport,
    *,
    progress: Callable[[int], None],
    parallel: bool,
) -> Iterator[Any]:
    if not parallel:
        yield from PARSERS[source](inp, report)
        return
    context = mp.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_read, args=(source, inp.path, sender), daemon=True)
    process.start()
    sender.close()
    try:
        while True:
            try:
                kind, payload, read_bytes = receiver.recv()
            except EOFError:
                raise UnreadableFile("the reader process stopped without a word") from None
            progress(read_bytes)
            if kind == "items":
                yield from payload
            elif kind == "error":
                raise payload
            else:
                report.merge(payload)
                return
    finally:
        receiver.close()
        process.join(timeout=5)
        if process.is_alive():
            process.kill()


def _read(source: str, path: Path, sender: Any) -> None:
    counted = [0]

    def on_read(n: int) -> None:
        counted[0] += n

    def send(kind: str, payload: Any) -> None:
        sender.send((kind, payload, counted[0]))
        counted[0] = 0

    report = ImportReport()
    batch: list[Any] = []
    try:
        for item in PARSERS[source](Input(path, on_read=on_read), report):
            batch.append(item)
            if len(batch) >= SEND:
                send("items", batch)
                batch = []
        send("items", batch)
        send("done", report)
    except UnreadableFile as error:
        send("error", error)
    except Exception as error:  # any failure of the reader must reach the writer
        send("error", UnreadableFile(f"the file could not be read ({error!r})"))
    finally:
        sender.close()
