"""A real `parley worker` process, killed with SIGKILL and started again, against a real
SMTP server: every e-mail arrives exactly once.

The worker runs against this test's database: on PostgreSQL the test database itself; on
SQLite (whose test database lives in this process's memory) a file copy of it, made once
the rows are in, and read back with sqlite3."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection

from parley import factories
from parley.notifications import actions
from parley.notifications.models import OutboxMessage
from parley.notifications.tests.conftest import person
from parley.notifications.tests.sink import SMTPSink

pytestmark = pytest.mark.django_db(transaction=True)

PROJECT_DIR = Path(__file__).resolve().parents[3]


class WorkerDatabase:
    """Where the worker subprocess finds the rows, and how the test reads them back."""

    def __init__(self, tmp_path: Path) -> None:
        self.sqlite = connection.vendor == "sqlite"
        self.file = tmp_path / "worker.sqlite3"

    def publish(self) -> None:
        """Makes the rows written so far visible to a worker process."""
        if self.sqlite:
            connection.ensure_connection()
            target = sqlite3.connect(self.file)
            connection.connection.backup(target)
            target.close()

    @property
    def url(self) -> str:
        if self.sqlite:
            return f"sqlite:///{self.file}"
        db = connection.settings_dict
        auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"

    def statuses(self) -> Counter:
        if self.sqlite:
            with sqlite3.connect(self.file) as db:
                rows = db.execute("SELECT status FROM notifications_outboxmessage").fetchall()
            return Counter(status for (status,) in rows)
        return Counter(OutboxMessage.objects.values_list("status", flat=True))


_started: list[subprocess.Popen] = []


@pytest.fixture(autouse=True)
def no_worker_outlives_its_test():
    yield
    while _started:
        worker = _started.pop()
        if worker.poll() is None:
            worker.kill()
            worker.wait(timeout=10)


def start_worker(db: WorkerDatabase, sink: SMTPSink, *extra: str) -> subprocess.Popen:
    """A `parley worker` process; its output goes to a file beside the database (a pipe
    nobody reads could fill up and stall it)."""
    env = {
        **os.environ,
        "DATABASE_URL": db.url,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(sink.port),
        "DJANGO_SETTINGS_MODULE": "parley.settings",
    }
    command = [sys.executable, "-m", "parley.cli", "worker", "--poll", "0.1", "--lease", "3"]
    log = (db.file.parent / f"worker-{len(_started)}.log").open("w")
    worker = subprocess.Popen(
        [*command, *extra], env=env, cwd=PROJECT_DIR, stdout=log, stderr=subprocess.STDOUT
    )
    worker.log_path = log.name  # type: ignore[attr-defined]
    _started.append(worker)
    return worker


def kill(worker: subprocess.Popen) -> None:
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)
    assert worker.returncode == -signal.SIGKILL


def finish(worker: subprocess.Popen, timeout: float = 180) -> str:
    worker.wait(timeout=timeout)
    out = Path(worker.log_path).read_text()  # type: ignore[attr-defined]
    assert worker.returncode == 0, out
    return out


def wait_until(predicate, what: str, timeout: float = 120.0) -> None:
    """Generous: the machine may be busy with other suites."""
    end = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < end, f"timed out waiting for {what}"
        time.sleep(0.05)


def followers(site, article, count: int, prefix: str) -> None:
    for n in range(count):
        actions.follow_discussion(user=person(site, f"{prefix}{n}"), article=article)


@pytest.fixture
def sink():
    server = SMTPSink().start()
    yield server
    server.stop()


def test_kill_9_between_batches_and_mid_batch_loses_nothing_and_repeats_nothing(
    site, article, tmp_path, sink
):
    db = WorkerDatabase(tmp_path)
    followers(site, article, 40, "f")
    factories.make_comment(article, None, "First news: forty e-mails.")
    db.publish()

    # 1. Mid-batch: batches of 10; the 16th message (6th of the second batch) is held at
    # the server while the worker is killed, with five of that batch sent and marked and
    # four more claimed under a lease.
    sink.handler.hold_at = 15
    worker = start_worker(db, sink, "--batch-size", "10")
    assert sink.handler.holding.wait(120), "the worker never reached the 16th message"
    kill(worker)
    sink.handler.release.set()
    assert len(sink.messages) == 15
    # 2. Restarted: it waits out the dead worker's lease, then sends the other 25.
    worker = start_worker(db, sink, "--batch-size", "10")
    wait_until(lambda: len(sink.messages) >= 40, "the other 25 messages")
    # 3. Between batches: idle, everything marked; killed, then new rows arrive.
    wait_until(lambda: db.statuses() == Counter({"sent": 40}), "every row marked sent")
    kill(worker)
    if db.sqlite:  # the worker's copy has moved on: carry its marks back before adding
        source = sqlite3.connect(db.file)
        source.backup(connection.connection)
        source.close()
    factories.make_comment(article, None, "Second news: forty more.")
    db.publish()
    finish(start_worker(db, sink, "--batch-size", "10", "--until-empty"))

    ids = sink.message_ids()
    assert len(ids) == 80 and len(set(ids)) == 80  # exactly once, at the SMTP level
    recipients = Counter(tuple(rcpt) for rcpt, _message in sink.envelopes)
    assert set(recipients.values()) == {2} and len(recipients) == 40
    assert db.statuses() == Counter({"sent": 80})


def test_a_kill_between_the_servers_ok_and_the_mark_resends_the_same_message(
    site, article, tmp_path, sink
):
    """The one window no outbox can close: the server has the message, the worker dies
    before it records that. The row is sent again after the lease, with the same
    Message-ID, so the receiving side sees one message; nothing else is repeated."""
    db = WorkerDatabase(tmp_path)
    followers(site, article, 12, "g")
    factories.make_comment(article, None, "News for twelve.")
    db.publish()
    worker = start_worker(db, sink, "--batch-size", "5", "--crash-after-send", "7")
    worker.wait(timeout=120)
    assert worker.returncode == -signal.SIGKILL
    assert len(sink.messages) == 7
    finish(start_worker(db, sink, "--batch-size", "5", "--until-empty"))

    ids = sink.message_ids()
    assert len(ids) == 13  # the seventh twice
    copies = Counter(ids)
    assert len(copies) == 12
    assert [mid for mid, n in copies.items() if n > 1] == [ids[6]]
    assert db.statuses() == Counter({"sent": 12})
