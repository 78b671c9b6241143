"""Keyward settings: one module, fed by the environment (and an optional `.env`)."""

from __future__ import annotations

from pathlib import Path

import django_stubs_ext
import environ

django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)


def _required_in_production(name: str, development_default: str) -> str:
    """Return the variable; without DEBUG a missing one stops start-up with one clear line."""
    value: str = env.str(name, default="")
    if value:
        return value
    if DEBUG:
        return development_default
    raise SystemExit(f"Keyward configuration error: {name} must be set when DEBUG=false.")


SECRET_KEY = _required_in_production("SECRET_KEY", "django-insecure-development-only-secret-key")
# The pepper keys the HMAC of stored API-key digests; it lives apart from SECRET_KEY so
# that a database dump (or a leaked SECRET_KEY) alone cannot be used to test guesses.
APIKEY_PEPPER = _required_in_production("APIKEY_PEPPER", "development-only-apikey-pepper")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
if not ALLOWED_HOSTS:
    if not DEBUG:
        raise SystemExit("Keyward configuration error: ALLOWED_HOSTS must be set when DEBUG=false.")
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "django_tasks",
    "django_tasks_db",
    "core",
    "accounts",
    "apikeys",
    "usage",
    "config",
]

MIDDLEWARE = [
    "core.logs.RequestLogMiddleware",
    # Next, so that every /api/ response carries the rate-limit headers, errors of the
    # middleware below included.
    "core.ratelimit.ApiRateLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.RejectNulBytesMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    # Above everything that reads the database (below the headers), so that an outage
    # anywhere below is a 503.
    "core.outage.DatabaseOutageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "accounts.middleware.ActiveTenantMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "accounts.context_processors.console",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# The API-key lookup runs as a server-side prepared statement on PostgreSQL (see
# apikeys/lookup.py). Turn it off behind a pooler that cannot keep prepared statements
# (PgBouncer before 1.21 in transaction mode).
DB_PREPARED_STATEMENTS = env.bool("DB_PREPARED_STATEMENTS", default=True)
# The key lookup's SQL is compiled once per process from the ORM queryset (`compiled`), or
# built by the ORM on every request (`orm`: slower, the plain way; both return the same).
APIKEY_LOOKUP = env.str("APIKEY_LOOKUP", default="compiled")
if DATABASES["default"]["ENGINE"].endswith("postgresql") and DB_PREPARED_STATEMENTS:
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 0
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The console and the task worker write to one file: with WAL, readers never wait for
    # the writer, and writers take the lock when their transaction starts (then wait for
    # it), instead of failing "database is locked" when a read turns into a write.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Rate limits must be shared by every process, so the cache is Redis or the database,
# never the per-process memory cache.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "keyward_cache",
        }
    }

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "signin"
LOGIN_REDIRECT_URL = "usage"
LOGOUT_REDIRECT_URL = "signin"

# Accounts on django-allauth (accounts/adapter.py holds what Keyward changes of it).
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_FORMS = {
    "signup": "accounts.auth_forms.SignUpForm",
    "login": "accounts.auth_forms.SignInForm",
    "change_password": "accounts.auth_forms.PasswordChangeForm",
}
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True
# Sign-up answers "check your e-mail for a code" whether or not the address has an account
# (that needs mandatory verification); signing in again later does not insist on it (see
# AccountAdapter.get_login_stages): unverified accounts look around but mint nothing.
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_PREVENT_ENUMERATION = True
# A reset for an unknown address answers like any other and sends nothing.
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "Keyward: "
ACCOUNT_PASSWORD_RESET_TOKEN_GENERATOR = "django.contrib.auth.tokens.PasswordResetTokenGenerator"
ACCOUNT_SIGNUP_REDIRECT_URL = "console-home"
# Sudo mode: sensitive actions need a sign-in or re-authentication this recent.
SUDO_SECONDS = 15 * 60
ACCOUNT_REAUTHENTICATION_TIMEOUT = SUDO_SECONDS
# Failed passwords are throttled by accounts/throttle.py (it tells when to retry); allauth
# keeps its other limits, all counted on the shared cache. Its `login_failed` limit now
# guards second-factor codes only (5 wrong codes per user in 5 minutes).
SIGNIN_FAILURES_PER_ACCOUNT = env.int("SIGNIN_FAILURES_PER_ACCOUNT", default=5)
SIGNIN_FAILURES_PER_IP = env.int("SIGNIN_FAILURES_PER_IP", default=30)
SIGNIN_LOCKOUT_SECONDS = env.int("SIGNIN_LOCKOUT_SECONDS", default=15 * 60)
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "10/m/ip,30/h/ip",
    "signup_email": "3/h/key",
    "reset_password": "10/m/ip,3/15m/key",
    "confirm_email": "1/10s/key,10/h/key",
}
MFA_ADAPTER = "accounts.mfa_adapter.MFAAdapter"
# Encrypts TOTP secrets and recovery-code seeds at rest; changing it invalidates every
# authenticator app and recovery code (people set them up again). Defaults to SECRET_KEY.
MFA_ENCRYPTION_KEY = env.str("MFA_ENCRYPTION_KEY", default=SECRET_KEY)
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = "Keyward"
# http://localhost is a secure context for WebAuthn in browsers; only development serves it.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
USERSESSIONS_TRACK_ACTIVITY = True

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env.bool("STATIC_MANIFEST", default=not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Keyward <noreply@keyward.localhost>")
# E-mail is queued as a task and delivered by the worker (`manage.py db_worker`, which
# `make run` starts beside the server), retrying with backoff while SMTP is down: from
# EMAIL_RETRY_BACKOFF seconds, doubling up to an hour, EMAIL_MAX_ATTEMPTS tries (~a day).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
EMAIL_RETRY_BACKOFF = env.int("EMAIL_RETRY_BACKOFF", default=30)
EMAIL_MAX_ATTEMPTS = env.int("EMAIL_MAX_ATTEMPTS", default=30)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)

# Client IP: how many reverse proxies in front of us append to X-Forwarded-For.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)

# GitHub's secret-scanning public keys: the path of a JSON file in GitHub's format
# ({"public_keys": [{"key_identifier", "key", "is_current"}]}); empty: every report is 401.
SECRET_SCANNING_GITHUB_KEYS = env.str("SECRET_SCANNING_GITHUB_KEYS", default="")

INVITATION_TTL_DAYS = 7

# Security headers; production values unless DEBUG.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
if env.bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    if not SECURE_HSTS_PRELOAD:
        # Preloading binds every subdomain of the operator's domain for months: an explicit
        # opt-in (SECURE_HSTS_PRELOAD=true), so its absence is not a deploy-check failure.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Error reports (the DEBUG page included) hide sensitive variables and key headers.
DEFAULT_EXCEPTION_REPORTER_FILTER = "core.debug.AlwaysCleansingFilter"

# One line per request from core.logs; LOG_FORMAT=json for one JSON object a line.
LOG_FORMAT = env.str("LOG_FORMAT", default="plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "core.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# The REST API: API keys only (no session auth), JSON only, one JSON error body.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["apikeys.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "core.api.permissions.HasScopes",
    ],
    # No OPTIONS metadata: the OpenAPI schema documents the API, and OPTIONS is a 405.
    "DEFAULT_METADATA_CLASS": None,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["core.api.parsers.JSONBodyParser"],
    # The per-key limit; counted atomically as the key authenticates (core/ratelimit.py).
    "DEFAULT_THROTTLE_CLASSES": ["core.ratelimit.KeyRateThrottle"],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.CursorPage",
    "EXCEPTION_HANDLER": "core.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}
# Request bodies are capped (Django checks it as DRF reads the body; the API answers 413).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=256 * 1024)
# Rate limits, counted on the shared cache: per key (a tenant's own `rate_limit` overrides),
# per client IP for calls without a key, and per client IP for failed authentications.
API_RATE_LIMIT = env.str("API_RATE_LIMIT", default="60/min")
ANON_RATE_LIMIT = env.str("ANON_RATE_LIMIT", default="10/min")
AUTH_FAILURE_RATE_LIMIT = env.str("AUTH_FAILURE_RATE_LIMIT", default="20/min")
# The schema and its docs page, per client IP: a person's browser, so generous.
DOCS_RATE_LIMIT = env.str("DOCS_RATE_LIMIT", default="300/min")
# When the counters' store (Redis or the database) is down: `allow` serves the request
# unlimited and logs a warning; `refuse` answers 503 with Retry-After.
RATE_LIMIT_ON_CACHE_ERROR = env.str("RATE_LIMIT_ON_CACHE_ERROR", default="allow")
if RATE_LIMIT_ON_CACHE_ERROR not in ("allow", "refuse"):
    raise SystemExit("Keyward configuration error: RATE_LIMIT_ON_CACHE_ERROR is allow or refuse.")
# Retry-After (seconds) of a 503 during an outage of the database or the counters' store.
OUTAGE_RETRY_AFTER = env.int("OUTAGE_RETRY_AFTER", default=30)

# A new organisation's monthly allowance of flow invocations; empty means unlimited.
DEFAULT_MONTHLY_EXECUTIONS: int | None = (
    env.int("DEFAULT_MONTHLY_EXECUTIONS") if env.str("DEFAULT_MONTHLY_EXECUTIONS", "") else None
)

# Device login (`keyward login`) and sign-up over REST.
DEVICE_CODE_RATE_LIMIT = env.str("DEVICE_CODE_RATE_LIMIT", default="10/min")
DEVICE_ENTRY_RATE_LIMIT = env.str("DEVICE_ENTRY_RATE_LIMIT", default="10/min")
DEVICE_POLL_RATE_LIMIT = env.str("DEVICE_POLL_RATE_LIMIT", default="120/min")
SIGNUP_IP_RATE_LIMIT = env.str("SIGNUP_IP_RATE_LIMIT", default="10/hour")
SIGNUP_ADDRESS_RATE_LIMIT = env.str("SIGNUP_ADDRESS_RATE_LIMIT", default="3/hour")

SPECTACULAR_SETTINGS = {
    "TITLE": "Keyward API",
    "DESCRIPTION": "Organisation-scoped REST API. Authenticate with an API key in "
    "`Authorization: Bearer <key>` or `X-API-Key: <key>`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.schema.document_errors",
    ],
}
