"""The `parley` console script: `parley serve`, `parley demo`, and every Django
management command (`parley migrate`, `parley createsuperuser`, …)."""

import argparse
import os
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
    args = parser.parse_args(argv)
    granian = Path(sys.executable).with_name("granian")
    command = [
        str(granian),
        "--interface", "asginl",
        "--host", args.host,
        "--port", str(args.port),
        "--workers", str(args.workers),
        # An open live stream must not hold a shutdown.
        "--workers-kill-timeout", "3",
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
    return serve(["--port", str(args.port)])


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
