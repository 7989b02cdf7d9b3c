"""What the environment makes of the database settings: read by a fresh interpreter, as
`parley serve` reads them, since settings are loaded once per process."""

import json
import os
import subprocess
import sys

import pytest
from django.db import connection

PG = "postgres://postgres@127.0.0.1:5432/parley"
SHOW = (
    "import json, parley.settings as s; d = s.DATABASES['default']; "
    "print(json.dumps({'pool': d.get('OPTIONS', {}).get('pool'), "
    "'options': d.get('OPTIONS', {}).get('options', '')}))"
)


def settings_with(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")}
    return subprocess.run(
        [sys.executable, "-c", SHOW],
        env={**clean, "DATABASE_URL": PG, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def loaded(**env: str) -> dict:
    done = settings_with(**env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_serving_worker_pools_four_connections_unless_told():
    assert loaded(PARLEY_SERVE_WORKERS="2")["pool"]["max_size"] == 4
    assert loaded(PARLEY_SERVE_WORKERS="2", PARLEY_DB_POOL_SIZE="9")["pool"]["max_size"] == 9
    assert loaded()["pool"] is None  # management commands keep persistent connections


def test_plans_are_postgresqls_own_choice_unless_told():
    assert "plan_cache_mode" not in loaded()["options"]
    custom = loaded(PARLEY_DB_PLANS="force_custom_plan")["options"]
    assert "-c plan_cache_mode=force_custom_plan" in custom
    assert "plan_cache_mode" not in loaded(PARLEY_DB_PREPARE="false")["options"]


def test_an_unknown_plan_mode_stops_the_start():
    done = settings_with(PARLEY_DB_PLANS="sometimes")
    assert done.returncode != 0
    assert "PARLEY_DB_PLANS is auto, force_custom_plan or force_generic_plan" in done.stderr


@pytest.mark.django_db
def test_the_connection_runs_with_the_configured_plan_mode():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's setting")
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone()[0] == os.environ.get("PARLEY_DB_PLANS", "auto")
