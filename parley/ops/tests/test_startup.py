"""What a serving process readies before its first request (parley/startup.py)."""

import gc

from django.template import engines

from parley import startup


def test_every_template_is_compiled_before_the_first_request():
    engine = engines["django"].engine  # type: ignore[attr-defined]
    engine.template_loaders[0].reset()  # the cached loader: as in a new process
    compiled = startup.compile_templates()
    cached = engine.template_loaders[0].get_template_cache
    for name in ("articles/article.html", "discussion/_comment.html", "moderation/desk.html"):
        assert name in cached, name
    assert compiled >= len(cached) > 40


def test_settling_freezes_what_is_loaded_and_needs_no_database():
    # No database access is allowed here: settle() opens a pool only where there is one.
    gc.unfreeze()
    startup.settle()
    assert gc.get_freeze_count() > 10_000
    gc.unfreeze()
