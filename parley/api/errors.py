"""The one place where the API turns failures into `{"code", "message"}` responses.

Domain refusals are ParleyErrors (parley/errors.py, plus the API's own in auth.py) and keep
their code and status. Input that does not match the schema is 422 `invalid`; an unknown
id or address is 404 `not_found`; a body that is not JSON is 400 `invalid`.
"""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError

from parley.api.schemas import ErrorOut
from parley.errors import ParleyError

# Documented on every operation, so clients and schemathesis know their shape.
READ_ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
WRITE_ERRORS: dict[int, Any] = {**READ_ERRORS, 403: ErrorOut}

HTTP_ERROR_CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    429: "throttled",
}
MAX_PROBLEMS = 5


def _respond(api: NinjaAPI, request: HttpRequest, status: int, code: str, message: str):
    return api.create_response(request, {"code": code, "message": message}, status=status)


def describe(errors: list[dict[str, Any]]) -> str:
    """'page: Input should be greater than or equal to 1; body.body: Field required'"""
    problems = []
    for error in errors[:MAX_PROBLEMS]:
        where = ".".join(str(part) for part in error.get("loc", ())[1:] if part != "payload")
        problems.append(f"{where}: {error.get('msg', 'invalid')}" if where else error["msg"])
    more = len(errors) - MAX_PROBLEMS
    return "; ".join(problems) + (f"; and {more} more" if more > 0 else "")


def install(api: NinjaAPI) -> None:
    def parley_error(request: HttpRequest, exc: Any) -> HttpResponse:
        return _respond(api, request, exc.status, exc.code, exc.message)

    def validation_error(request: HttpRequest, exc: Any) -> HttpResponse:
        return _respond(api, request, 422, "invalid", describe(exc.errors) or "Invalid input.")

    def not_found(request: HttpRequest, exc: Any) -> HttpResponse:
        return _respond(api, request, 404, "not_found", "Not found.")

    def http_error(request: HttpRequest, exc: Any) -> HttpResponse:
        code = HTTP_ERROR_CODES.get(exc.status_code, "error")
        return _respond(api, request, exc.status_code, code, str(exc))

    api.add_exception_handler(ParleyError, parley_error)
    api.add_exception_handler(ValidationError, validation_error)
    api.add_exception_handler(Http404, not_found)
    api.add_exception_handler(HttpError, http_error)
