import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parley.settings")
django_application = get_asgi_application()

from parley.cache.front import FrontCache  # noqa: E402  (after Django is set up)
from parley.ops.metrics import record_front_hit  # noqa: E402
from parley.startup import settle  # noqa: E402

# Guests' repeat requests for a cached page are answered before Django runs
# (parley/cache/front.py); everything else goes to Django.
application = FrontCache(django_application, on_served=record_front_hit)
settle()
application.start()
