"""The WSGI entry point for gunicorn: `gunicorn dps_portal.wsgi:app`."""

import gc

from dps_portal import create_app

app = create_app()
# What the app holds from start-up (modules, mappers, templates: about 250,000 objects) lives
# as long as the worker: kept out of the garbage collector's passes, which otherwise rescan it
# every time they reach the oldest generation during requests.
gc.freeze()
