from pathlib import Path

import pytest

from parley.importers.runner import run_import

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def fixture_path():
    return lambda name: FIXTURES / name


@pytest.fixture
def do_import(db):
    def run(source, path, **options):
        return run_import(source, path, **options)

    return run
