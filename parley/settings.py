"""Parley settings, read from the environment.

SQLite (WAL mode) is the default for one machine; set DATABASE_URL for PostgreSQL.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY") or "parley-insecure-development-key-set-SECRET_KEY"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "parley.accounts",
    "parley.articles",
    "parley.discussion",
    "parley.importers",
    "parley.api",
    "parley.inline",
    "parley.demo",
    "parley.notifications",
    "parley.live",
    "parley.cache",  # read cache for guests (docs/performance.md)
    "parley.ops",  # /healthz, /metrics (deploy/README.md)
    "parley.moderation",  # the moderation desk, rules and audit (docs/moderation.md)
    "parley.sso",  # single sign-on and entitlement events (docs/sso.md)
    "parley.embed",  # the embed widget and allowed origins (docs/embed.md)
    "parley.paywall",  # the metered paywall (docs/embed.md)
]

MIDDLEWARE = [
    # First, so that its request counts and latencies cover the whole stack (parley.ops).
    "parley.ops.middleware.metrics_middleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # CORS for allowed origins on /api/v1/ (parley/embed, docs/embed.md): before anything
    # that could answer a preflight.
    "parley.embed.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The embed's requests: SSO bearer user, CSRF by custom header, site (parley/embed).
    "parley.embed.middleware.EmbedRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Guests' metered-paywall cookie (parley/paywall). Sync only and last: under ASGI every
    # middleware above it then runs in the request's one thread, with no hop between
    # threads (an async-capable one here runs Django's own through sync_to_async).
    "parley.paywall.middleware.MeterMiddleware",
]

ROOT_URLCONF = "parley.urls"
WSGI_APPLICATION = "parley.wsgi.application"
ASGI_APPLICATION = "parley.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

DATABASE_URL = (
    os.environ.get("DATABASE_URL") or f"sqlite:///{PROJECT_DIR / 'var' / 'parley.sqlite3'}"
)
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
DB_POOL_SIZE = int(os.environ.get("PARLEY_DB_POOL_SIZE", "4"))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers proceed while one writer commits; IMMEDIATE avoids
        # "database is locked" upgrades from read to write inside a transaction.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
elif DATABASES["default"]["ENGINE"].endswith("postgresql") and os.environ.get(
    "PARLEY_SERVE_WORKERS"
):
    # Under `parley serve` (ASGI) requests run on up to PARLEY_REQUEST_THREADS threads
    # (parley/serving.py) and the live stream's in threads of their own: persistent
    # connections, one per thread, would pile up until PostgreSQL refuses new clients (75
    # idle after five seconds of 32 connections when every request had its own thread).
    # One pool per process instead, with PARLEY_DB_POOL_SIZE connections at most
    # (docs/performance.md, deploy/README.md). A few are enough, and more cost: posts to
    # a hot article all update its row, each waiting for the one before to commit, and
    # with ten connections a process most of them queued on that lock while PostgreSQL's
    # CPU a post doubled.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": DB_POOL_SIZE,
        "timeout": 30,
    }

if DATABASES["default"]["ENGINE"].endswith("postgresql") and env_bool("PARLEY_DB_PREPARE", True):
    # Server-side binding, and statements prepared on their fifth run on a connection
    # (psycopg's prepare_threshold): PostgreSQL parses the queries every request makes
    # once per connection instead of on every run, and from then on plans them once too
    # where a generic plan costs no more than planning each run for its values
    # (PostgreSQL's plan_cache_mode=auto). Planning was most of PostgreSQL's CPU for a
    # post (docs/performance.md). PARLEY_DB_PLANS=force_custom_plan plans every run.
    db_options = DATABASES["default"].setdefault("OPTIONS", {})
    db_options.update(server_side_binding=True, prepare_threshold=5)
    plans = os.environ.get("PARLEY_DB_PLANS", "auto")
    if plans not in ("auto", "force_custom_plan", "force_generic_plan"):
        raise ImproperlyConfigured(
            "PARLEY_DB_PLANS is auto, force_custom_plan or force_generic_plan"
        )
    if plans != "auto":
        db_options["options"] = " ".join(
            filter(None, [db_options.get("options", ""), f"-c plan_cache_mode={plans}"])
        )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "front_page"
LOGOUT_REDIRECT_URL = "front_page"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = PROJECT_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# Mail: SMTP when EMAIL_HOST is set, otherwise files under var/mail (the demo's outbox).
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Parley <parley@localhost>")
if os.environ.get("EMAIL_HOST"):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ["EMAIL_HOST"],
                "port": int(os.environ.get("EMAIL_PORT", "25")),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS", False),
                "timeout": 10,
            },
        }
    }
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(PROJECT_DIR / "var" / "mail")},
        }
    }

SESSION_ENGINE = "parley.accounts.sessions"  # Django's database sessions, read faster
# Passwords as Django checks them; the second entry serves sessions signed in before the
# first existed (parley/accounts/backends.py).
AUTHENTICATION_BACKENDS = [
    "parley.accounts.backends.AccountBackend",
    "django.contrib.auth.backends.ModelBackend",
]
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Parley's own settings.
PARLEY_DEFAULT_SITE = os.environ.get("PARLEY_DEFAULT_SITE", "")
PARLEY_PAGE_SIZE = int(os.environ.get("PARLEY_PAGE_SIZE", "10"))
PARLEY_REPLIES_PER_THREAD = int(os.environ.get("PARLEY_REPLIES_PER_THREAD", "20"))
# How long a Most Voted "Load more" link ranks by the scores of the moment its first page
# was served; `parley worker` prunes the score ledger older than that (docs/threads.md).
PARLEY_SCORE_LEDGER_HOURS = int(os.environ.get("PARLEY_SCORE_LEDGER_HOURS", "24"))
PARLEY_MAX_INDENT = 4

# Live discussion (parley/live, docs/live.md). Without REDIS_URL, one process only.
REDIS_URL = os.environ.get("REDIS_URL", "")
PARLEY_LIVE_IDLE_DAYS = int(os.environ.get("PARLEY_LIVE_IDLE_DAYS", "14"))

# Read cache for guests (parley/cache, docs/performance.md): in Redis when REDIS_URL is
# set, else in each process's memory. Processes that do not share the cache would serve
# each other's stale pages, so `parley serve --workers N` (N > 1, which sets
# PARLEY_SERVE_WORKERS) without REDIS_URL leaves the page cache off.
PARLEY_PAGE_CACHE = env_bool("PARLEY_PAGE_CACHE", True) and (
    bool(REDIS_URL) or int(os.environ.get("PARLEY_SERVE_WORKERS", "1")) <= 1
)
PARLEY_PAGE_CACHE_SECONDS = int(os.environ.get("PARLEY_PAGE_CACHE_SECONDS", "60"))
PARLEY_PAGE_MAX_AGE = int(os.environ.get("PARLEY_PAGE_MAX_AGE", "10"))
# Each ASGI process's own memory of the guest pages it served (parley/cache/front.py).
PARLEY_FRONT_CACHE = env_bool("PARLEY_FRONT_CACHE", True)
# Sites and their moderation policies kept in each process (parley/cache/local.py).
PARLEY_LOCAL_CACHE_SECONDS = float(os.environ.get("PARLEY_LOCAL_CACHE_SECONDS", "5"))
PARLEY_FRONT_CACHE_MB = int(os.environ.get("PARLEY_FRONT_CACHE_MB", "64"))
_CACHE_PREFIX = os.environ.get("PARLEY_CACHE_PREFIX", "parley")
CACHES = {
    "default": (
        {
            # Django's, keeping one redis.Redis per pool (parley/cache/backend.py says why).
            "BACKEND": "parley.cache.backend.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": _CACHE_PREFIX,
            # A Redis that stops answering turns into cache misses quickly, not slow pages.
            "OPTIONS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5},
        }
        if REDIS_URL
        else {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "KEY_PREFIX": _CACHE_PREFIX,
            "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("PARLEY_CACHE_MAX_ENTRIES", "2000"))},
        }
    )
}
# Moderation (parley/moderation, docs/moderation.md). The client address is read from
# PARLEY_PROXY_HEADER only on requests from these proxies (addresses or CIDR networks).
PARLEY_TRUSTED_PROXIES = env_list("PARLEY_TRUSTED_PROXIES", "")

# The bench's hello-world view (/bench/hello/, parley/ops), the ceiling of the stack.
PARLEY_BENCH_HELLO = env_bool("PARLEY_BENCH_HELLO", False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
