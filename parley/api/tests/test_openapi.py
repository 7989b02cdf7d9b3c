"""The OpenAPI document is the contract: a change to it must be deliberate.

When this fails, read the diff it prints. If the change is intended, regenerate the
snapshot and commit it with the change:

    PARLEY_UPDATE_SNAPSHOT=1 .venv/bin/pytest parley/api/tests/test_openapi.py
"""

import difflib
import json
import os
from pathlib import Path

import pytest

SNAPSHOT = Path(__file__).resolve().parent.parent / "openapi.snapshot.json"


def render(document: dict) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_openapi_document_matches_the_snapshot(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    current = render(response.json())
    if os.environ.get("PARLEY_UPDATE_SNAPSHOT") == "1":
        SNAPSHOT.write_text(current, encoding="utf-8")
        pytest.skip(f"wrote {SNAPSHOT}")
    assert SNAPSHOT.exists(), "No OpenAPI snapshot yet: run with PARLEY_UPDATE_SNAPSHOT=1."
    committed = SNAPSHOT.read_text(encoding="utf-8")
    if current != committed:
        diff = "".join(
            difflib.unified_diff(
                committed.splitlines(keepends=True),
                current.splitlines(keepends=True),
                "openapi.snapshot.json (committed)",
                "/api/v1/openapi.json (now)",
                n=2,
            )
        )
        pytest.fail(
            "The OpenAPI document changed: the public API's contract is different.\n"
            "If that is intended, regenerate the snapshot with\n"
            "  PARLEY_UPDATE_SNAPSHOT=1 .venv/bin/pytest parley/api/tests/test_openapi.py\n"
            "and commit it (say in the commit what changed for API clients).\n\n" + diff[:6000],
            pytrace=False,
        )


def test_docs_page_is_served_without_a_cdn(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert "swagger-ui" in html and "cdn.jsdelivr" not in html


def test_every_operation_documents_its_errors(client):
    document = client.get("/api/v1/openapi.json").json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            for status in ("401", "404", "422"):
                schema = responses[status]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorOut"}, (method, path)
            if method != "get":
                assert "403" in responses, (method, path)
