"""What every request shares: one commit at its end, refusals turned into messages, access
enforcement, idle timeout, security headers, error pages."""

import secrets
from collections import ChainMap
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from flask import (
    Flask,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.templating import Environment
from flask_login import current_user, logout_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter, ValidationError
from werkzeug.utils import cached_property
from werkzeug.wrappers import Request

from dps_portal.core import clock
from dps_portal.core.access import declared_access
from dps_portal.core.clock import format_date, format_datetime
from dps_portal.core.errors import REFUSALS
from dps_portal.core.forms import LARGEST_ID, add_error
from dps_portal.core.money import format_gbp
from dps_portal.core.navigation import council_name, navigation
from dps_portal.extensions import db, login_manager

ERROR_PAGES = {400, 403, 404, 405, 413, 429, 500}


class IdConverter(IntegerConverter):
    """`<int:…>` in a URL: an id the database can hold, written without leading zeros; any
    other number is not a route (404), never a database error."""

    def __init__(self, url_map, *args, **kwargs) -> None:
        kwargs.setdefault("max", LARGEST_ID)
        super().__init__(url_map, *args, **kwargs)

    def to_python(self, value: str) -> int:
        if len(value) > 1 and value.startswith("0"):
            raise ValidationError()
        return super().to_python(value)


class _TemplateGlobals(ChainMap):
    """A template's globals over the environment's, as Jinja keeps them, with keys that are a
    set: Jinja takes them from the importing template's at every `{% from … import … %}`
    (eighteen a page), which for a ChainMap's keys is a loop in Python."""

    def keys(self) -> set:
        return set().union(*self.maps)


class PortalEnvironment(Environment):
    """Flask's Jinja environment, with _TemplateGlobals (create_app makes it the app's)."""

    def make_globals(self, d):
        return _TemplateGlobals({} if d is None else d, self.globals)


NUL = "\x00"


def _without_nul(values: MultiDict) -> tuple[ImmutableMultiDict, bool]:
    if not any(NUL in value for value in values.values() if isinstance(value, str)):
        return values, False
    cleaned = [
        (key, value.replace(NUL, "") if isinstance(value, str) else value)
        for key, value in values.items(multi=True)
    ]
    return ImmutableMultiDict(cleaned), True


# A page number beyond this is no page of any list (and would overflow the database's OFFSET).
LAST_PAGE = 100_000


def _page_in_range(values: MultiDict) -> MultiDict:
    """?page= as every list reads it (ours and Flask-SQLAlchemy's paginate): a whole number
    from 1 to LAST_PAGE, so 26 digits are the last page there could be, not a crash."""
    text = values.get("page")
    if text is None:
        return values
    try:
        page = int(text)
    except ValueError:
        return values  # Not a number: every reader takes it as page 1.
    if 1 <= page <= LAST_PAGE:
        return values
    kept = [(key, value) for key, value in values.items(multi=True) if key != "page"]
    return ImmutableMultiDict([*kept, ("page", str(min(max(page, 1), LAST_PAGE)))])


class PortalRequest(Flask.request_class):
    """A request whose query and form values, and the names of its files, hold no NUL
    character: no one types one, and PostgreSQL cannot keep text with one in it. Removed, and
    the person told. Its page number is within range (`_page_in_range`)."""

    @cached_property
    def args(self) -> MultiDict:
        cleaned, _ = _without_nul(Request.args.__get__(self))
        return _page_in_range(cleaned)

    def _load_form_data(self) -> None:
        super()._load_form_data()
        cleaned, changed = _without_nul(self.__dict__["form"])
        for _name, upload in self.__dict__["files"].items(multi=True):
            if upload.filename and NUL in upload.filename:
                upload.filename = upload.filename.replace(NUL, "")
                changed = True
        if changed:
            self.__dict__["form"] = cleaned
            flash("We removed characters that cannot be stored (NUL) from what you sent.")


def init_app(app: Flask) -> None:
    app.request_class = PortalRequest
    app.url_map.converters["int"] = IdConverter
    login_manager.login_view = "accounts.sign_in"
    login_manager.login_message = "Sign in to see this page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    app.before_request(_enforce_declared_access)
    app.before_request(_end_expired_sessions)
    app.after_request(_set_security_headers)
    # Registered last, so it runs first: the response is only sent once its changes are kept.
    app.after_request(_commit_request)
    app.context_processor(_template_globals)
    app.template_filter("uk_date")(format_date)
    app.template_filter("uk_datetime")(format_datetime)
    app.template_filter("gbp")(format_gbp)

    for code in ERROR_PAGES:
        app.register_error_handler(code, _error_page)
    app.register_error_handler(CSRFError, _csrf_error)
    for refusal in REFUSALS:
        app.register_error_handler(refusal, _refused)
    app.register_error_handler(IntegrityError, _conflict)
    app.register_error_handler(Exception, _unexpected_error)


# One commit a request. Operations flush; the request keeps their work at its end, and an
# exception anywhere (an error page, a refusal) rolls all of it back.


def _commit_request(response):
    try:
        db.session.commit()
    except IntegrityError as error:
        return _conflict(error)
    return response


CONFLICT_MESSAGE = (
    "This was not saved: someone else made the same change at the same moment. "
    "Check what is here now, and try again if it is still needed."
)


def _conflict(error: IntegrityError):
    """Two requests raced to the same unique row and the database kept the first: the second
    is undone and told, never shown an error page."""
    db.session.rollback()
    current_app.logger.warning("Integrity conflict on %s: %s", request.path, error.orig)
    flash(CONFLICT_MESSAGE)
    if request.method == "GET":
        return redirect(url_for("main.index"))
    return redirect(request.full_path)


def _same_site_referrer() -> str | None:
    referrer = request.referrer
    if not referrer:
        return None
    parts = urlsplit(referrer)
    if parts.netloc and parts.netloc != request.host:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _refused(refusal: Exception):
    """A refusal no view caught: undo the request's work, say why, and go back."""
    db.session.rollback()
    flash(refusal.message)
    if request.method == "GET":
        return redirect(url_for("main.index"))
    return redirect(_same_site_referrer() or request.full_path)


@contextmanager
def refusal_redirects_to(url: str, message=None) -> Iterator[None]:
    """An operation refused inside the block undoes the request's work, flashes why
    (`message(refusal)` when given) and redirects to `url`."""
    try:
        yield
    except REFUSALS as refusal:
        db.session.rollback()
        flash(message(refusal) if message is not None else refusal.message)
        abort(redirect(url))


@contextmanager
def refusal_shown_on(field) -> Iterator[None]:
    """An operation refused inside the block undoes the request's work and shows why as the
    field's error; the view goes on past the block to show the form again, as typed."""
    try:
        yield
    except REFUSALS as refusal:
        db.session.rollback()
        add_error(field, refusal.message)


def requested_page() -> int:
    """The page of a list asked for (?page=): 1 when absent or not a whole number, and never
    beyond LAST_PAGE (the request's args see to that)."""
    return request.args.get("page", 1, type=int)


def _enforce_declared_access():
    """Fail closed: a route that does not say who may reach it answers 403 to everyone."""
    if request.endpoint in (None, "static"):
        return None
    if declared_access(current_app.view_functions.get(request.endpoint)) is None:
        abort(403)
    return None


def _in_words(span, *, hours: bool) -> str:
    minutes = int(span.total_seconds() // 60)
    if hours and minutes % 60 == 0:
        return "1 hour" if minutes == 60 else f"{minutes // 60} hours"
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


LAST_SEEN_STEP = 60  # seconds


def _end_expired_sessions():
    """A session ends SESSION_ABSOLUTE_LIFETIME after signing in (12 hours), and after a
    spell without a request: STAFF_IDLE_TIMEOUT (30 minutes) for staff, who see every
    provider's records, PROVIDER_IDLE_TIMEOUT (60) for provider users. The times are in the
    signed session cookie, so a copy of an old cookie is as expired as the original; the
    person is told why and, once signed in again, comes back to where they were.

    The time last seen is written at most once a LAST_SEEN_STEP (a minute), so that a busy
    session's cookie is not signed and sent again with every response: the idle time is
    counted to the minute (a session may end up to a minute before the idle time is up)."""
    if request.endpoint == "static" or not current_user.is_authenticated:
        return None
    config = current_app.config
    now = clock.now().timestamp()
    # A session made without signing in through the form (older ones, tests) starts now.
    # (setdefault changes the session, and so its cookie, only when the key is missing.)
    signed_in_at = session.setdefault("signed_in_at", now)
    last_seen = session.setdefault("last_seen", now)
    lifetime = config["SESSION_ABSOLUTE_LIFETIME"]
    idle = config["STAFF_IDLE_TIMEOUT" if current_user.is_staff else "PROVIDER_IDLE_TIMEOUT"]
    if now - signed_in_at > lifetime.total_seconds():
        reason = (
            "You were signed out because you signed in more than "
            f"{_in_words(lifetime, hours=True)} ago. Sign in again to carry on."
        )
    elif now - last_seen > idle.total_seconds():
        reason = f"You were signed out after {_in_words(idle, hours=False)} without activity."
    else:
        if now - last_seen >= LAST_SEEN_STEP:
            session["last_seen"] = now
        return None
    # Where they were: the page itself, or for a form sent the page the form was on.
    back_to = request.full_path.rstrip("?") if request.method == "GET" else _same_site_referrer()
    logout_user()
    session.clear()
    flash(reason)
    return redirect(url_for("accounts.sign_in", next=back_to))


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


# Built once; each response's own nonce goes in at {nonce}.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'nonce-{nonce}'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def _set_security_headers(response):
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.format(nonce=csp_nonce())
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if current_user.is_authenticated and request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
    if current_app.config.get("HSTS"):
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return response


def _template_globals() -> dict:
    return {
        "service_name": current_app.config["SERVICE_NAME"],
        "csp_nonce": csp_nonce,
        "navigation": navigation,
        "council_name": council_name,
    }


def _error_page(error: HTTPException):
    code = error.code or 500
    db.session.rollback()
    return render_template(f"errors/{code}.html", error=error), code


def _csrf_error(error: CSRFError):
    db.session.rollback()
    return render_template("errors/400.html", error=error, csrf_failed=True), 400


def _unexpected_error(error: Exception):
    if isinstance(error, HTTPException):
        return _error_page(error)
    current_app.logger.exception("Unhandled error on %s", request.path)
    db.session.rollback()
    if current_app.testing and current_app.config.get("PROPAGATE_TEST_ERRORS", True):
        raise error
    return render_template("errors/500.html"), 500
