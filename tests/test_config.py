"""The application factory and its configuration layers."""

from __future__ import annotations

import pytest

from quizapp import create_app
from quizapp.config import ConfigError, database_url


def test_testing_config(app):
    assert app.config["TESTING"] and app.config["ENV_NAME"] == "testing"


def test_production_requires_a_secret_key(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY must be set"):
        create_app(
            {"ENV_NAME": "production", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"}
        )


def test_development_creates_and_keeps_a_secret_in_the_instance_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setattr(
        "flask.Flask.auto_find_instance_path", lambda self: str(tmp_path / "instance")
    )
    first = create_app({"ENV_NAME": "development"})
    second = create_app({"ENV_NAME": "development"})
    assert len(first.config["SECRET_KEY"]) == 64
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert (tmp_path / "instance" / "secret_key").stat().st_mode & 0o077 == 0
    assert (
        first.config["SQLALCHEMY_DATABASE_URI"]
        == f"sqlite:///{tmp_path / 'instance' / 'quizapp.sqlite'}"
    )


def test_environment_variables_configure_deployment(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("DATABASE_URL", "postgres://user:pw@db.example/quizapp")
    monkeypatch.setenv("QUIZAPP_ENV", "production")
    monkeypatch.setenv("RATELIMIT_ENABLED", "false")
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert app.config["RATELIMIT_ENABLED"] is False
    assert (
        app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://user:pw@db.example/quizapp"
    )


def test_unknown_environment_name_fails_fast(monkeypatch):
    monkeypatch.setenv("QUIZAPP_ENV", "staging")
    with pytest.raises(ConfigError, match="QUIZAPP_ENV must be one of"):
        create_app()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_database_url_forms(given, expected):
    assert database_url(given) == expected


def test_wsgi_module_exposes_an_app(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/wsgi.db")
    monkeypatch.setenv("SECRET_KEY", "x")
    import importlib

    import wsgi

    importlib.reload(wsgi)
    assert wsgi.app.name == "quizapp"
