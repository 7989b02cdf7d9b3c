"""The `parley` console script: `parley serve`, `parley demo`, and every Django
management command (`parley migrate`, `parley createsuperuser`, …)."""

import argparse
import os
import subprocess
import sys
from pathlib import Path


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parley.settings")
    import django

    django.setup()


def _ensure_var_dir() -> None:
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        Path(db["NAME"]).parent.mkdir(parents=True, exist_ok=True)


def serve(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="parley serve", description="Serve Parley (granian).")
    parser.add_argument("--host", default=os.environ.get("PARLEY_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PARLEY_PORT", "8000")))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("PARLEY_WORKERS", "1")))
    parser.add_argument(
        "--connections",
        type=int,
        default=int(os.environ.get("PARLEY_CONNECTIONS", "10000")),
        help="requests each worker serves at once; every open live stream is one",
    )
    args = parser.parse_args(argv)
    if args.workers > 1 and not os.environ.get("REDIS_URL"):
        print("parley serve: without REDIS_URL, live updates reach only readers on the worker "
              "that took the post; set REDIS_URL or use --workers 1.", file=sys.stderr)  # fmt: skip
    # The workers' settings turn the guest page cache off when they cannot share it
    # (several workers, no Redis): settings.py, PARLEY_PAGE_CACHE.
    os.environ["PARLEY_SERVE_WORKERS"] = str(args.workers)
    granian = Path(sys.executable).with_name("granian")
    command = [
        str(granian),
        "--interface", "asginl",
        "--host", args.host,
        "--port", str(args.port),
        "--workers", str(args.workers),
        # An open live stream must not hold a shutdown.
        "--workers-kill-timeout", "3",
        # granian's default (backlog / workers) would cap open live streams near 500.
        "--backpressure", str(args.connections),
        "--backlog", "4096",
        "--no-ws",
        "parley.asgi:application",
    ]  # fmt: skip
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parley.settings")
    os.execv(command[0], command)  # noqa: S606 - replaces this process with the server


def demo(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="parley demo", description="Load demo data, serve.")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--no-serve", action="store_true", help="only migrate and load")
    args = parser.parse_args(argv)
    os.environ.setdefault("DEBUG", "true")
    _setup()
    _ensure_var_dir()
    from django.core.management import call_command

    from parley.demo.loader import load_demo

    call_command("migrate", verbosity=0)
    logins = load_demo()
    print(f"\nParley demo: http://127.0.0.1:{args.port}/\n")
    print(f"  {'role':<12}{'username':<14}password")
    for role, username, password in logins:
        print(f"  {role:<12}{username:<14}{password}")
    print(f"\n  Admin (editor): http://127.0.0.1:{args.port}/admin/\n")
    sys.stdout.flush()
    if args.no_serve:
        return 0
    # The notification worker sends the demo's e-mails (var/mail and /notifications/outbox/).
    # It stays this process's child through the exec below, so Ctrl-C stops both.
    print(f"  Sent e-mail: http://127.0.0.1:{args.port}/notifications/outbox/\n", flush=True)
    subprocess.Popen([sys.executable, "-m", "parley.cli", "worker"])
    _serve_example_publisher(args.port)
    return serve(["--port", str(args.port)])


def _serve_example_publisher(parley_port: int) -> None:
    """The example publisher page that embeds the demo (examples/publisher, docs/embed.md),
    on the next port; a child process like the worker. Only from a source checkout."""
    server = Path(__file__).resolve().parent.parent / "examples" / "publisher" / "server.py"
    if not server.exists():
        return
    port = str(parley_port + 1)
    parley = f"http://127.0.0.1:{parley_port}"
    subprocess.Popen([sys.executable, str(server), "--port", port, "--parley", parley])  # noqa: S603


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = argv[0] if argv else "help"
    if command == "serve":
        return serve(argv[1:])
    if command == "demo":
        return demo(argv[1:])
    if command == "manage":
        argv = argv[1:]
    _setup()
    _ensure_var_dir()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["parley", *argv] if argv else ["parley", "help"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
