"""Settings for Mandate, read from environment variables.

Development defaults work with no configuration (SQLite under ``var/``). With ``DEBUG`` off the
process refuses to start unless ``SECRET_KEY`` or ``SECRET_KEY_FILE`` is set.
"""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = Path(os.environ.get("MANDATE_HOME", BASE_DIR.parent.parent)).resolve()
VAR_DIR = Path(os.environ.get("MANDATE_VAR", PROJECT_DIR / "var"))


def env(name: str, default: str | None = None) -> str | None:
    """Read a setting from NAME, or from the file named by NAME_FILE (for container secrets)."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        return Path(file_name).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in (env(name, default) or "").split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
TESTING = env_bool("MANDATE_TESTING", "pytest" in sys.modules)

# Commands that neither serve nor sign anything may run without a secret (a fresh checkout's
# `mandate makemigrations --check`); everything else refuses to start.
_KEYLESS_COMMANDS = {"makemigrations", "check", "help", "version", "showmigrations", "doctor"}
_command = sys.argv[1] if len(sys.argv) > 1 and sys.argv[0].endswith("mandate") else ""

_secret = env("SECRET_KEY")
if not _secret:
    if DEBUG or TESTING or _command in _KEYLESS_COMMANDS:
        _secret = "insecure-development-key-do-not-use-in-production"  # noqa: S105
    else:
        raise ImproperlyConfigured(
            "SECRET_KEY (or SECRET_KEY_FILE) must be set when DEBUG is off. "
            "For local development run with DEBUG=1, as `make demo` does."
        )
SECRET_KEY = _secret

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "django_htmx",
    "template_partials",
    "ninja",
    "mandate.core",
    "mandate.members",
    "mandate.disputes",
    "mandate.ballots",
    "mandate.turnout",
    "mandate.calls",
    "django_tasks",
    "django_tasks_db",
    "mandate.messaging",
    "mandate.meetings",
    "mandate.votes",
    "mandate.actions",
    "mandate.api",
    "mandate.photos",
    "mandate.pickets",
    "mandate.pay",
    "mandate.funds",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "mandate.core.security.middleware.RequireTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "mandate.core.middleware.DomainErrorMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "mandate.urls"
WSGI_APPLICATION = "mandate.wsgi.application"

TEMPLATES: list[dict[str, Any]] = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "mandate.core.context_processors.navigation",
            ],
        },
    }
]

# The database: SQLite under var/ unless DATABASE_URL says otherwise.
_default_sqlite = f"sqlite:///{VAR_DIR / 'mandate.sqlite3'}"
DATABASES: dict[str, Any] = {
    "default": dj_database_url.parse(env("DATABASE_URL", _default_sqlite) or _default_sqlite)
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    if DATABASES["default"]["NAME"] != ":memory:":
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets readers carry on while one writer commits; IMMEDIATE takes the write lock at
    # BEGIN so two writers queue on the busy timeout instead of failing mid-transaction.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
    }
else:
    # dj-database-url fills CONN_MAX_AGE with 0, so set it outright: a new PostgreSQL
    # connection per request costs more than most of this app's requests.
    DATABASES["default"]["CONN_MAX_AGE"] = int(env("CONN_MAX_AGE", "60") or 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
_test_db = env("MANDATE_TEST_DB_NAME")
if _test_db:
    DATABASES["default"]["TEST"] = {"NAME": _test_db}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Argon2 (memory-hard) hashes new passwords; the others stay listed so older hashes still verify
# and are re-hashed with Argon2 at the user's next login.
MANDATE_PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
PASSWORD_HASHERS = MANDATE_PASSWORD_HASHERS
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = VAR_DIR / "media"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG and not TESTING
CSRF_COOKIE_SECURE = not DEBUG and not TESTING
SESSION_COOKIE_AGE = 60 * 60 * 12
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Security hardening (docs/security.md): HTTPS only, HSTS, a Content Security Policy, two-factor
# authentication for officers and the fund panel, login throttling.
_PRODUCTION = not DEBUG and not TESTING
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", _PRODUCTION)
# The load balancer's health probe speaks plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Behind a reverse proxy that terminates TLS, set SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO
# (the proxy must overwrite that header on every request); without it every request looks like
# plain HTTP and is redirected again.
_proxy_header = env("SECURE_PROXY_SSL_HEADER", "")
if _proxy_header:
    SECURE_PROXY_SSL_HEADER = (_proxy_header, "https")
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000" if _PRODUCTION else "0") or 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Content Security Policy. Django's own CSP support arrives in 6.0, which needs Python 3.12; the
# supported machines run 3.11 on the 5.2 LTS line, so the policy comes from django-csp (the
# package Django's implementation grew from, kept by Mozilla). Scripts only from our own origin:
# no inline scripts or handlers anywhere (behaviours live in static/mandate/site.js). Inline
# styles stay allowed: style attributes cannot carry a nonce and cannot run code.
CONTENT_SECURITY_POLICY: dict[str, Any] = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Two-factor authentication (django-otp, TOTP): required for officers and the fund panel, and
# for anyone who enrolled a device. Off under tests so every other test logs in with a password;
# the security tests turn it on.
MANDATE_REQUIRE_2FA = env_bool("MANDATE_REQUIRE_2FA", not TESTING)
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", "Mandate") or "Mandate"
OTP_TOTP_THROTTLE_FACTOR = 1

# Login throttling (django-axes): five failures for one username from one address lock that pair
# out for 15 minutes; the lockout page says the same whether or not the account exists.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env_bool("AXES_ENABLED", not TESTING)
AXES_FAILURE_LIMIT = int(env("AXES_FAILURE_LIMIT", "5") or 5)
AXES_COOLOFF_TIME = timedelta(minutes=int(env("AXES_COOLOFF_MINUTES", "15") or 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "mandate.core.security.throttle.lockout_response"
# Failed attempts are kept (they drive the lockout); successful logins are not recorded.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "mandate.core.security.throttle.client_ip"
AXES_CLIENT_STR_CALLABLE = "mandate.core.security.throttle.client_str"
# Requests pass through this many trusted proxies that append to X-Forwarded-For (0: none).
MANDATE_PROXY_COUNT = int(env("MANDATE_PROXY_COUNT", "0") or 0)

# Uploads: the import wizard reads files itself and enforces MANDATE_IMPORT_MAX_BYTES with a
# clear message, so Django's own limit sits just above it.
MANDATE_IMPORT_MAX_BYTES = int(env("MANDATE_IMPORT_MAX_BYTES", str(40 * 1024 * 1024)) or 0)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# REST API: requests each token may make a minute, counted in the cache (shared with Redis).
MANDATE_API_RATE_PER_MINUTE = int(env("MANDATE_API_RATE_PER_MINUTE", "120") or 120)

# Phone numbers without a country code are read as this region's.
MANDATE_DEFAULT_PHONE_REGION = env("MANDATE_DEFAULT_PHONE_REGION", "GB") or "GB"

# Messaging (used by later features). Work addresses are never used for dispute messages.
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25") or 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "mandate@localhost")
MANDATE_SMS_BACKEND = env("MANDATE_SMS_BACKEND", "console")
MANDATE_SMS_URL = env("MANDATE_SMS_URL", "")
MANDATE_SMS_TOKEN = env("MANDATE_SMS_TOKEN", "")

# Logs never carry personal data: messages name objects by id only.
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # The login throttle logs every login at INFO; its warnings (lockouts) are what matter.
        "axes": {"level": "WARNING"},
    },
}

# Background tasks (django-tasks, the backport of Django 6's tasks API). Workers read the queue
# from the database (`mandate worker`); tests run tasks immediately, in the calling process.
TASKS: dict[str, Any] = {
    "default": {
        "BACKEND": env(
            "MANDATE_TASKS_BACKEND",
            "django_tasks.backends.immediate.ImmediateBackend"
            if TESTING
            else "django_tasks_db.DatabaseBackend",
        ),
    }
}

# Messaging: channel backends are "console" (masked address, for the demo), "file" (JSON lines
# under var/), "smtp" (email through Django's mail settings above) and "http" (SMS provider).
MANDATE_EMAIL_CHANNEL = env("MANDATE_EMAIL_CHANNEL", "console") or "console"
MANDATE_MESSAGING_FILE = Path(
    env("MANDATE_MESSAGING_FILE", str(VAR_DIR / "outbox" / "messages.jsonl")) or ""
)
MANDATE_SMS_WEBHOOK_SECRET = env("MANDATE_SMS_WEBHOOK_SECRET", "")
MANDATE_SMS_TIMEOUT = float(env("MANDATE_SMS_TIMEOUT", "10") or 10)
MANDATE_SITE_URL = (env("MANDATE_SITE_URL", "http://localhost:8000") or "").rstrip("/")
# Texts go out only between these local times (Spoke's and ThruText's practice); email any time.
MANDATE_TEXTING_HOURS = tuple(env_list("MANDATE_TEXTING_HOURS", "09:00,20:00"))
MANDATE_TEXTING_TIME_ZONE = env("MANDATE_TEXTING_TIME_ZONE", "Europe/London") or "Europe/London"
# A worker that holds messages longer than this is presumed dead; its messages go back to the queue.
MANDATE_MESSAGING_LEASE_SECONDS = int(env("MANDATE_MESSAGING_LEASE_SECONDS", "300") or 300)
MANDATE_MESSAGING_MAX_ATTEMPTS = int(env("MANDATE_MESSAGING_MAX_ATTEMPTS", "5") or 5)

# Several app servers behind one load balancer share no local state: sessions live in the
# database, and the cache in Redis when REDIS_URL is set (Django's built-in backend), else in
# each process's memory, which holds nothing another server needs.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
_redis_url = env("REDIS_URL", "")
CACHES: dict[str, Any] = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _redis_url}
        if _redis_url
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Worker liveness (see docs/production.md): each `mandate worker` writes a heartbeat every
# MANDATE_WORKER_BEAT_SECONDS; /healthz answers 503 when the newest is older than the stale limit.
MANDATE_WORKER_BEAT_SECONDS = int(env("MANDATE_WORKER_BEAT_SECONDS", "15") or 15)
MANDATE_WORKER_STALE_SECONDS = int(env("MANDATE_WORKER_STALE_SECONDS", "120") or 120)

# Retention (docs/data-protection.md): months each kind of personal data is kept before
# `mandate retention --apply` removes it. MANDATE_RETENTION_<KIND>=<months> overrides one.
MANDATE_RETENTION_MONTHS: dict[str, int] = {
    kind: int(env(f"MANDATE_RETENTION_{kind.upper()}", str(months)) or months)
    for kind, months in {
        "gtvo_contacts": 6,  # after the ballot closes
        "replacement_addresses": 1,  # after the ballot closes
        "call_notes": 6,  # after the ballot closes
        "message_bodies": 3,  # after the message was created
        "delivery_log": 12,
        "import_uploads": 1,  # uploads previewed but never applied
        "fund_evidence": 72,  # six years, for tax and audit
        "picket_supporters": 6,  # after their last picket shift
        "audit_log": 72,
    }.items()
}
