"""Reads a guest's meter cookie for the request and writes it back when a read counted."""

from collections.abc import Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone

from parley.paywall import meter


class MeterMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def _start(self, request: HttpRequest) -> Any:
        guest = meter.GuestMeter.from_cookie(request.COOKIES.get(meter.COOKIE), now=timezone.now())
        request.parley_meter = guest  # type: ignore[attr-defined]  # read by meter_article
        return meter._current.set(guest)

    def _finish(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        guest: meter.GuestMeter = getattr(request, "parley_meter")  # noqa: B009
        if guest.changed:
            meter.write_cookie(request, response, guest)
        return response

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self.__acall__(request)
        token = self._start(request)
        try:
            response = self.get_response(request)
        finally:
            meter._current.reset(token)
        return self._finish(request, response)

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        token = self._start(request)
        try:
            response = await self.get_response(request)
        finally:
            meter._current.reset(token)
        return self._finish(request, response)
