from django.conf import settings
from django.urls import URLPattern, path

from parley.ops import views

urlpatterns: list[URLPattern] = [
    path("healthz", views.healthz, name="healthz"),
    path("metrics", views.metrics_view, name="metrics"),
]
if settings.PARLEY_BENCH_HELLO:
    # The ceiling of the stack for `make bench`: the same server, middleware and settings,
    # no work. Off unless PARLEY_BENCH_HELLO is set.
    urlpatterns.append(path("bench/hello/", views.bench_hello, name="bench_hello"))
