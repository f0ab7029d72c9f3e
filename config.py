"""Configuration classes, chosen by the DPS_CONFIG environment variable in create_app."""

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


class Config:
    SERVICE_NAME = "Specialist care placements"
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'dps_portal.sqlite'}"
    )
    # No pool_pre_ping: a connection is pinged only after a rest (core/database.py).
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}

    # Sessions and cookies.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    # A session ends this long after signing in, however busy, and after a spell without a
    # request: shorter for staff, who see every provider's records.
    SESSION_ABSOLUTE_LIFETIME = timedelta(hours=12)
    STAFF_IDLE_TIMEOUT = timedelta(minutes=30)
    PROVIDER_IDLE_TIMEOUT = timedelta(minutes=60)
    # A bid form can stay open for hours: the CSRF token lives as long as the session.
    WTF_CSRF_TIME_LIMIT = int(timedelta(hours=12).total_seconds())

    # Accounts.
    LOGIN_MAX_FAILURES = 10
    LOGIN_FAILURE_WINDOW = timedelta(minutes=15)
    LOGIN_LOCK_DURATION = timedelta(minutes=15)
    # Failed sign-ins from one client address in the failure window before that address is
    # told to wait (a right password for an account that is not locked still gets in).
    LOGIN_MAX_FAILURES_PER_ADDRESS = 100
    # Emails that anyone can ask for without signing in (reset links, confirmations, "you
    # already have an account"): at most this many to one recipient, and asked for from one
    # client address, in the window; more requests show the same page and send nothing.
    REQUESTED_EMAILS_PER_RECIPIENT = 3
    REQUESTED_EMAILS_PER_ADDRESS = 20
    REQUESTED_EMAIL_WINDOW = timedelta(hours=1)
    PASSWORD_RESET_LIFETIME = timedelta(hours=1)
    INVITATION_LIFETIME = timedelta(days=7)
    EMAIL_CONFIRMATION_LIFETIME = timedelta(days=2)
    PASSWORD_MIN_LENGTH = 12
    # argon2id's cost, by default OWASP's minimum (19 MiB, 2 passes, 1 lane): a hash made
    # with other values is replaced at its user's next successful sign-in.
    ARGON2_MEMORY_COST = int(os.environ.get("ARGON2_MEMORY_COST", "19456"))  # KiB
    ARGON2_TIME_COST = int(os.environ.get("ARGON2_TIME_COST", "2"))
    ARGON2_PARALLELISM = int(os.environ.get("ARGON2_PARALLELISM", "1"))

    # Documents.
    DOCUMENT_STORE = os.environ.get("DPS_DOCUMENT_STORE", str(INSTANCE_DIR / "documents"))
    MAX_CONTENT_LENGTH = 20 * 1024 * 1024
    MAX_FORM_MEMORY_SIZE = 2 * 1024 * 1024

    # Email.
    MAIL_FROM = os.environ.get("MAIL_FROM", "no-reply@dps.example.gov.uk")
    SMTP_HOST = os.environ.get("SMTP_HOST")
    SMTP_PORT = int(os.environ.get("SMTP_PORT", "587"))
    SMTP_STARTTLS = os.environ.get("SMTP_STARTTLS", "true").lower() == "true"
    SMTP_USERNAME = os.environ.get("SMTP_USERNAME")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD")
    SMTP_TIMEOUT = 10
    OUTBOX_MAX_ATTEMPTS = 8
    # The address that links in emails point to.
    EXTERNAL_URL = os.environ.get("DPS_EXTERNAL_URL", "http://127.0.0.1:5000")

    # The award approval threshold, the abnormally low line, when a vacancy goes stale, the
    # offers' response windows and the council's contact details are the framework's data,
    # which administrators keep (/admin/framework), not configuration.

    # Placements: the first review this long after the start, then every year.
    FIRST_PLACEMENT_REVIEW_AFTER = timedelta(weeks=6)

    # Scheduler: "inside" runs it in the web process (the demo), "off" leaves it to
    # `flask scheduler`, which production runs as exactly one process of its own.
    SCHEDULER_MODE = os.environ.get("DPS_SCHEDULER", "off")

    HSTS = False

    # The web server's client address: behind this many reverse proxies, each adding itself to
    # X-Forwarded-For, the client is the address the outermost trusted proxy saw. 0 (the
    # default) trusts no header, so no one can claim another address by sending one.
    PROXY_FIX_X_FOR = int(os.environ.get("DPS_PROXY_FIX_X_FOR", "0"))

    # Flask-Limiter: requests per client address to the forms anyone can post. Its counts are
    # kept per process with memory://; give several workers one store (e.g. redis://...) to
    # share them. The database-backed lockout and email limits hold across workers either way.
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    SIGN_IN_RATE_LIMIT = os.environ.get("DPS_SIGN_IN_RATE_LIMIT", "20 per minute")
    EMAIL_REQUEST_RATE_LIMIT = os.environ.get("DPS_EMAIL_REQUEST_RATE_LIMIT", "10 per minute")

    # Each response says how many SQL statements its request sent (X-SQL-Statements): for
    # scripts/bench, off everywhere else.
    COUNT_SQL_STATEMENTS = os.environ.get("DPS_COUNT_SQL_STATEMENTS", "false").lower() == "true"


class DevelopmentConfig(Config):
    DEBUG = False
    SCHEDULER_MODE = os.environ.get("DPS_SCHEDULER", "inside")


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-only"
    SQLALCHEMY_DATABASE_URI = os.environ.get("DPS_TEST_DATABASE_URL", "sqlite://")
    SCHEDULER_MODE = "off"
    # Fast hashing keeps the suite quick; the other configurations use OWASP's minimum.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    ARGON2_PARALLELISM = 1
    # Tests post the same forms many times a minute; tests/accounts/test_rate_limits.py turns
    # the limiter on.
    RATELIMIT_ENABLED = False


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    HSTS = True
    # Read again at create_app time so production never uses the development fallbacks.
    SECRET_KEY = None
    SQLALCHEMY_DATABASE_URI = None


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
