"""Moderation knobs from settings, with their defaults. Site rules live in SitePolicy;
these are the operator's: rate limits, trusted proxies, the phase list."""

from django.conf import settings

# (how many, per how many seconds), per account.
DEFAULT_RATE_LIMITS: dict[str, tuple[int, int]] = {
    "comment": (10, 60),
    "edit": (20, 60),
    "vote": (120, 60),
    "report": (10, 600),
    "report_ip": (30, 600),  # per client address: many accounts behind one abuser
}

DEFAULT_PHASES = [
    "parley.moderation.phases.SanctionPhase",
    "parley.moderation.phases.ClosedPhase",
    "parley.moderation.phases.RateLimitPhase",
    "parley.moderation.phases.BannedWordsPhase",
    "parley.moderation.phases.LinkPhase",
    "parley.moderation.phases.MaskPhase",
    "parley.moderation.phases.ModePhase",
    "parley.moderation.phases.SuspectWordsPhase",
    "parley.moderation.phases.RepeatPhase",
    "parley.moderation.civility.CivilityPhase",
    "parley.moderation.external.ExternalPhase",
]


def rate_limit(action: str) -> tuple[int, int]:
    limits = {**DEFAULT_RATE_LIMITS, **getattr(settings, "PARLEY_RATE_LIMITS", {})}
    count, seconds = limits[action]
    return int(count), int(seconds)


def rate_limit_prefix() -> str:
    return str(getattr(settings, "PARLEY_RATE_LIMIT_PREFIX", "parley:rl"))


def redis_url() -> str:
    return str(getattr(settings, "REDIS_URL", "") or "")


def trusted_proxies() -> list[str]:
    """Addresses or networks (CIDR) of the reverse proxies in front of Parley. Only a
    request from one of them may name the client in PARLEY_PROXY_HEADER."""
    return list(getattr(settings, "PARLEY_TRUSTED_PROXIES", []))


def proxy_header() -> str:
    return str(getattr(settings, "PARLEY_PROXY_HEADER", "HTTP_X_FORWARDED_FOR"))


def phases() -> list[str]:
    return list(getattr(settings, "PARLEY_MODERATION_PHASES", DEFAULT_PHASES))


def queue_page_size() -> int:
    return int(getattr(settings, "PARLEY_MODERATION_PAGE_SIZE", 25))
