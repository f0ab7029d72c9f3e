from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from dps_portal.accounts import operations
from dps_portal.accounts.forms import (
    ChoosePasswordForm,
    ForgottenPasswordForm,
    RegisterProviderForm,
    SignInForm,
)
from dps_portal.accounts.models import TokenPurpose
from dps_portal.accounts.operations import SignInOutcome
from dps_portal.core import clock
from dps_portal.core.access import public, signed_in
from dps_portal.core.roles import Role
from dps_portal.core.web import refusal_redirects_to
from dps_portal.extensions import limiter


def refused_message() -> str:
    config = current_app.config
    minutes = int(config["LOGIN_LOCK_DURATION"].total_seconds() // 60)
    return (
        f"Enter a correct email address and password. After {config['LOGIN_MAX_FAILURES']} "
        f"wrong attempts an account is locked for {minutes} minutes."
    )


# Requests per client address to the forms anyone can post (Flask-Limiter; 429 past it).
sign_in_rate = limiter.limit(lambda: current_app.config["SIGN_IN_RATE_LIMIT"], methods=["POST"])
email_request_rate = limiter.limit(
    lambda: current_app.config["EMAIL_REQUEST_RATE_LIMIT"], methods=["POST"]
)

HOME_ENDPOINTS = {
    Role.provider: "main.provider_home",
    Role.contracts_officer: "main.officer_home",
    Role.quality_monitor: "main.monitor_home",
    Role.administrator: "main.admin_home",
}


def home_url_for(user) -> str:
    return url_for(HOME_ENDPOINTS[user.role])


def _safe_next(target: str | None) -> str | None:
    """Only paths on this site: never an absolute or protocol-relative address."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _client_address() -> str:
    """The client's address: the socket's peer or, behind PROXY_FIX_X_FOR trusted proxies
    (ProxyFix), the address the outermost of them received the request from."""
    return request.remote_addr or ""


def _remember_email_to_check(kind: str, email: str):
    """The "check your email" page says the same whatever happened, so it reveals no account."""
    session["check_email"] = {"kind": kind, "email": operations.normalise_email(email)}
    return redirect(url_for("accounts.check_your_email"))


def _link_expired(kind: str):
    return render_template("accounts/link_expired.html", kind=kind), 410


@public
@sign_in_rate
def sign_in():
    if current_user.is_authenticated:
        return redirect(home_url_for(current_user))
    form = SignInForm()
    if form.validate_on_submit():
        # A refused attempt is recorded and kept when the request commits: nothing after
        # this line aborts.
        result = operations.sign_in(form.email.data, form.password.data, _client_address())
        if result.outcome is SignInOutcome.signed_in:
            target = _safe_next(request.args.get("next"))
            session.clear()
            login_user(result.user)
            # What core/web.py measures the session's lifetime and idle time from.
            session["signed_in_at"] = session["last_seen"] = clock.now().timestamp()
            return redirect(target or home_url_for(result.user))
        if result.outcome is SignInOutcome.email_unconfirmed:
            return render_template("accounts/confirm_first.html", email=result.user.email)
        if result.outcome is SignInOutcome.address_throttled:
            return render_template("errors/429.html"), 429
        form.password.errors.append(refused_message())
    form.password.data = ""
    return render_template("accounts/sign_in.html", form=form)


@signed_in
def sign_out():
    operations.sign_out(current_user)
    logout_user()
    session.clear()
    return redirect(url_for("accounts.signed_out"))


@public
def signed_out():
    return render_template("accounts/signed_out.html")


@public
@email_request_rate
def forgotten_password():
    form = ForgottenPasswordForm()
    if form.validate_on_submit():
        operations.request_password_reset(form.email.data, _client_address())
        return _remember_email_to_check("reset", form.email.data)
    return render_template("accounts/forgotten_password.html", form=form)


def _choose_password_through_link(token: str, kind: str, purpose: TokenPurpose, use, done: str):
    """A page reached from an emailed single-use link that sets the password: a password
    reset or an accepted invitation. `use(token, password)` is the operation."""
    found = operations.find_usable_token(token, purpose)
    if found is None:
        return _link_expired(kind)
    form = ChoosePasswordForm()
    if form.validate_on_submit():
        # A second request racing this one with the same link finds it used.
        with refusal_redirects_to(url_for("accounts.sign_in")):
            use(found, form.password.data)
        flash(done, "success")
        return redirect(url_for("accounts.sign_in"))
    invited = found.user if purpose is TokenPurpose.invitation else None
    return render_template("accounts/choose_password.html", form=form, kind=kind, invited=invited)


@public
def reset_password(token: str):
    return _choose_password_through_link(
        token,
        "reset",
        TokenPurpose.reset_password,
        operations.reset_password,
        "Your password has been changed. Sign in with your new password.",
    )


@public
@email_request_rate
def register():
    if current_user.is_authenticated:
        return redirect(home_url_for(current_user))
    form = RegisterProviderForm()
    if form.validate_on_submit():
        operations.register_provider(
            organisation_name=form.organisation_name.data,
            full_name=form.full_name.data,
            email=form.email.data,
            password=form.password.data,
            ip_address=_client_address(),
        )
        return _remember_email_to_check("register", form.email.data)
    form.password.data = form.password_again.data = ""
    return render_template("accounts/register.html", form=form)


@public
def check_your_email():
    details = session.get("check_email")
    if not details:
        return redirect(url_for("accounts.sign_in"))
    return render_template("accounts/check_your_email.html", **details)


@public
def confirm_email(token: str):
    found = operations.find_usable_token(token, TokenPurpose.confirm_email)
    if found is None:
        return _link_expired("confirm")
    with refusal_redirects_to(url_for("accounts.sign_in")):
        operations.confirm_email(found)
    flash("Your email address is confirmed. You can now sign in.", "success")
    return redirect(url_for("accounts.sign_in"))


@public
def accept_invitation(token: str):
    return _choose_password_through_link(
        token,
        "invitation",
        TokenPurpose.invitation,
        operations.accept_invitation,
        "Your account is ready. Sign in with your email address and new password.",
    )
