"""WSGI entry points: `gunicorn wsgi:portal` and `gunicorn wsgi:backoffice`."""

from backoffice import create_backoffice
from portal import create_portal

portal = create_portal()
backoffice = create_backoffice()
