"""The WSGI entry point for gunicorn: `gunicorn dps_portal.wsgi:app`."""

from dps_portal import create_app

app = create_app()
