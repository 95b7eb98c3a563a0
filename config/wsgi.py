import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
application = get_wsgi_application()

# Refuse to serve with a field key that does not match the data (a clear message in the server's
# log, instead of a 500 on every register page).
from fangkong.core.keycheck import ensure_key_matches  # noqa: E402

ensure_key_matches()
