"""Reading an export, here or in a second process.

With `parallel`, a reader process (started with `spawn`: a fresh interpreter, no copy of
this one's threads or database connection) reads and parses the file, cleaning bodies on
the second core, and sends the records in batches while this process writes them. The
reader never touches the database and needs no Django setup: parsers only use the
records, report, sources and rendering modules. What it read and repaired comes back as
its own report and is merged into this one; an unreadable file comes back as the error.

The reader keeps parsing while the writer is busy: batches wait in an outbox (up to
`AHEAD` of them) that a thread of the reader process sends on. Without it the reader
could run only one batch ahead, and since the writer works in bursts (a flush every
2,000 comments) the two processes took turns instead of running side by side.

Whichever of the two is slower sets the pace. When few batches wait in the outbox (the
writer keeps up and waits for records), the reader leaves the conversion of rendered
HTML, its largest cost, to the writer for the next batch (`bodies.Handoff`); when many
wait, it converts them itself. The work settles between the two cores, and the rows
are the same whichever process converted a body.
"""

import multiprocessing as mp
import queue
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from parley.importers import bodies
from parley.importers.parsers import PARSERS
from parley.importers.report import ImportReport
from parley.importers.sources import Input, UnreadableFile

PARALLEL_FROM = 20_000_000
SEND = 500
AHEAD = 16
HANDOFF_BELOW = AHEAD // 2


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

    outbox: queue.Queue[tuple[str, Any, int] | None] = queue.Queue(maxsize=AHEAD)
    courier = threading.Thread(target=_send_all, args=(outbox, sender), daemon=True)
    courier.start()

    def send(kind: str, payload: Any) -> None:
        message = (kind, payload, counted[0])
        counted[0] = 0
        while True:
            try:
                outbox.put(message, timeout=1)
                # Few batches waiting: the writer keeps up and waits for records, so it
                # converts the bodies of the next ones; many: this process does.
                bodies.Handoff.active = outbox.qsize() < HANDOFF_BELOW
                return
            except queue.Full:
                if not courier.is_alive():  # the writer has gone: nobody to read on
                    raise BrokenPipeError from None

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
    except BrokenPipeError:
        pass
    except UnreadableFile as error:
        send("error", error)
    except Exception as error:  # any failure of the reader must reach the writer
        send("error", UnreadableFile(f"the file could not be read ({error!r})"))
    finally:
        bodies.Handoff.active = False
        if courier.is_alive():
            outbox.put(None)
            courier.join()
        sender.close()


def _send_all(outbox: queue.Queue[tuple[str, Any, int] | None], sender: Any) -> None:
    """Sends the outbox's messages in order until None; stops if the writer has gone."""
    while (message := outbox.get()) is not None:
        try:
            sender.send(message)
        except OSError:
            return
