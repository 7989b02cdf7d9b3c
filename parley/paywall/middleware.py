"""Reads a guest's meter cookie for the request and writes it back when a read counted."""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from parley.paywall import meter


class MeterMiddleware:
    """Sync only, and last in MIDDLEWARE (settings.py): below it Django's request cycle
    enters the event loop once for the view, where an async-capable middleware here would
    make every middleware between it and the next sync one hop threads on each request."""

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> Any:
        guest = meter.GuestMeter.from_cookie(request.COOKIES.get(meter.COOKIE), now=timezone.now())
        request.parley_meter = guest  # type: ignore[attr-defined]  # read by meter_article
        token = meter._current.set(guest)
        try:
            response = self.get_response(request)
        finally:
            meter._current.reset(token)
        if guest.changed:
            meter.write_cookie(request, response, guest)
        return response
