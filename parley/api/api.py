"""The public API, version 1: one NinjaAPI, mounted once at /api/v1/ in parley/urls.py.

Routers live one per concern beside this file; errors are rendered in errors.py; who is
calling is decided in auth.py. The OpenAPI document (/api/v1/openapi.json) is the
contract, pinned by tests/test_openapi.py against openapi.snapshot.json.
"""

from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI, Router

from parley.api import articles, auth, comments, errors, me, votes
from parley.errors import NotFound
from parley.sso import api as sso_api


class ParleyAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Any) -> str:
        # Short, stable ids (`comment_page`); view names are unique across the routers.
        return operation.view_func.__name__

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: Any = None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        # Every operation is open to guests (reading is open; writes answer 403 with a
        # code). An empty requirement says so: credentials are optional.
        for operations in schema["paths"].values():
            for operation in operations.values():
                if operation.get("security"):
                    operation["security"].append({})
        return schema


api = ParleyAPI(
    title="Parley API",
    version="1",
    description=(
        "Articles, discussions, votes and counts of a Parley. Reading is open; writes need "
        "a signed-in reader (session cookie with CSRF token). API tokens (Bearer) read "
        "their site. Errors are {code, message}. See docs/api.md."
    ),
    urls_namespace="api-v1",
    auth=auth.AUTH,
)
errors.install(api)
api.add_router("", articles.router)
api.add_router("", comments.router)
api.add_router("", votes.router)
api.add_router("", me.router)
# Single sign-on and the entitlement webhook (parley/sso, docs/sso.md).
api.add_router("", sso_api.router)

# Unknown addresses under /api/v1/ answer in the API's own error format, not Django's HTML
# 404 page. Mounted last, so it only catches what no operation matched.
fallback = Router()


@fallback.api_operation(
    ["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:rest}", include_in_schema=False, auth=None
)
def unknown_endpoint(request: HttpRequest, rest: str):
    raise NotFound("No such endpoint.")


api.add_router("", fallback)
