"""Test settings: fixed keys, fast hashing, an in-memory SQLite unless DATABASE_URL is given."""

import os
import tempfile

os.environ.setdefault("FANGKONG_SECRET_KEY", "test-secret-key-not-for-production-0123456789")
os.environ.setdefault("FANGKONG_FIELD_KEY", "dGVzdC1maWVsZC1rZXktMzItYnl0ZXMtbG9uZy0wMDA=")
os.environ.setdefault("DATABASE_URL", "sqlite://:memory:")
os.environ.setdefault("FANGKONG_VAR_DIR", tempfile.mkdtemp(prefix="fangkong-test-"))

from .base import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # noqa: S303 - tests only
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING = {"version": 1, "disable_existing_loggers": False}
STATIC_ROOT = None  # type: ignore[assignment]  # served from the finders (WhiteNoise and the live server)
WHITENOISE_USE_FINDERS = True
AXES_ENABLED = False  # the test client's login() has no request; the throttle's tests switch it on
# Tasks run at once in the request that enqueues them (the pages' tests read the result at once);
# the worker's own tests switch to the database backend and run real `fangkong worker` processes.
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend", "QUEUES": []}}
