"""WSGI entry points: `gunicorn wsgi:portal` and `gunicorn wsgi:backoffice`."""

import gc

from backoffice import create_backoffice
from portal import create_portal

portal = create_portal()
backoffice = create_backoffice()

# What the apps loaded (modules, templates, configuration) lives as long as the worker:
# frozen out of the garbage collector's way, its full collections walk only what
# requests make (the Python docs' advice for servers that load, then serve).
gc.collect()
gc.freeze()
