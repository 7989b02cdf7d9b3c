"""`parley worker`: sends notification e-mails from the outbox until stopped, and keeps
house (the score ledger of Most Voted paging, every ten minutes)."""

import argparse
import logging
import signal
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, close_old_connections

from parley.discussion.actions import prune_score_ledger
from parley.notifications import outbox

log = logging.getLogger("parley.notifications.worker")
HOUSEKEEPING_EVERY = 600.0  # seconds


def keep_house() -> None:
    try:
        pruned = prune_score_ledger()
    except DatabaseError:
        log.exception("pruning the score ledger failed; trying again later")
        return
    if pruned:
        log.info("pruned %d old score changes", pruned)


class Command(BaseCommand):
    help = "Send notification e-mails from the outbox (runs until SIGTERM or Ctrl-C)."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--batch-size", type=int, default=50)
        parser.add_argument(
            "--lease",
            type=int,
            default=300,
            help="claim lease in seconds; keep it well above "
            "the SMTP timeout (the worker renews it every half lease)",
        )
        parser.add_argument("--poll", type=float, default=1.0, help="idle poll, seconds")
        parser.add_argument("--once", action="store_true", help="one round, then exit")
        parser.add_argument(
            "--until-empty", action="store_true", help="exit when nothing is due any more"
        )
        parser.add_argument("--backoff-base", type=float, default=30.0)
        parser.add_argument("--crash-after-send", type=int, help=argparse.SUPPRESS)

    def handle(self, *args, **options) -> None:
        config = outbox.Config(
            batch_size=options["batch_size"],
            lease_seconds=options["lease"],
            backoff_base=options["backoff_base"],
            crash_after_send=options["crash_after_send"],
        )
        signal.signal(signal.SIGTERM, outbox.request_stop)
        signal.signal(signal.SIGINT, outbox.request_stop)
        self.stdout.write(f"parley worker {config.worker_id}: sending from the outbox")
        self.stdout.flush()
        pause = 1.0  # while the mail server is in trouble, grows to a minute
        housekept = 0.0
        while not outbox.stopping():
            close_old_connections()
            if time.monotonic() - housekept >= HOUSEKEEPING_EVERY:
                keep_house()
                housekept = time.monotonic()
            try:
                result = outbox.run_once(config)
            except DatabaseError:
                if options["once"]:
                    raise CommandError("the outbox round failed (database error)") from None
                log.exception("outbox round failed; trying again")
                time.sleep(options["poll"])
                continue
            if result.claimed or result.digests:
                log.info("outbox round: %s", result)
            if options["once"]:
                break
            if result.server_trouble:
                time.sleep(pause)
                pause = min(pause * 2, 60.0)
                continue
            pause = 1.0
            if not result.claimed:
                if options["until_empty"] and not outbox.anything_due():
                    break
                time.sleep(options["poll"])
        self.stdout.write("parley worker: stopped")
