"""The care DPS portal: create_app builds the Flask application."""

import os
from pathlib import Path

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from werkzeug.middleware.proxy_fix import ProxyFix

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: object | str | None = None) -> Flask:
    from dps_portal.core.web import PortalEnvironment

    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.jinja_environment = PortalEnvironment  # before anything reads app.jinja_env
    _configure(app, config)
    proxies = app.config.get("PROXY_FIX_X_FOR", 0)
    if proxies:
        # The client address from X-Forwarded-For, as many hops back as there are proxies.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies)

    from dps_portal import models  # noqa: F401  (every model, for Alembic and relationships)
    from dps_portal.core import (
        database,  # how SQLite begins a transaction; pings after a rest
        statements,
        web,
    )
    from dps_portal.extensions import csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(ROOT / "migrations"),
        render_as_batch=True,
        compare_type=True,
        include_name=_include_in_migrations,
    )
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    from dps_portal.accounts.queries import user_for_session

    login_manager.user_loader(user_for_session)
    from dps_portal.framework.models import current_buyer_name

    app.extensions["council_name"] = current_buyer_name

    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(ROOT / "templates")),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    from govuk_frontend_wtf.main import WTFormsHelpers

    WTFormsHelpers(app)

    database.init_app(app)
    statements.init_app(app)
    web.init_app(app)
    _register_blueprints(app)

    from dps_portal.cli import register_commands

    register_commands(app)

    from dps_portal.scheduler.runner import start_in_process_if_configured

    start_in_process_if_configured(app)
    return app


def _include_in_migrations(name: str | None, type_: str, _parent_names) -> bool:
    """APScheduler keeps its own table in our database and manages it itself."""
    return not (type_ == "table" and name == "apscheduler_jobs")


def _configure(app: Flask, config: object | str | None) -> None:
    from config import CONFIGS

    if config is None:
        config = os.environ.get("DPS_CONFIG", "development")
    if isinstance(config, str):
        if config not in CONFIGS:
            raise RuntimeError(f"DPS_CONFIG must be one of {', '.join(CONFIGS)}, not {config!r}")
        app.config.from_object(CONFIGS[config])
        app.config["CONFIG_NAME"] = config
    elif isinstance(config, dict):
        app.config.from_object(CONFIGS["testing"])
        app.config.update(config)
        app.config["CONFIG_NAME"] = "testing"
    else:
        app.config.from_object(config)
        app.config["CONFIG_NAME"] = getattr(config, "__name__", "custom")
    if app.config["CONFIG_NAME"] == "production":
        app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY")
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ.get("DATABASE_URL")
        secret = app.config["SECRET_KEY"] or ""
        if len(secret) < 32 or secret.startswith(("dev", "change")):
            raise RuntimeError(
                "production needs SECRET_KEY: a random value of 32 characters or more"
            )
        if not app.config["SQLALCHEMY_DATABASE_URI"]:
            raise RuntimeError("production needs DATABASE_URL")
        # SQLite serialises every writer and cannot lock rows: a trial may opt in, a council not.
        if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite") and (
            os.environ.get("ALLOW_SQLITE_IN_PRODUCTION") != "1"
        ):
            raise RuntimeError(
                "production needs PostgreSQL: DATABASE_URL names SQLite "
                "(set ALLOW_SQLITE_IN_PRODUCTION=1 to run a trial on SQLite anyway)"
            )
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("postgres://"):
        uri = "postgresql://" + uri.removeprefix("postgres://")
    if uri.startswith("postgresql://"):
        uri = "postgresql+psycopg://" + uri.removeprefix("postgresql://")
    app.config["SQLALCHEMY_DATABASE_URI"] = uri
    if uri.startswith("sqlite:///"):
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


def _register_blueprints(app: Flask) -> None:
    from dps_portal.accounts.blueprint import bp as accounts
    from dps_portal.admin.blueprint import bp as admin
    from dps_portal.audit.blueprint import bp as audit
    from dps_portal.awards.blueprint import bp as awards
    from dps_portal.contracts.blueprint import bp as contracts
    from dps_portal.contracts.terms.blueprint import bp as terms
    from dps_portal.cqc.blueprint import bp as cqc
    from dps_portal.declarations.blueprint import bp as declarations
    from dps_portal.documents.blueprint import bp as documents
    from dps_portal.framework.blueprint import bp as framework
    from dps_portal.main.blueprint import bp as main
    from dps_portal.notifications.blueprint import bp as notifications
    from dps_portal.onboarding.blueprint import bp as onboarding
    from dps_portal.onboarding.review.blueprint import bp as review
    from dps_portal.placements.blueprint import bp as placements
    from dps_portal.providers.blueprint import bp as providers
    from dps_portal.providers.evidence.blueprint import bp as evidence
    from dps_portal.quality.actions.blueprint import bp as actions
    from dps_portal.quality.blueprint import bp as quality
    from dps_portal.quality.returns.blueprint import bp as returns
    from dps_portal.rates.blueprint import bp as rates
    from dps_portal.register.blueprint import bp as register
    from dps_portal.scheduler.blueprint import bp as scheduler
    from dps_portal.tenders.award.blueprint import bp as award
    from dps_portal.tenders.blueprint import bp as tenders
    from dps_portal.tenders.evaluation.blueprint import bp as evaluation
    from dps_portal.vacancies.blueprint import bp as vacancies

    for blueprint in (
        main,
        accounts,
        admin,
        audit,
        documents,
        framework,
        notifications,
        scheduler,
        providers,
        onboarding,
        review,
        declarations,
        terms,
        contracts,
        quality,
        actions,
        returns,
        evidence,
        cqc,
        tenders,
        evaluation,
        award,
        awards,
        placements,
        vacancies,
        rates,
        register,
    ):
        app.register_blueprint(blueprint)
