"""WSGI entry point for gunicorn (`workgate serve`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workgate.settings")
application = get_wsgi_application()
