"""What every response shares: security headers, cookies, CSRF, error pages, health."""

import re

import pytest

from dps_portal import create_app
from dps_portal.core.roles import Role
from dps_portal.extensions import db
from tests.conftest import sign_in
from tests.factories import DEFAULT_PASSWORD, make_user


def test_security_headers_on_every_response(client):
    response = client.get("/account/sign-in")
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "default-src 'self'" in csp
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    html = response.get_data(as_text=True)
    inline_scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert inline_scripts, "GOV.UK Frontend's inline script should be on the page"
    assert all(f'nonce="{nonce}"' in attributes for attributes in inline_scripts)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in response.headers
    other = client.get("/account/sign-in").headers["Content-Security-Policy"]
    assert other != csp, "each response has its own nonce"


def test_errors_and_static_files_carry_the_headers_too(client):
    for path in ("/no-such-page", "/static/js/portal.js", "/healthz"):
        with client.get(path) as response:
            assert response.headers["X-Content-Type-Options"] == "nosniff", path
            assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"], path


def test_session_cookie_is_httponly_and_lax(client, db):
    user = make_user()
    db.session.commit()
    response = client.post(
        "/account/sign-in", data={"email": user.email, "password": DEFAULT_PASSWORD}
    )
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_production_sets_secure_cookies_and_hsts(monkeypatch, database_url):
    monkeypatch.setenv("SECRET_KEY", "x" * 48)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("ALLOW_SQLITE_IN_PRODUCTION", "1")
    app = create_app("production")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    response = app.test_client().get("/account/sign-in")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize(
    ("secret", "database", "message"),
    [
        (None, "sqlite://", "SECRET_KEY"),
        ("dev-only-not-secret", "sqlite://", "SECRET_KEY"),
        ("short", "sqlite://", "SECRET_KEY"),
        ("y" * 48, None, "DATABASE_URL"),
    ],
)
def test_production_refuses_to_start_without_real_settings(monkeypatch, secret, database, message):
    for name, value in (("SECRET_KEY", secret), ("DATABASE_URL", database)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    with pytest.raises(RuntimeError, match=message):
        create_app("production")


@pytest.mark.parametrize("allowed", [None, "0", "yes"])
def test_production_refuses_sqlite_unless_explicitly_allowed(monkeypatch, tmp_path, allowed):
    monkeypatch.setenv("SECRET_KEY", "z" * 48)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'trial.sqlite'}")
    if allowed is None:
        monkeypatch.delenv("ALLOW_SQLITE_IN_PRODUCTION", raising=False)
    else:
        monkeypatch.setenv("ALLOW_SQLITE_IN_PRODUCTION", allowed)
    with pytest.raises(RuntimeError, match="production needs PostgreSQL"):
        create_app("production")


def test_production_runs_a_trial_on_sqlite_when_allowed(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "z" * 48)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'trial.sqlite'}")
    monkeypatch.setenv("ALLOW_SQLITE_IN_PRODUCTION", "1")
    app = create_app("production")
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")


def test_an_unknown_configuration_name_is_refused():
    with pytest.raises(RuntimeError, match="DPS_CONFIG"):
        create_app("staging")


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_forms_without_a_csrf_token_are_refused(client, db):
    user = make_user()
    db.session.commit()
    response = client.post(
        "/account/sign-in", data={"email": user.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 400
    assert "Your form could not be sent" in response.get_data(as_text=True)


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_forms_with_the_token_are_accepted(client, db):
    user = make_user()
    db.session.commit()
    page = client.get("/account/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/account/sign-in",
        data={"email": user.email, "password": DEFAULT_PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302


def test_the_csrf_token_outlives_a_two_hour_form(app):
    assert app.config["WTF_CSRF_TIME_LIMIT"] >= 2 * 60 * 60


@pytest.mark.parametrize(
    ("path", "status", "heading"),
    [
        ("/no-such-page", 404, "Page not found"),
        ("/admin/users", 403, "You do not have permission to see this page"),
    ],
)
def test_error_pages_are_govuk_pages(client, db, path, status, heading):
    sign_in(client, make_user(Role.provider))
    db.session.commit()
    response = client.get(path)
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert heading in html and "govuk-template" in html


def test_method_not_allowed_page(client):
    response = client.get("/account/sign-out")
    assert response.status_code == 405
    assert "cannot be reached that way" in response.get_data(as_text=True)


def test_a_crash_shows_the_500_page_without_a_stack_trace_and_keeps_nothing(database_url, tmp_path):
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "PROPAGATE_TEST_ERRORS": False,
            "DOCUMENT_STORE": str(tmp_path),
        }
    )
    from sqlalchemy import func, select

    from dps_portal.core.access import public
    from dps_portal.providers.models import ProviderOrganisation

    @public
    def explode():
        db.session.add(ProviderOrganisation(legal_name="Half-made Ltd"))
        db.session.flush()
        raise RuntimeError("secret internals")

    app.add_url_rule("/explode", view_func=explode)
    response = app.test_client().get("/explode")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Sorry, there is a problem with the service" in html
    assert "secret internals" not in html and "Traceback" not in html
    with app.app_context():
        assert db.session.scalar(select(func.count(ProviderOrganisation.id))) == 0
        db.session.remove()
        db.engine.dispose()


def test_a_route_that_declares_no_access_is_refused(app, client):
    def undeclared():
        return "should never be seen"

    app.add_url_rule("/undeclared", view_func=undeclared)
    assert client.get("/undeclared").status_code == 403


def test_health_answers_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_health_answers_503_when_the_database_is_unreachable(tmp_path):
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": "postgresql://nobody@127.0.0.1:1/none",
            "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 2}},
            "DOCUMENT_STORE": str(tmp_path),
        }
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"
