"""fangkong settings: one module, driven by environment variables.

Every setting a deployment may change is read from the environment (documented in README.md).
When the secret key or the field-encryption key is not given, they are kept in
``$FANGKONG_VAR_DIR/keys.json`` (mode 0600), created on first use, so a laptop demo needs no set-up.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("FANGKONG_VAR_DIR", BASE_DIR / "var"))


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _load_keys() -> dict[str, str]:
    """Keys from the environment, else from var/keys.json (created 0600 on first use)."""
    secret = os.environ.get("FANGKONG_SECRET_KEY")
    field_key = os.environ.get("FANGKONG_FIELD_KEY")
    if secret and field_key:
        return {"secret_key": secret, "field_key": field_key}
    key_file = VAR_DIR / "keys.json"
    if key_file.exists():
        stored = json.loads(key_file.read_text())
    else:
        database = VAR_DIR / "fangkong.sqlite3"
        if not field_key and "DATABASE_URL" not in os.environ and database.exists():
            # Never a new key over existing data: every ID and phone number would be lost.
            from django.core.exceptions import ImproperlyConfigured

            raise ImproperlyConfigured(
                f"缺少 {key_file}，但 {database} 中已有数据：请从本数据库的备份中放回 keys.json"
                "（或设置 FANGKONG_FIELD_KEY）。fangkong 不会在已有数据上生成新密钥。\n"
                f"{key_file} is missing but {database} holds data: restore keys.json from the "
                "backup of this database (or set FANGKONG_FIELD_KEY). fangkong does not make a "
                "new key over existing data."
            )
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        stored = {
            "secret_key": secrets.token_urlsafe(50),
            "field_key": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        }
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(stored, fh)
    return {
        "secret_key": secret or stored["secret_key"],
        "field_key": field_key or stored["field_key"],
    }


_KEYS = _load_keys()
VAR_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
SECRET_KEY = _KEYS["secret_key"]
# 32 bytes, url-safe base64: AES-256-GCM for ID and phone numbers, and (derived) the HMAC blind index.
FIELD_ENCRYPTION_KEY = _KEYS["field_key"]

DEBUG = _env_bool("FANGKONG_DEBUG", False)
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("FANGKONG_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("FANGKONG_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_tasks_db",
    "fangkong.core",
    "fangkong.areas",
    "fangkong.accounts",
    "fangkong.registry",
    "fangkong.screening",
    "fangkong.monitoring",
    "fangkong.reports",
    "fangkong.checkpoints",
    "fangkong.workforce",
    "fangkong.care",
    "fangkong.supplies",
    "fangkong.measures",
    "fangkong.demo",  # load_demo: calls every app's own demo
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "fangkong.accounts.middleware.PasswordChangeRequiredMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "fangkong" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'fangkong.sqlite3'}"),
        conn_max_age=int(os.environ.get("FANGKONG_DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT: PostgreSQL compiled a roll-up's 30 ms count of cases in 0.4-0.6 s (the planner
    # prices each case's check-in lookup as if it ran; `bench/reports.py --explain`).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

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

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "fangkong" / "locale"]
TIME_ZONE = os.environ.get("FANGKONG_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True
# Dates and times render ISO in every language (<input type=date> accepts nothing else).
FORMAT_MODULE_PATH = ["fangkong.core.formats"]

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "fangkong" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 12 * 3600
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an anonymous request gets 401 with "WWW-Authenticate: Token", not 403.
        "fangkong.accounts.tokens.ApiTokenAuthentication",  # hashed, expiring, revocable
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["fangkong.core.api.ScopedPermission"],
    "EXCEPTION_HANDLER": "fangkong.core.api.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "fangkong.core.schema.AutoSchema",  # + the Idempotency-Key header
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "fangkong API",
    "DESCRIPTION": "Scoped access to areas, households and residents. ID and phone numbers are masked.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",  # served by us: no CDN
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "fangkong.core.schema.add_shared_refusals",  # 400/401/403/404/422 on every operation
    ],
    # Choice sets that share a field name with another app's: named here, not by a hash.
    "ENUM_NAME_OVERRIDES": {
        "CategoryEnum": "fangkong.monitoring.models.Category",
        "ItemCategoryEnum": "fangkong.supplies.models.ItemCategory",
        "ErrandStatusEnum": "fangkong.care.models.ErrandStatus",
        "VenueStatusEnum": "fangkong.measures.models.VenueStatus",
        "GatheringOutcomeEnum": "fangkong.measures.models.GatheringOutcome",
        "PassageOutcomeEnum": "fangkong.checkpoints.models.Outcome",
        "VisitOutcomeEnum": "fangkong.screening.models.VisitOutcome",
        "EntryOutcomeEnum": "fangkong.screening.models.EntryOutcome",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("FANGKONG_LOG_LEVEL", "INFO")},
}

# --- uploads (fangkong.core.uploads): every bound on an uploaded sheet -----------------------------
FANGKONG_UPLOAD_MAX_MB = int(os.environ.get("FANGKONG_UPLOAD_MAX_MB", "200"))
FANGKONG_UPLOAD_TTL_HOURS = int(os.environ.get("FANGKONG_UPLOAD_TTL_HOURS", "24"))
FANGKONG_SHEET_MAX_ROWS = int(os.environ.get("FANGKONG_SHEET_MAX_ROWS", "1200000"))
FANGKONG_SHEET_MAX_COLUMNS = int(os.environ.get("FANGKONG_SHEET_MAX_COLUMNS", "100"))
FANGKONG_SHEET_MAX_CELL_CHARS = int(os.environ.get("FANGKONG_SHEET_MAX_CELL_CHARS", "1000"))
# Address space of the child process that parses a workbook, and its CPU seconds.
FANGKONG_SHEET_MEMORY_MB = int(os.environ.get("FANGKONG_SHEET_MEMORY_MB", "1536"))
FANGKONG_SHEET_CPU_SECONDS = int(os.environ.get("FANGKONG_SHEET_CPU_SECONDS", "300"))

# --- production serving (README "Running a county server"): every security setting by env ----------
# Behind the county's reverse proxy (nginx) that terminates TLS: which peer addresses are the proxy
# (comma-separated addresses or networks). Only from those is X-Forwarded-For / -Proto believed.
FANGKONG_TRUSTED_PROXIES = [
    p.strip() for p in os.environ.get("FANGKONG_TRUSTED_PROXIES", "").split(",") if p.strip()
]
if FANGKONG_TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = _env_bool("FANGKONG_USE_X_FORWARDED_HOST", False)
SECURE_SSL_REDIRECT = _env_bool("FANGKONG_SSL_REDIRECT", False)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the monitor asks over plain HTTP on the host itself
SESSION_COOKIE_SECURE = _env_bool("FANGKONG_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = int(os.environ.get("FANGKONG_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("FANGKONG_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = _env_bool("FANGKONG_HSTS_PRELOAD", False)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie; either works

# Content-Security-Policy with Django's own support: scripts only from our static files (no inline
# script or handler anywhere: the dashboard's charts and the print buttons are files). Inline
# *styles* stay allowed: htmx adds its indicator style, ECharts sizes its canvas with style
# attributes, and a few templates indent with one; a style cannot run code.
from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
MIDDLEWARE.insert(0, "fangkong.core.middleware.RealClientAddressMiddleware")
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
)
MIDDLEWARE.append("fangkong.core.middleware.NoStoreMiddleware")
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.locale.LocaleMiddleware") + 1,
    "fangkong.core.middleware.RefuseNulMiddleware",  # a NUL byte is a clear 400, never a 500
)

# --- accounts: login throttle (django-axes) and API tokens -------------------------------------------
# A login is refused for AXES_COOLOFF_TIME after FANGKONG_LOGIN_FAILURES failures for one account
# (from anywhere) or from one address (any account); the address is the real client's
# (RealClientAddressMiddleware). Every failure and every lock-out is in the audit log.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
MIDDLEWARE.append("axes.middleware.AxesMiddleware")
AXES_FAILURE_LIMIT = int(os.environ.get("FANGKONG_LOGIN_FAILURES", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("FANGKONG_LOGIN_COOLOFF_MINUTES", "15")) / 60
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_CLIENT_IP_CALLABLE = "fangkong.core.audit.client_ip"
AXES_VERBOSE = False
FANGKONG_API_TOKEN_DAYS = int(os.environ.get("FANGKONG_API_TOKEN_DAYS", "30"))

# The task worker (`fangkong worker`, README "Running a county server"): Django's tasks framework,
# stored in the database by django-tasks-db; imports and large exports run there.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}
FANGKONG_WORKER_STALE_SECONDS = int(os.environ.get("FANGKONG_WORKER_STALE_SECONDS", "60"))
# Periodic jobs' intervals in minutes, e.g. FANGKONG_SCHEDULE_MINUTES="missed-checkins=2,expired-uploads=30"
FANGKONG_SCHEDULE_MINUTES = {
    name.strip(): float(minutes)
    for name, _, minutes in (
        item.partition("=") for item in os.environ.get("FANGKONG_SCHEDULE_MINUTES", "").split(",")
    )
    if name.strip() and minutes.strip()
}
# pg_dump / pg_restore for `fangkong backup` on PostgreSQL: found on PATH, else in this directory
# (e.g. /usr/lib/postgresql/15/bin), else in /usr/lib/postgresql/<version>/bin.
FANGKONG_PG_BIN = os.environ.get("FANGKONG_PG_BIN", "")
# An .xlsx export of the register of more rows than this is written by the task worker.
FANGKONG_EXPORT_INLINE_ROWS = int(os.environ.get("FANGKONG_EXPORT_INLINE_ROWS", "20000"))
