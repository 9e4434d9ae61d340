"""WSGI entry point (gunicorn novacart.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "novacart.settings")

application = get_wsgi_application()
