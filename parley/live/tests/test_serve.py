"""`parley serve` starts granian as live streams need it (the command line only; the
process tests run it for real)."""

import pytest

from parley import cli


@pytest.fixture
def command(monkeypatch):
    started: list[list[str]] = []
    monkeypatch.setattr(cli.os, "execv", lambda path, argv: started.append(argv))
    return started


def _option(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def test_serve_runs_granian_for_long_lived_streams(monkeypatch, command):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    cli.serve(["--workers", "2", "--port", "8123"])
    [argv] = command
    assert _option(argv, "--interface") == "asginl"  # Django has no ASGI lifespan
    assert _option(argv, "--workers") == "2"
    assert _option(argv, "--workers-kill-timeout") == "3"  # open streams cannot hold a stop
    assert int(_option(argv, "--backpressure")) >= 10_000  # not granian's ~500 per worker
    assert int(_option(argv, "--backlog")) >= 2048


def test_serve_warns_that_workers_without_redis_do_not_share_events(monkeypatch, capsys, command):
    monkeypatch.delenv("REDIS_URL", raising=False)
    cli.serve(["--workers", "2"])
    assert "REDIS_URL" in capsys.readouterr().err
    cli.serve(["--workers", "1"])
    assert capsys.readouterr().err == ""
