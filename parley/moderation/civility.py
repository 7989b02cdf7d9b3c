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

import math
import re
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
    """alt-profanity-check's model, evaluated directly: the score is the mean over its
    calibrated folds of sigmoid(a * (w . x + c) + b), which is what the model's own
    predict_proba computes, minus about 4 ms of scikit-learn's per-call checks on the
    posting path; the TF-IDF row is built directly too (_tfidf_row, the vectoriser's own
    row bit for bit: test_phases.py). A model of another shape is asked through
    predict_prob as before."""

    _lock = threading.Lock()
    _score: Any = None

    @classmethod
    def _model(cls) -> Any:
        if cls._score is None:
            with cls._lock:
                if cls._score is None:
                    cls._score = _load_profanity_check()
        return cls._score

    def score(self, text: str) -> float:
        if not text.strip():
            return 0.0
        return float(self._model()(text[:MAX_CHARS]))


def _load_profanity_check() -> Any:
    import numpy as np
    from profanity_check import predict_prob
    from profanity_check import profanity_check as loaded

    model, vectorizer = loaded.model, loaded.vectorizer
    folds: list[Any] = list(getattr(model, "calibrated_classifiers_", None) or [])
    linear = (
        getattr(model, "method", None) == "sigmoid"
        and list(getattr(model, "classes_", [])) == [0, 1]
        and folds
        and all(
            len(fold.calibrators) == 1 and getattr(fold.estimator, "coef_", None) is not None
            for fold in folds
        )
    )
    if not linear:
        return lambda text: predict_prob([text])[0]
    weights = np.vstack([fold.estimator.coef_.ravel() for fold in folds]).T.copy()
    intercepts = np.array([fold.estimator.intercept_[0] for fold in folds])
    slopes = np.array([fold.calibrators[0].a_ for fold in folds])
    offsets = np.array([fold.calibrators[0].b_ for fold in folds])

    tfidf = _tfidf_row(vectorizer, np)

    def score(text: str) -> float:
        indices, data = tfidf(text)  # one row of TF-IDF weights, as the vectoriser makes it
        decision = data @ weights[indices] + intercepts
        return float((1.0 / (1.0 + np.exp(slopes * decision + offsets))).mean())

    return score


def _tfidf_row(vectorizer: Any, np: Any) -> Any:
    """The vectoriser's `transform` for one text, without building a sparse matrix (a
    millisecond of scikit-learn's bookkeeping per post): lower-cased words of its token
    pattern, counted where the vocabulary has them, times their idf, divided by the row's
    L2 norm summed in index order, as scikit-learn does. Stop words are never in the
    vocabulary, so looking words up drops them too. A vectoriser of another shape is
    asked through its own `transform`."""
    plain = (
        vectorizer.analyzer == "word"
        and vectorizer.ngram_range == (1, 1)
        and vectorizer.lowercase
        and vectorizer.preprocessor is None
        and vectorizer.tokenizer is None
        and vectorizer.strip_accents is None
        and not vectorizer.binary
        and not vectorizer.sublinear_tf
        and vectorizer.use_idf
        and vectorizer.norm == "l2"
        and not set(vectorizer.get_stop_words() or ()) & set(vectorizer.vocabulary_)
    )
    if not plain:

        def transformed(text: str) -> tuple[Any, Any]:
            row = vectorizer.transform([text])
            return row.indices, row.data

        return transformed
    vocabulary: dict[str, int] = vectorizer.vocabulary_
    idf = [float(x) for x in vectorizer.idf_]
    words = re.compile(vectorizer.token_pattern).findall

    def row(text: str) -> tuple[Any, Any]:
        counts: dict[int, int] = {}
        for word in words(text.lower()):
            j = vocabulary.get(word)
            if j is not None:
                counts[j] = counts.get(j, 0) + 1
        indices = sorted(counts)
        data = [counts[j] * idf[j] for j in indices]
        norm = 0.0
        for x in data:
            norm += x * x
        norm = math.sqrt(norm)
        if norm:
            data = [x / norm for x in data]
        return np.array(indices, dtype=np.intp), np.array(data, dtype=np.float64)

    return row


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
