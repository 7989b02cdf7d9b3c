"""A local civility scorer, no vendor: alt-profanity-check's linear model (a TF-IDF
vectoriser and a calibrated linear SVM trained on offensive-language data sets), which ships
inside the package (about 1 MB of weights) and runs offline in a few milliseconds.

It is a scorer behind the phase interface: settings.PARLEY_CIVILITY_SCORER names any class
with `score(text) -> float` (0 civil .. 1 abusive), so a better local model can replace it
without touching the phase. The model loads on first use (about 1.5 s), once per process.

Above the site's threshold, an author who can be asked (the page's form) is nudged first
(CivilityNudge); a comment posted anyway, or sent by a client that cannot show the nudge
(the API, edits), is held for a moderator.
"""

import threading
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from parley.moderation.errors import CivilityNudge
from parley.moderation.models import HoldRule
from parley.moderation.phases import Submission, Verdict, hold

MAX_CHARS = 5_000  # the model reads words; a longer tail changes little and costs time


class Scorer(Protocol):
    def score(self, text: str) -> float: ...


class ProfanityCheckScorer:
    _lock = threading.Lock()
    _predict: Any = None

    @classmethod
    def _model(cls) -> Any:
        if cls._predict is None:
            with cls._lock:
                if cls._predict is None:
                    from profanity_check import predict_prob

                    cls._predict = predict_prob
        return cls._predict

    def score(self, text: str) -> float:
        if not text.strip():
            return 0.0
        return float(self._model()([text[:MAX_CHARS]])[0])


_scorers: dict[str, Scorer] = {}


def scorer() -> Scorer:
    path = getattr(
        settings, "PARLEY_CIVILITY_SCORER", "parley.moderation.civility.ProfanityCheckScorer"
    )
    if path not in _scorers:
        _scorers[path] = import_string(path)()
    return _scorers[path]


class CivilityPhase:
    name = "civility"

    def __call__(self, sub: Submission) -> Verdict | None:
        site = sub.policy.site
        if not site.civility_enabled:
            return None
        value = scorer().score(sub.text)
        if value < site.civility_threshold or sub.is_staff:
            return None
        if sub.nudge_ack is False:
            raise CivilityNudge()
        how = "posted after the nudge" if sub.nudge_ack else "no nudge possible"
        return hold(HoldRule.CIVILITY, f"score {value:.2f}, {how}")
