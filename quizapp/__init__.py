"""quizapp: short lessons, quizzes and spaced repetition about production management."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app; `config` overrides everything, which is how tests pick their database."""
    from quizapp.config import load_config

    app = Flask(__name__, instance_relative_config=True)
    load_config(app, dict(config or {}))
    app.jinja_env.trim_blocks = app.jinja_env.lstrip_blocks = True
    register_proxies(app)
    register_extensions(app)
    register_url_converters(app)
    register_blueprints(app)
    register_template_filters(app)
    register_navigation(app)
    register_errorhandlers(app)
    register_security_headers(app)
    register_commands(app)
    return app


def register_proxies(app: Flask) -> None:
    from werkzeug.middleware.proxy_fix import ProxyFix

    # Only the proxies' own entries are believed, so a client cannot pick its address (and
    # with it a fresh login limit). The host is not taken from them: configuration decides
    # it (SERVER_NAME, TRUSTED_HOSTS).
    if count := app.config["TRUSTED_PROXIES"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)


def register_extensions(app: Flask) -> None:
    from quizapp import models  # noqa: F401  (the metadata must be complete for Alembic)
    from quizapp.auth.session import init_login
    from quizapp.db import db, render_migration_type
    from quizapp.extensions import limiter, migrate
    from quizapp.mail.setup import init_mail

    db.init_app(app)
    migrate.init_app(
        app, db, render_as_batch=True, compare_type=True, render_item=render_migration_type
    )
    limiter.init_app(app)
    init_login(app)
    init_mail(app)


def register_url_converters(app: Flask) -> None:
    from quizapp.security import DatabaseIdConverter

    app.url_map.converters["int"] = DatabaseIdConverter


def register_blueprints(app: Flask) -> None:
    from quizapp.admin.views import bp as admin_bp
    from quizapp.auth.recovery import bp as recovery_bp
    from quizapp.auth.views import bp as auth_bp
    from quizapp.classes.views import bp as classes_bp
    from quizapp.health import bp as health_bp
    from quizapp.invitations.views import bp as invitations_bp
    from quizapp.learn.views import bp as learn_bp
    from quizapp.pwa import bp as pwa_bp
    from quizapp.quiz.views import bp as quiz_bp
    from quizapp.reminders.views import bp as reminders_bp
    from quizapp.review import offline  # noqa: F401  (its routes join the review blueprint)
    from quizapp.review.views import bp as review_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(recovery_bp)
    app.register_blueprint(reminders_bp)
    app.register_blueprint(invitations_bp)
    app.register_blueprint(classes_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(learn_bp)
    app.register_blueprint(quiz_bp)
    app.register_blueprint(review_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(pwa_bp)


def register_template_filters(app: Flask) -> None:
    from flask_wtf.csrf import generate_csrf
    from markupsafe import Markup

    from quizapp.core.markdown import render_markdown
    from quizapp.core.words import plural

    app.add_template_filter(plural)
    # Safe to mark: render_markdown escapes raw HTML and sanitises what it produces.
    app.add_template_filter(lambda text: Markup(render_markdown(text)), "markdown")
    # For pages whose scripts post JSON (offline reviews): the same token the forms carry.
    app.jinja_env.globals["csrf_token"] = generate_csrf


def register_navigation(app: Flask) -> None:
    from quizapp.navigation import init_navigation

    init_navigation(app)


def register_errorhandlers(app: Flask) -> None:
    from quizapp.errors import init_errors

    init_errors(app)


def register_security_headers(app: Flask) -> None:
    from quizapp.security import (
        ForegroundSessionInterface,
        add_security_headers,
        mark_background_request,
        refuse_nul_bytes,
        refuse_uploads,
    )

    app.session_interface = ForegroundSessionInterface()
    app.before_request(mark_background_request)

    app.before_request(refuse_uploads)
    app.before_request(refuse_nul_bytes)
    app.after_request(add_security_headers)


def register_commands(app: Flask) -> None:
    from quizapp.cli import content_cli, demo_command, mail_cli, reminders_cli, srs_cli, users_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(content_cli)
    app.cli.add_command(srs_cli)
    app.cli.add_command(demo_command)
    app.cli.add_command(mail_cli)
    app.cli.add_command(reminders_cli)
