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
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["fangkong.core.api.ScopedPermission"],
    "EXCEPTION_HANDLER": "fangkong.core.api.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
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
    # Choice sets that share a field name with another app's: named here, not by a hash.
    "ENUM_NAME_OVERRIDES": {
        "CategoryEnum": "fangkong.monitoring.models.Category",
        "ItemCategoryEnum": "fangkong.supplies.models.ItemCategory",
        "ErrandStatusEnum": "fangkong.care.models.ErrandStatus",
        "VenueStatusEnum": "fangkong.measures.models.VenueStatus",
        "GatheringOutcomeEnum": "fangkong.measures.models.GatheringOutcome",
        "PassageOutcomeEnum": "fangkong.checkpoints.models.Outcome",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("FANGKONG_LOG_LEVEL", "INFO")},
}
