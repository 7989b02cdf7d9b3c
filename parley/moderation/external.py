"""An optional external moderation phase, like Coral's: a site names an HTTP endpoint in
its policy; each comment is POSTed to it as JSON, signed with HMAC-SHA256, with a timeout.

Request headers: `X-Parley-Timestamp` (Unix seconds) and `X-Parley-Signature:
sha256=<hex of HMAC(secret, "<timestamp>." + body)>`; the receiver recomputes it and
rejects stale timestamps. The answer is JSON: `{"action": "allow" | "hold" | "refuse",
"reason": "…"}`. A failure (timeout, error status, bad JSON) is logged and lets the comment
through, or holds it when the site set `external_fail_hold`.
"""

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from typing import Any

from parley.moderation.models import HoldRule
from parley.moderation.phases import Action, Submission, Verdict, hold

log = logging.getLogger(__name__)
MAX_RESPONSE = 64 * 1024


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def payload(sub: Submission) -> dict[str, Any]:
    return {
        "comment": {
            "id": sub.comment.pk if sub.comment else None,
            "body": sub.body,
            "html": sub.body_html,
            "parent_id": sub.parent.pk
            if sub.parent
            else (sub.comment.parent_id if sub.comment else None),
        },
        "author": {"id": sub.user.pk, "name": sub.user.public_name},
        "article": {"id": sub.article.pk, "url": sub.article.canonical_url},
        "site": sub.article.site_id,
    }


def call(url: str, secret: str, timeout_ms: int, data: dict[str, Any]) -> dict[str, Any]:
    if not url.lower().startswith(("http://", "https://")):
        raise ValueError("external moderation URL must be http(s)")
    body = json.dumps(data, separators=(",", ":")).encode()
    timestamp = str(int(time.time()))
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "X-Parley-Timestamp": timestamp,
            "X-Parley-Signature": sign(secret, timestamp, body),
        },
    )
    with urllib.request.urlopen(request, timeout=timeout_ms / 1000) as response:  # noqa: S310
        answer = json.loads(response.read(MAX_RESPONSE))
    if not isinstance(answer, dict):
        raise ValueError("external moderation answered something other than an object")
    return answer


class ExternalPhase:
    name = "external"

    def __call__(self, sub: Submission) -> Verdict | None:
        site = sub.policy.site
        if not site.external_url:
            return None
        try:
            answer = call(
                site.external_url, site.external_secret, site.external_timeout_ms, payload(sub)
            )
        except (OSError, ValueError, urllib.error.URLError) as error:
            log.warning("external moderation phase failed: %s", error)
            if site.external_fail_hold:
                return hold(HoldRule.EXTERNAL, "External moderation did not answer")
            return None
        action = str(answer.get("action", "allow"))
        reason = str(answer.get("reason", ""))[:300]
        if action == Action.REFUSE:
            return Verdict(Action.REFUSE, "external_refused", reason)
        if action == Action.HOLD:
            return hold(HoldRule.EXTERNAL, reason or "Held by external moderation")
        return None
