"""Mail benchmark: how many notification e-mails per second `parley worker` hands to an
SMTP server (aiosmtpd on loopback, in this process), for several batch sizes side by side.

    .venv/bin/python bench/mail_bench.py                      # 1,000 e-mails, SQLite
    .venv/bin/python bench/mail_bench.py --messages 500 --batch-sizes 1,50
    .venv/bin/python bench/mail_bench.py --database-url postgres://postgres@127.0.0.1:5432/parley_mail_bench

The outbox is filled once (one comment followed by every recipient), then for each batch
size reset to pending and drained by a real `parley worker --until-empty` subprocess. The
rate counts from the first message the server receives to the last (the worker's start-up
is shown apart). Each message is composed (text and HTML), sent on a kept-open SMTP
connection, and marked sent in its own statement, as in production. Under `make bench`
(PARLEY_BENCH_BUDGET set) the number of e-mails is cut to fit the budget.
"""

import argparse
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work"


class CountingHandler:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: list[float] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        with self.lock:
            self.times.append(time.perf_counter())
        return "250 OK"


def setup_database(url: str, messages: int) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parley.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from parley import factories
    from parley.accounts.models import Subscription, User
    from parley.notifications.models import Follow, OutboxMessage

    call_command("migrate", verbosity=0)
    if OutboxMessage.objects.count() == messages:
        return
    call_command("flush", interactive=False, verbosity=0)
    site = factories.make_site()
    article = factories.make_article(site)
    users = User.objects.bulk_create(
        User(username=f"r{n}", display_name=f"Reader {n}", email=f"r{n}@example.org")
        for n in range(messages)
    )
    Subscription.objects.bulk_create(Subscription(user=u, site=site) for u in users)
    Follow.objects.bulk_create(Follow(user=u, article=article) for u in users)
    factories.make_comment(article, None, "A comment **every** follower hears about.")
    assert OutboxMessage.objects.count() == messages


def reset_outbox() -> None:
    from parley.notifications.models import OutboxMessage, OutboxStatus

    OutboxMessage.objects.update(
        status=OutboxStatus.PENDING, sent_at=None, lease_until=None, claimed_by="", attempts=0
    )


def run(url: str, port: int, batch: int, handler: CountingHandler, messages: int) -> dict:
    reset_outbox()
    with handler.lock:
        handler.times.clear()
    env = {**os.environ, "DATABASE_URL": url, "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(port)}
    env["PARLEY_NOTIFY_FLOOD_CAP"] = str(messages + 1)
    started = time.perf_counter()
    subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "parley.cli", "worker", "--until-empty", "--batch-size", str(batch)],
        env=env,
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    ended = time.perf_counter()
    times = list(handler.times)
    assert len(times) == messages, f"the server got {len(times)} of {messages}"
    sending = times[-1] - times[0]
    return {
        "batch": batch,
        "rate": (len(times) - 1) / sending if sending > 0 else float("inf"),
        "startup": times[0] - started,
        "wall": ended - started,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--batch-sizes", default="1,10,50")
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    budget = os.environ.get("PARLEY_BENCH_BUDGET")  # set by bench/run.py (`make bench`)
    if budget:
        # About a third of the budget per batch size at the slowest (batch 1) rate seen.
        args.messages = min(args.messages, max(100, int(float(budget) * 3)))
    WORK.mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite:///{WORK / 'mail_bench.sqlite3'}"
    setup_database(url, args.messages)

    from aiosmtpd.controller import Controller

    from parley.notifications.tests.sink import free_port

    handler = CountingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        print(f"mail bench: {args.messages} e-mails, {url.split(':')[0]}, aiosmtpd on loopback")
        print(f"{'batch':>6} {'msg/s':>9} {'start-up s':>11} {'wall s':>8}")
        for batch in (int(b) for b in args.batch_sizes.split(",")):
            figures = run(url, port, batch, handler, args.messages)
            print(
                f"{figures['batch']:>6} {figures['rate']:>9.0f} "
                f"{figures['startup']:>11.2f} {figures['wall']:>8.2f}",
                flush=True,
            )
    finally:
        controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
