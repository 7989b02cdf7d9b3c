import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parley.settings")
django.setup(set_prefix=False)

from parley.serving import Router  # noqa: E402  (after Django is set up)

# Sync views in one thread hop, async ones (the live stream) through Django's own handler.
django_application = Router()

from parley.cache.front import FrontCache  # noqa: E402
from parley.ops.metrics import record_front_hit  # noqa: E402
from parley.startup import settle  # noqa: E402

# Guests' repeat requests for a cached page are answered before Django runs
# (parley/cache/front.py); everything else goes to Django.
application = FrontCache(django_application, on_served=record_front_hit)
settle()
application.start()
